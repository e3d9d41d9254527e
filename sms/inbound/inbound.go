// Package inbound takes the SMS citizens send to the shortcode: Africa's Talking posts each
// one to POST /at/sms/inbound as a form (from, to, text, date, id, linkId, networkCode).
//
// A message starts with a keyword, in English or Kiswahili: STATUS/HALI and a ticket or case
// number, APPOINTMENTS/MIADI, CANCEL/GHAIRI and an appointment number, COMPLAINT/MALALAMIKO
// and a few words, HELP/MSAADA, STOP/ACHA and START/ANZA (see Parse). The reply is in the
// keyword's language, which is remembered for the phone; anything that is not a keyword gets
// the help text in the phone's language.
//
// Replies are outbox rows (urgent, essential: a citizen who texted STOP still gets the answer
// to what they asked), written in the transaction that records the message by Africa's
// Talking's id, so a message delivered twice is answered once. What a keyword changes is
// written first, idempotently, in its own transaction: a cancellation with its notice, a
// complaint with its acknowledgement (keyed by the message id), so a delivery that failed
// between the two and comes again finds the change made and records the message.
package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// Path is where Africa's Talking posts incoming messages (set it, with ?key=, as the
// shortcode's callback URL).
const Path = "/at/sms/inbound"

// Config tunes the handler. Every field is optional.
type Config struct {
	Logger *slog.Logger // nil means slog.Default()
	// Timeout bounds the work on one message, well inside Africa's Talking's wait. Default 10s.
	Timeout time.Duration
}

// Handler is the incoming SMS callback.
type Handler struct {
	desk   *crm.Desk
	office *crm.Office
	cfg    Config
	log    *slog.Logger
}

// New builds the handler over the domain: the desk (appointments, languages, opt-outs, the
// record of messages) and the office (statuses, complaints).
func New(desk *crm.Desk, office *crm.Office, cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Handler{desk: desk, office: office, cfg: cfg, log: cfg.Logger.With("channel", "sms")}
}

// Mount adds the route to app.
func (h *Handler) Mount(app fiber.Router) { app.Post(Path, h.serve) }

// Message is one incoming SMS as Africa's Talking posts it.
type Message struct {
	ID          string // Africa's Talking's message id: a repeat carries the same one
	From        string // the citizen's number
	To          string // our shortcode
	Text        string
	Date        string // when it arrived, as Africa's Talking writes it
	LinkID      string // for premium replies (unused: replies go through the outbox)
	NetworkCode string
}

// Limits on a message. Africa's Talking joins a long message's parts, so the text may run
// to several hundred characters; far beyond that it is not an SMS.
const (
	maxText = 4000
	maxFrom = 32
)

func (h *Handler) serve(c *fiber.Ctx) error {
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return c.Status(fiber.StatusUnsupportedMediaType).SendString("expected " + fiber.MIMEApplicationForm + "\n")
	}
	// Copied: fiber's strings point into a buffer fasthttp reuses after the handler returns.
	m := Message{
		ID:          strings.TrimSpace(strings.Clone(c.FormValue("id"))),
		From:        strings.TrimSpace(strings.Clone(c.FormValue("from"))),
		To:          strings.Clone(c.FormValue("to")),
		Text:        strings.Clone(c.FormValue("text")),
		Date:        strings.Clone(c.FormValue("date")),
		LinkID:      strings.Clone(c.FormValue("linkId")),
		NetworkCode: strings.Clone(c.FormValue("networkCode")),
	}
	if problem := m.malformed(); problem != "" {
		h.log.Warn("malformed incoming sms", "problem", problem, "phone", crm.MaskPhone(m.From))
		return c.Status(fiber.StatusBadRequest).SendString(problem + "\n")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), h.cfg.Timeout)
	defer cancel()
	if err := h.Handle(ctx, m); err != nil {
		h.log.Error("incoming sms not handled; Africa's Talking will post it again",
			"id", m.ID, "phone", crm.MaskPhone(m.From), "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("not handled\n")
	}
	return c.SendString("ok\n")
}

// malformed names what makes a request no incoming message at all (an HTTP 400), as opposed
// to text a citizen could have typed, which gets the help reply.
func (m *Message) malformed() string {
	switch {
	case m.ID == "":
		return "missing id"
	case len(m.ID) > crm.MaxInboundID || !flows.Printable(m.ID):
		return "malformed id"
	case m.From == "":
		return "missing from"
	case len(m.From) > maxFrom:
		return "malformed from"
	case len(m.Text) > maxText:
		return "text too long"
	}
	return ""
}

