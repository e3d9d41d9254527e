package ussd

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// Config tunes the callback.
type Config struct {
	// CallbackKey, when set, must arrive as ?key=… on every callback: Africa's Talking does
	// not sign its requests, so an unguessable URL token is the guard.
	CallbackKey string
	// Deadline is how soon after its request arrived a hop is answered. Operators drop a
	// session whose answer is late (about 10 s to connect, 15 s in all); we give up well
	// before and say so politely. The menus' work stops a little earlier (answerReserve), so
	// that the apology itself leaves in time.
	Deadline time.Duration
	// Admission bounds the hops in flight (shared with the replica's other phone channels);
	// nil means a bound of its own, DefaultMaxHops.
	Admission *flows.Admission
	Logger    *slog.Logger
}

// DefaultMaxHops is the default bound on hops in flight on one replica. A hop spends most of
// its time waiting on Postgres and Redis, so a few dozen at once keep two cores busy; more
// only queue in front of the database.
const DefaultMaxHops = 64

// How long a hop may wait for a place among those in flight, counted from its arrival, as a
// share of the deadline. A hop that has waited past half its deadline is answered busy rather
// than started late; a session's first hop waits less, since nothing is lost yet and a hop of
// a session under way goes first anyway.
const (
	continuingStartShare = 0.5
	newStartShare        = 0.1
)

// answerReserve is the part of the deadline kept for answering once the work has stopped:
// saving the session, rendering, writing the reply (a few milliseconds at the 99.9th
// percentile under full load).
func answerReserve(deadline time.Duration) time.Duration {
	return min(200*time.Millisecond, deadline/10)
}

// Limits on what a request may carry. A whole USSD session lasts at most about 180 s, so a
// genuine input history stays far below MaxText.
const (
	MaxText      = 2000
	maxSessionID = 128
)

// Handler answers USSD hops.
type Handler struct {
	engine   *flows.Engine
	sessions flows.SessionStore
	msgs     *flows.Messages
	render   renderer
	cfg      Config
	log      *slog.Logger
}

