package ivr

import (
	"context"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// Path is where Africa's Talking posts voice callbacks (set it, with ?key=, as the voice
// number's callback URL). Every action's callbackUrl comes back here too.
const Path = "/at/voice"

// MIMEXML is the content type of every answer.
const MIMEXML = "application/xml"

// Office is what the voice channel needs from the back office (crm.Office provides it).
type Office interface {
	// RecordCall merges what one callback tells about a call into its record.
	RecordCall(ctx context.Context, ev crm.CallEvent) (crm.Call, error)
	// AgentByPhone is the agent calling the agent line; crm.ErrNotFound for anyone else.
	AgentByPhone(ctx context.Context, phone crm.Phone) (crm.User, error)
	// CallAgent is the agent who placed an outbound call, to connect the citizen to.
	CallAgent(ctx context.Context, sessionID string) (crm.Call, crm.User, error)
}

// Config tunes the voice channel.
type Config struct {
	// CallbackKey is put in the callbackUrl of every action, so that Africa's Talking's next
	// callback carries it back through the gateway's callback guard (internal/callbackauth),
	// which checks it on every callback.
	CallbackKey string
	// PublicURL is the gateway's address as Africa's Talking reaches it (e.g.
	// https://huduma.example.go.ke), the base of every action's callbackUrl. Empty: the
	// scheme and host the callback arrived on, right when nothing rewrites them on the way.
	PublicURL string
	// Number is the contact-centre number citizens call: the queue's phoneNumber on Dequeue
	// and the caller id when an outbound call is connected to its agent.
	Number string
	// AgentLine is the number agents call to take the next waiting caller ("" if none).
	AgentLine string
	// HoldMusic is the URL of the music callers hear in the agent queue.
	HoldMusic string
	// Audio holds the recorded prompts (nil: none; every prompt is spoken).
	Audio *Audio
	// Queues counts the callers in each agent queue, so an agent who speaks both languages
	// takes from the longer queue (nil: their first language's).
	Queues flows.QueueCounter
	// Deadline is how soon after its arrival a callback is answered (flows.DefaultHopDeadline
	// if 0): Africa's Talking waits for the answer about as long as for a USSD hop's.
	Deadline time.Duration
	// Admission bounds the menu callbacks in flight, with the replica's USSD hops (a voice
	// step is on the aggregator's clock too); nil means a bound of its own,
	// flows.DefaultMaxHops.
	Admission *flows.Admission
	Logger    *slog.Logger
}

// Handler answers Africa's Talking's voice callbacks.
type Handler struct {
	engine   *flows.Engine
	loop     *flows.Loop[menuCallback] // a citizen's callbacks, through the menus
	sessions flows.SessionStore
	office   Office
	speak    *Speaker
	msgs     *flows.Messages
	cfg      Config
	log      *slog.Logger
	// stale and unverified are the recordings that no longer say their text (not played)
	// and those the table gives no text hash for (played), as "sw:main.title".
	stale, unverified []string
}

// New builds the voice callback over the voice menus (flows.NewVoiceEngine), the session
// store calls are kept in, and the back office.
func New(engine *flows.Engine, sessions flows.SessionStore, office Office, cfg Config) *Handler {
	if cfg.Deadline <= 0 {
		cfg.Deadline = flows.DefaultHopDeadline
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	msgs := engine.Messages()
	audio := cfg.Audio
	if audio == nil {
		audio = NoAudio()
	}
	stale := StaleRecordings(engine, audio)
	h := &Handler{engine: engine, sessions: sessions, office: office, speak: NewSpeaker(msgs, audio.without(stale)), msgs: msgs,
		cfg: cfg, log: cfg.Logger.With("channel", "voice"), stale: stale, unverified: audio.Unverified()}
	h.loop = flows.NewLoop[menuCallback](door{h}, engine, sessions, flows.LoopConfig{
		Channel: flows.ChannelVoice, Deadline: cfg.Deadline, Admission: cfg.Admission,
		// A call's first callback is looked up: a repeat of it is then answered without
		// running the menus' start (and its language look-up) again.
		LookUpOpening: true,
		// Keys for a call we lost (expired, or on a replica gone) start the menus again with
		// a word of explanation: hanging up on a caller is worse than asking again.
		Restart: "voice.restart",
		Reused:  "notice.system",
		Logger:  h.log,
	})
	return h
}

// Mount registers the callback route.
func (h *Handler) Mount(app fiber.Router) { app.Post(Path, h.serve) }

// MissingRecordings lists the Kiswahili prompts that have no recording and are spoken by
// text-to-speech instead, for the start-up warning.
func (h *Handler) MissingRecordings() []string { return h.speak.audio.Missing(crm.Swahili, PromptKeys) }

// UnknownRecordings lists, per language, the keys of the recordings table that no menu
// plays (a typo, a renamed key), for a warning at start-up.
func (h *Handler) UnknownRecordings() map[crm.Lang][]string {
	out := map[crm.Lang][]string{}
	for _, l := range crm.Langs {
		if keys := h.speak.audio.Unknown(l, PromptKeys); len(keys) > 0 {
			out[l] = keys
		}
	}
	return out
}

// StaleRecordings lists the recordings that no longer say their catalogue text, which the
// handler does not play (their prompts are spoken from the catalogue instead), for the
// start-up warning; see StaleRecordings (the function) for a check without a handler.
func (h *Handler) StaleRecordings() []string { return slices.Clone(h.stale) }

// UnverifiedRecordings lists the recordings the table gives no text hash for: they are
// played, but nothing tells whether they still say their text.
func (h *Handler) UnverifiedRecordings() []string { return slices.Clone(h.unverified) }

// StaleRecordings lists, sorted ("sw:main.title"), the recordings of audio that no longer say
// what the voice menus of engine (flows.NewVoiceEngine) would say in their place: the hash
// in the table differs from Script's text, or the key is gone from the catalogue. Start-up
// and "huduma check" report them.
func StaleRecordings(engine *flows.Engine, audio *Audio) []string {
	sp, fixed := scriptsOf(engine)
	return audio.staleBy(func(l crm.Lang, key string) (string, bool) { return sp.script(fixed, l, key) })
}

// Stale is StaleRecordings against the catalogue msgs (flows.LoadMessages) alone, for a check
// that has no store to build the voice menus over: the words a recording must say depend on
// the catalogue only.
func (a *Audio) Stale(msgs *flows.Messages) []string {
	return StaleRecordings(flows.NewEngine(nil, nil, msgs.ForChannel(flows.ChannelVoice)), a)
}

// Script is the text a recording of key in l must say for the voice menus of engine (the
// text whose TextHash goes in the recordings table): a menu recorded whole is its prompt
// and options as a call hears them; anything else, the catalogue entry. ok is false for a
// key the catalogue does not have.
func Script(engine *flows.Engine, l crm.Lang, key string) (text string, ok bool) {
	sp, fixed := scriptsOf(engine)
	return sp.script(fixed, l, key)
}

func scriptsOf(engine *flows.Engine) (*Speaker, map[crm.Lang][]flows.Screen) {
	fixed := map[crm.Lang][]flows.Screen{}
	for _, l := range crm.Langs {
		fixed[l] = engine.FixedScreens(l)
	}
	return NewSpeaker(engine.Messages(), nil), fixed
}

// Callback is one voice callback: the form Africa's Talking posts, plus what our own
// callbackUrl carried back in its query.
type Callback struct {
	SessionID       string
	Active          bool   // isActive: false on the end-of-call notification
	Direction       string // Inbound or Outbound
	CallerNumber    string
	Destination     string // destinationNumber
	Digits          string // dtmfDigits, after GetDigits
	RecordingURL    string // recordingUrl, after Record
	DurationSeconds int
	CurrencyCode    string
	Amount          string
	HangupCause     string
	DequeuedTo      string // dequeuedToPhoneNumber: the agent a queued caller was handed to
	ClientRequestID string

	// Step is the answer our callbackUrl belonged to (HasStep false on a callback to the
	// number's own URL, the first of a call); Silences counts the prompts in a row the caller
	// let pass without a key; Timeout marks the Redirect that follows a prompt left unanswered.
	Step     int
	HasStep  bool
	Silences int
	Timeout  bool
}

// Limits on what a callback may carry.
const (
	maxSessionID = crm.MaxCallSessionID
	maxField     = 256
	maxDigits    = 32 // keys kept of one GetDigits: no menu takes more (a reference is 9)
	maxSilences  = 2  // prompts repeated after silence before a goodbye
)

func (h *Handler) serve(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, MIMEXML)
	if !isForm(string(c.Request().Header.ContentType())) {
		h.log.Warn("voice callback is not a form")
		return c.Status(fiber.StatusUnsupportedMediaType).Send(rejection())
	}
	cb := parseCallback(c)
	if problem := cb.malformed(); problem != "" {
		h.log.Warn("malformed voice callback", "problem", problem, "phone", crm.MaskPhone(cb.CallerNumber))
		return c.Status(fiber.StatusBadRequest).Send(rejection())
	}
	base := h.cfg.PublicURL
	if base == "" {
		base = c.BaseURL()
	}
	// The callback's clock starts when its request was read (see flows.Loop.Answer).
	return c.Send(h.answerBy(c.UserContext(), cb, base, c.Context().Time()))
}

// isForm reports whether a callback's content type is a form: Africa's Talking posts
// application/x-www-form-urlencoded, and multipart/form-data is read the same way.
func isForm(ctype string) bool {
	ctype = strings.ToLower(strings.TrimSpace(ctype))
	return strings.HasPrefix(ctype, fiber.MIMEApplicationForm) || strings.HasPrefix(ctype, fiber.MIMEMultipartForm)
}

// rejection answers what cannot be a voice callback at all: still XML, refusing the call.
func rejection() []byte { return Response{Actions: []Action{&Reject{}}}.Bytes() }

// parseCallback reads the form and our query. fiber's strings point into a buffer fasthttp
// reuses, so everything kept is copied.
func parseCallback(c *fiber.Ctx) Callback {
	v := func(name string) string { return strings.TrimSpace(strings.Clone(c.FormValue(name))) }
	cb := Callback{
		SessionID:       v("sessionId"),
		Active:          v("isActive") != "0",
		Direction:       v("direction"),
		CallerNumber:    v("callerNumber"),
		Destination:     v("destinationNumber"),
		Digits:          clip(v("dtmfDigits"), maxDigits),
		RecordingURL:    v("recordingUrl"),
		CurrencyCode:    v("currencyCode"),
		Amount:          v("amount"),
		HangupCause:     v("hangupCause"),
		DequeuedTo:      v("dequeuedToPhoneNumber"),
		ClientRequestID: v("clientRequestId"),
		Timeout:         c.Query("timeout") == "1",
	}
	if d, err := strconv.ParseFloat(v("durationInSeconds"), 64); err == nil && d >= 0 && d < math.MaxInt32 {
		cb.DurationSeconds = int(math.Round(d))
	}
	if n, err := strconv.Atoi(c.Query("step")); err == nil && n >= 0 {
		cb.Step, cb.HasStep = n, true
	}
	if n, err := strconv.Atoi(c.Query("s")); err == nil && n >= 0 && n <= maxSilences {
		cb.Silences = n
	}
	return cb
}

// clip cuts s to n bytes. What a caller keys in beyond what any menu takes is still wrong
// input, and the session, which keeps every callback's input to tell repeats, stays small.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// malformed names what makes a request no voice callback at all (answered 400, still XML),
// as opposed to what a caller could have caused, which gets spoken words.
func (cb Callback) malformed() string {
	switch {
	case cb.SessionID == "":
		return "missing sessionId"
	case len(cb.SessionID) > maxSessionID || !flows.Printable(cb.SessionID):
		return "malformed sessionId"
	}
	for _, f := range []string{cb.Direction, cb.CallerNumber, cb.Destination, cb.CurrencyCode, cb.Amount, cb.HangupCause, cb.DequeuedTo, cb.ClientRequestID} {
		if len(f) > maxField || !utf8.ValidString(f) {
			return "oversized or garbled field"
		}
	}
	if len(cb.RecordingURL) > crm.MaxRecordingURL+maxField || !utf8.ValidString(cb.RecordingURL) || !utf8.ValidString(cb.Digits) {
		return "oversized or garbled recording or digits"
	}
	return ""
}

// Answer handles one callback and returns the XML to answer it with. base is the scheme and
// host callbackUrls are built on. Whatever the answer tells the caller is done (a case
// opened, an appointment cancelled) is committed before it returns.
func (h *Handler) Answer(ctx context.Context, cb Callback, base string) []byte {
	return h.answerBy(ctx, cb, base, time.Now())
}

// answerBy answers a callback that arrived at the given moment. A citizen's callbacks run the
// menus through the hop loop, which admits them among the hops in flight (or answers busy)
// and stops their work a little before the deadline; the others only tell the back office
// how the call stands.
func (h *Handler) answerBy(ctx context.Context, cb Callback, base string, arrived time.Time) []byte {
	if arrived.IsZero() {
		arrived = time.Now()
	}
	ctx, cancel := context.WithDeadline(ctx, arrived.Add(h.cfg.Deadline))
	defer cancel()
	switch {
	case !cb.Active:
		h.final(ctx, cb)
		return Response{}.Bytes()
	case cb.DequeuedTo != "":
		h.dequeued(ctx, cb)
		return Response{}.Bytes()
	case strings.EqualFold(cb.Direction, "outbound"):
		return h.outbound(ctx, cb).Bytes()
	case h.cfg.AgentLine != "" && sameNumber(cb.Destination, h.cfg.AgentLine):
		return h.agentLine(ctx, cb).Bytes()
	}
	return []byte(h.loop.Answer(ctx, menuCallback{cb, base}, arrived))
}

// sameNumber compares two phone numbers as Africa's Talking and an operator may write them
// (+254…, 254…, 07…, with spaces).
func sameNumber(a, b string) bool {
	pa, errA := crm.ParsePhone(a)
	pb, errB := crm.ParsePhone(b)
	if errA == nil && errB == nil {
		return pa == pb
	}
	strip := strings.NewReplacer(" ", "", "-", "", "+", "")
	return strip.Replace(a) == strip.Replace(b)
}

// links builds the callbackUrls of the answer numbered step: our path, the key, the step, and
// how many silent prompts came before.
func (h *Handler) links(base string, step, silences int) links {
	q := url.Values{}
	if h.cfg.CallbackKey != "" {
		q.Set("key", h.cfg.CallbackKey)
	}
	q.Set("step", strconv.Itoa(step))
	if silences > 0 {
		q.Set("s", strconv.Itoa(silences))
	}
	next := base + Path + "?" + q.Encode()
	q.Set("timeout", "1")
	return links{next: next, silent: base + Path + "?" + q.Encode()}
}