// readable is a message's text as it can be stored and read: invalid UTF-8 becomes U+FFFD,
// and control characters other than line breaks and tabs (a NUL byte, which Postgres refuses
// in text) become spaces. Refusing the message instead would fail it on every retry, and the
// citizen would never get an answer.
func readable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Handle acts on one message and queues its replies, once per message id: a message handled
// already is ignored. An error means it was not recorded and should come again.
func (h *Handler) Handle(ctx context.Context, m Message) error {
	phone, err := crm.ParsePhone(m.From)
	if err != nil {
		// A shortcode, an alphanumeric sender or a foreign number: nothing to answer.
		h.log.Info("incoming sms from a number we do not serve", "phone", crm.MaskPhone(m.From), "id", m.ID)
		return nil
	}
	seen, err := h.desk.InboundSeen(ctx, m.ID)
	if err != nil {
		return err
	}
	if seen {
		h.log.Debug("incoming sms repeated; handled already", "phone", phone, "id", m.ID)
		return nil
	}
	text := readable(m.Text)
	cmd := Parse(text)
	lang := cmd.Lang
	// STOP and START are the opt-out words operators teach every subscriber, whatever their
	// language: they are answered in the language the citizen chose before and do not change
	// it. The other keywords say which language the citizen is writing in.
	neutral := cmd.Keyword == Stop || cmd.Keyword == Start
	if lang == "" || neutral {
		if remembered, err := h.desk.Language(ctx, phone); err == nil && remembered.Valid() {
			lang = remembered
		} else if lang == "" {
			lang = crm.English
		}
	} else if err := h.desk.SetLanguage(ctx, phone, lang); err != nil {
		// The answer matters more than remembering the language for next time.
		h.log.Warn("remember the language of an sms keyword", "phone", phone, "err", err)
	}

	in := crm.Inbound{ID: m.ID, Phone: phone, Text: text, SentAt: parseDate(m.Date)}
	k := &keywordHop{h: h, phone: phone, lang: lang, id: m.ID, in: &in}
	if err := k.act(ctx, cmd); err != nil {
		return err
	}
	first, err := h.desk.RecordInbound(ctx, in)
	if err != nil {
		return err
	}
	if !first {
		h.log.Info("incoming sms delivered twice at once; answered once", "phone", phone, "id", m.ID)
		return nil
	}
	kinds := make([]string, len(in.Replies))
	for i, r := range in.Replies {
		kinds[i] = string(r.Kind)
	}
	h.log.Info("incoming sms", "keyword", string(cmd.Keyword), "lang", lang, "phone", phone, "id", m.ID,
		"replies", strings.Join(kinds, ","))
	return nil
}

// keywordHop is one message being answered.
type keywordHop struct {
	h     *Handler
	phone crm.Phone
	lang  crm.Lang
	id    string
	in    *crm.Inbound
}

// reply queues an answer with the message's record.
func (k *keywordHop) reply(kind crm.NotificationKind, params map[string]string) {
	if params == nil {
		params = map[string]string{}
	}
	k.in.Replies = append(k.in.Replies, crm.Notification{
		Phone: k.phone, Lang: k.lang, Kind: kind, Params: params,
		Priority: crm.PriorityUrgent, Essential: true, Subject: "sms:" + k.id,
	})
}

func (k *keywordHop) act(ctx context.Context, cmd Command) error {
	switch cmd.Keyword {
	case Status:
		return k.status(ctx, cmd.Arg)
	case Appointments:
		list, err := k.h.desk.Upcoming(ctx, k.phone)
		if err != nil {
			return err
		}
		k.reply(crm.NotifySMSAppointments, appointmentsParams(list))
	case Cancel:
		return k.cancel(ctx, cmd.Arg)
	case Complaint:
		return k.complaint(ctx, cmd.Arg)
	case Rate:
		return k.rate(ctx, cmd.Arg)
	case Stop:
		out := true
		k.in.OptOut = &out
		k.reply(crm.NotifyStopAck, nil)
	case Start:
		out := false
		k.in.OptOut = &out
		k.reply(crm.NotifyStartAck, nil)
	default: // Help, and anything we did not understand
		k.reply(crm.NotifyKeywordHelp, nil)
	}
	return nil
}