// New builds the callback handler.
func New(engine *flows.Engine, sessions flows.SessionStore, cfg Config) *Handler {
	if cfg.Deadline <= 0 {
		cfg.Deadline = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Admission == nil {
		cfg.Admission = flows.NewAdmission(DefaultMaxHops)
	}
	msgs := engine.Messages()
	return &Handler{engine: engine, sessions: sessions, msgs: msgs, render: newRenderer(msgs), cfg: cfg,
		log: cfg.Logger.With("channel", "ussd")}
}

// Mount registers the callback route.
func (h *Handler) Mount(app fiber.Router) {
	app.Post("/at/ussd", h.serve)
}

// Request is one hop as Africa's Talking sends it.
type Request struct {
	SessionID   string
	ServiceCode string
	PhoneNumber string
	NetworkCode string
	Text        string
}

func (h *Handler) serve(c *fiber.Ctx) error {
	if h.cfg.CallbackKey != "" && subtle.ConstantTimeCompare([]byte(c.Query("key")), []byte(h.cfg.CallbackKey)) != 1 {
		return c.Status(fiber.StatusForbidden).SendString("forbidden\n")
	}
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return c.Status(fiber.StatusUnsupportedMediaType).SendString("expected " + fiber.MIMEApplicationForm + "\n")
	}
	// fiber's strings point into fasthttp's request buffer, which is reused after the handler
	// returns; the session keeps some of these, so they are copied here, once.
	req := Request{
		SessionID:   strings.Clone(c.FormValue("sessionId")),
		ServiceCode: strings.Clone(c.FormValue("serviceCode")),
		PhoneNumber: strings.Clone(c.FormValue("phoneNumber")),
		NetworkCode: strings.Clone(c.FormValue("networkCode")),
		Text:        strings.Clone(c.FormValue("text")),
	}
	if problem := req.malformed(); problem != "" {
		h.log.Warn("malformed ussd request", "problem", problem, "phone", crm.MaskPhone(req.PhoneNumber))
		return c.Status(fiber.StatusBadRequest).SendString(problem + "\n")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	// The hop's clock starts when its request was read, not when this handler ran: under
	// load the difference is the time it waited for a CPU. (A request context that no server
	// read, as a benchmark hands the handler, has no such time.)
	arrived := c.Context().Time()
	if arrived.IsZero() {
		arrived = time.Now()
	}
	return c.SendString(h.answerBy(c.UserContext(), req, arrived))
}

// malformed names what makes a request unusable as a hop at all (an HTTP 400), as opposed to
// input a citizen could have typed, which gets a polite END.
func (r Request) malformed() string {
	switch {
	case r.SessionID == "":
		return "missing sessionId"
	case len(r.SessionID) > maxSessionID || !printable(r.SessionID):
		return "malformed sessionId"
	case r.PhoneNumber == "":
		return "missing phoneNumber"
	case !utf8.ValidString(r.Text):
		return "text is not UTF-8"
	}
	return ""
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Answer runs one hop and returns the reply body. Whatever the reply promises (a booking, a
// cancellation) is committed before it returns.
func (h *Handler) Answer(ctx context.Context, req Request) string {
	return h.answerBy(ctx, req, time.Now())
}

// answerBy runs a hop that arrived at the given moment, once it is admitted among the hops in
// flight. A hop that is not admitted in time is answered busy, in both languages since its
// session is not read, and touches no store.
func (h *Handler) answerBy(ctx context.Context, req Request, arrived time.Time) string {
	ctx, cancel := context.WithDeadline(ctx, arrived.Add(h.cfg.Deadline-answerReserve(h.cfg.Deadline)))
	defer cancel()
	priority, share := flows.Continuing, continuingStartShare
	if req.Text == "" {
		priority, share = flows.New, newStartShare
	}
	startBy := arrived.Add(time.Duration(float64(h.cfg.Deadline) * share))
	place, err := h.cfg.Admission.Admit(ctx, priority, startBy)
	if err != nil {
		// Not logged one by one: under overload that would be thousands of lines a second.
		// The shed count is a metric, and the gateway logs it as it grows.
		return "END " + h.msgs.Both("notice.busy")
	}
	defer place.Release()
	return h.answer(ctx, req, true)
}

// answer runs the hop on the session as loaded. When the save finds the session changed since
// (the same hop being handled at the same moment, here or on another replica, or a session
// store's kept copy gone stale), the hop runs once more on the session as stored: it is then
// usually a repeat, answered as before. Whatever the first run did again is harmless: every
// effect a menu has is keyed by the session (bookings, cases) or idempotent (cancelling).
func (h *Handler) answer(ctx context.Context, req Request, retry bool) string {
	began := time.Now()

	phone, err := crm.ParsePhone(req.PhoneNumber)
	if err != nil {
		h.log.Info("ussd from a non-Kenyan number", "phone", crm.MaskPhone(req.PhoneNumber))
		return "END " + h.msgs.Both("notice.not_kenyan")
	}
	var s *flows.Session
	if req.Text == "" && retry {
		// A session's first hop is nearly always new, so it is not looked up: saving a new
		// session is refused when one is stored under its id already (see the retry below),
		// and a repeated first hop then runs again with the look-up, answered as before.
		err = flows.ErrNoSession
	} else {
		s, err = h.sessions.Load(ctx, req.SessionID)
	}
	switch {
	case errors.Is(err, flows.ErrNoSession):
		if req.Text != "" {
			// A hop for a session we never saw, or one that expired: we cannot know what the
			// input meant, so we must not act on it.
			h.log.Info("ussd hop for unknown session", "phone", phone, "session", req.SessionID)
			return "END " + h.msgs.Both("notice.expired")
		}
		s = &flows.Session{ID: req.SessionID, Phone: phone}
		err = h.start(ctx, s)
	case err != nil:
		return h.fail(ctx, nil, err, "load session")
	case s.Phone != phone:
		h.log.Warn("ussd session id reused by another phone", "phone", phone, "session", req.SessionID)
		return "END " + h.msgs.Both("notice.expired")
	case req.Text == s.LastRequest:
		// The aggregator repeated a hop it got no answer to: same answer, no second effect.
		return s.LastReply
	case older(req.Text, s.LastRequest):
		// A copy of an earlier hop arriving after the session moved on (a duplicate that ran
		// slow, here or on another replica): acting on it would apply an old key press to a
		// newer screen, say a day's "1" to "Confirm". It gets the latest answer and changes
		// nothing.
		return s.LastReply
	case len(req.Text) > MaxText:
		return "END " + h.msgs.Text(s.Lang, "notice.too_long")
	default:
		err = h.step(ctx, s, newestInput(s.LastRequest, req.Text))
	}
	if errors.Is(err, flows.ErrEnded) {
		return "END " + h.msgs.Text(s.Lang, "notice.expired")
	}
	if err != nil {
		return h.fail(ctx, s, err, "step")
	}

	reply := h.render.render(s)
	s.LastRequest, s.LastReply, s.Hops = req.Text, reply, s.Hops+1
	// Save even if the hop's deadline has just passed: what the reply promises is committed,
	// and the session must remember it to answer a repeat the same way.
	saveCtx, cancelSave := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancelSave()
	if err := h.sessions.Save(saveCtx, s, h.engine.Resumable(s)); err != nil {
		if errors.Is(err, flows.ErrStaleSession) && retry {
			h.log.Debug("ussd session changed while the hop ran; running it again", "phone", phone, "session", s.ID)
			return h.answer(ctx, req, false)
		}
		if !s.Screen.End {
			return h.fail(ctx, s, err, "save session")
		}
		h.log.Error("save ended ussd session", "err", err, "phone", phone, "session", s.ID)
	}
	if h.log.Enabled(ctx, slog.LevelDebug) { // its arguments would cost allocations on every hop
		h.log.Debug("ussd hop", "phone", phone, "session", s.ID, "state", s.State, "hops", s.Hops, "took", time.Since(began))
	}
	return reply
}

// start opens a session, offering to resume one this phone lost mid-booking.
func (h *Handler) start(ctx context.Context, s *flows.Session) error {
	resumable, err := h.sessions.LoadResumable(ctx, s.Phone)
	if errors.Is(err, flows.ErrNoSession) {
		resumable, err = nil, nil
	}
	if err != nil {
		return err
	}
	return h.engine.Start(ctx, s, resumable)
}

// step pages through a long list (98 for more, 0 for the page before) without bothering the
// menus, and hands every other input to them.
func (h *Handler) step(ctx context.Context, s *flows.Session, input string) error {
	switch {
	case input == "98" && !s.Screen.End && h.render.morePages(s):
		s.Page++
		s.Error = ""
		return nil
	case input == "0" && s.Page > 0:
		s.Page--
		s.Error = ""
		return nil
	}
	return h.engine.Step(ctx, s, input)
}

// fail ends the session politely when the system, not the citizen, failed.
func (h *Handler) fail(ctx context.Context, s *flows.Session, err error, what string) string {
	lang := crm.Lang("")
	attrs := []any{"err", err}
	if s != nil {
		lang = s.Lang
		attrs = append(attrs, "phone", s.Phone, "session", s.ID, "state", s.State)
	}
	key := "notice.system"
	if ctx.Err() != nil {
		key = "notice.slow"
	}
	h.log.Error("ussd "+what+" failed", attrs...)
	if lang == "" {
		return "END " + h.msgs.Both(key)
	}
	return "END " + h.msgs.Text(lang, key)
}

// older reports whether text is the history of a hop before the one seen: AT's history only
// grows within a session.
func older(text, seen string) bool {
	return seen != "" && (text == "" || strings.HasPrefix(seen, text+"*"))
}

// newestInput is what the citizen typed on this hop. Africa's Talking sends the whole history
// joined by "*"; the part after what we already saw is new (it may itself contain "*").
func newestInput(seen, text string) string {
	switch {
	case seen == "":
		return text
	case strings.HasPrefix(text, seen+"*"):
		return text[len(seen)+1:]
	}
	// The history does not extend what we saw (an aggregator that trims it): take the
	// last field, the one thing every aggregator agrees is the latest input.
	return text[strings.LastIndexByte(text, '*')+1:]
}