// status answers STATUS/HALI: a ticket or a case, in full to its own phone and only its
// status to anyone else (as the USSD menu does); failing those, one of the phone's own
// appointments.
func (k *keywordHop) status(ctx context.Context, arg string) error {
	ref, err := Reference(arg)
	if err != nil {
		k.reply(crm.NotifySMSUsage, map[string]string{"keyword": crm.KeywordStatus})
		return nil
	}
	ans, err := k.h.office.LookupStatus(ctx, k.phone, ref)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		list, err := k.h.desk.Upcoming(ctx, k.phone)
		if err != nil {
			return err
		}
		for _, a := range list {
			if a.Ref == ref {
				k.reply(crm.NotifySMSAppointments, appointmentsParams([]crm.Appointment{a}))
				return nil
			}
		}
		k.reply(crm.NotifySMSNotFound, map[string]string{"ref": string(ref), "keyword": crm.KeywordStatus})
		return nil
	case err != nil:
		return err
	case ans.Request != nil && ans.Owner:
		r := ans.Request
		ready := ""
		if !r.Ready.IsZero() {
			ready = r.Ready.Format(time.DateOnly)
		}
		k.reply(crm.NotifyRequestStatus, map[string]string{
			"ref": string(r.Ref), "status": string(r.Status), "service": r.Service, "centre": r.Centre,
			"ready": ready, "reason": r.Reason,
		})
	case ans.Request != nil:
		k.reply(crm.NotifySMSStatusRequest, map[string]string{"ref": string(ans.Request.Ref), "status": string(ans.Request.Status)})
	case ans.Case != nil:
		p := map[string]string{"case": string(ans.Case.Number), "status": string(ans.Case.Status)}
		if ans.Owner {
			p["category"] = string(ans.Case.Category)
		}
		k.reply(crm.NotifySMSStatusCase, p)
	default:
		return fmt.Errorf("status of %s: an answer with neither a request nor a case", ref)
	}
	return nil
}

// cancel answers CANCEL/GHAIRI. A cancellation made now is answered by the notice the desk
// queues with it; an appointment cancelled already gets a short reply saying so; another
// phone's appointment is "not found", exactly like an unknown one.
func (k *keywordHop) cancel(ctx context.Context, arg string) error {
	ref, err := Reference(arg)
	if err != nil {
		k.reply(crm.NotifySMSUsage, map[string]string{"keyword": crm.KeywordCancel})
		return nil
	}
	_, cancelled, err := k.h.desk.CancelBooking(ctx, k.phone, ref, k.lang)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		k.reply(crm.NotifySMSNotFound, map[string]string{"ref": string(ref), "keyword": crm.KeywordCancel})
	case err != nil:
		return err
	case !cancelled:
		k.reply(crm.NotifySMSCancelled, map[string]string{"ref": string(ref)})
	}
	return nil
}

// complaint answers COMPLAINT/MALALAMIKO: a case is opened exactly as from the USSD menu
// (category other, not about a centre), with its acknowledgement, keyed by the message id so
// a repeat opens no second case.
func (k *keywordHop) complaint(ctx context.Context, arg string) error {
	desc := Description(arg)
	if desc == "" {
		k.reply(crm.NotifySMSUsage, map[string]string{"keyword": crm.KeywordComplaint})
		return nil
	}
	_, err := k.h.office.LodgeComplaint(ctx, crm.Complaint{
		Phone: k.phone, Lang: k.lang, Category: crm.CategoryOther, Description: desc,
		IdempotencyKey: "sms:" + k.id,
	})
	if errors.Is(err, crm.ErrBadInput) {
		k.reply(crm.NotifySMSUsage, map[string]string{"keyword": crm.KeywordComplaint})
		return nil
	}
	return err
}

// rate answers a bare 1–4: the reply to the satisfaction question rates the phone's latest
// resolved case. With no case to rate, the digit is not understood and gets the help reply.
func (k *keywordHop) rate(ctx context.Context, arg string) error {
	n, _ := strconv.Atoi(arg)
	c, err := k.h.office.RateLatest(ctx, k.phone, crm.Ratings[n-1])
	switch {
	case errors.Is(err, crm.ErrNotFound):
		k.reply(crm.NotifyKeywordHelp, nil)
		return nil
	case err != nil:
		return err
	}
	k.reply(crm.NotifySMSRated, map[string]string{"case": string(c.Number)})
	return nil
}

// appointmentsParams lists appointments for NotifySMSAppointments.
func appointmentsParams(list []crm.Appointment) map[string]string {
	p := map[string]string{"count": strconv.Itoa(len(list))}
	for i, a := range list[:min(len(list), crm.SMSAppointmentsListed)] {
		n := strconv.Itoa(i + 1)
		for key, v := range crm.AppointmentParams(a) {
			p[key+n] = v
		}
	}
	return p
}

// dateLayouts are the forms Africa's Talking's date takes: its documentation shows
// "2006-01-02 15:04:05"; its sandbox sends RFC 3339 with milliseconds.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"}

// parseDate reads the message's date as UTC; zero when it cannot.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond)
		}
	}
	return time.Time{}
}
