package ussd

import (
	"context"
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
	// Deadline is how soon after its request arrived a hop is answered (flows.DefaultHopDeadline
	// if 0). Operators drop a session whose answer is late (about 10 s to connect, 15 s in
	// all); we give up well before and say so politely.
	Deadline time.Duration
	// Admission bounds the hops in flight (shared with the replica's other phone channels);
	// nil means a bound of its own, flows.DefaultMaxHops.
	Admission *flows.Admission
	Logger    *slog.Logger
}

// Limits on what a request may carry. A whole USSD session lasts at most about 180 s, so a
// genuine input history stays far below MaxText.
const (
	MaxText      = 2000
	maxSessionID = 128
)

// Handler answers USSD hops: it parses Africa's Talking's form and runs it through the menus'
// hop loop (flows.Loop), whose USSD side (door) turns the "*"-joined history into the newest
// input and renders screens as CON/END text.
type Handler struct {
	loop *flows.Loop[Request]
	cfg  Config
	log  *slog.Logger
}

// New builds the callback handler.
func New(engine *flows.Engine, sessions flows.SessionStore, cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("channel", "ussd")
	msgs := engine.Messages()
	loop := flows.NewLoop[Request](&door{engine: engine, msgs: msgs, render: newRenderer(msgs)}, engine, sessions, flows.LoopConfig{
		Deadline: cfg.Deadline, Admission: cfg.Admission, Logger: log,
	})
	return &Handler{loop: loop, cfg: cfg, log: log}
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
	// The hop's clock starts when its request was read (see flows.Loop.Answer).
	return c.SendString(h.loop.Answer(c.UserContext(), req, c.Context().Time()))
}

// malformed names what makes a request unusable as a hop at all (an HTTP 400), as opposed to
// input a citizen could have typed, which gets a polite END.
func (r Request) malformed() string {
	switch {
	case r.SessionID == "":
		return "missing sessionId"
	case len(r.SessionID) > maxSessionID || !flows.Printable(r.SessionID):
		return "malformed sessionId"
	case r.PhoneNumber == "":
		return "missing phoneNumber"
	case !utf8.ValidString(r.Text):
		return "text is not UTF-8"
	}
	return ""
}

// Answer runs one hop and returns the reply body. Whatever the reply promises (a booking, a
// cancellation) is committed before it returns.
func (h *Handler) Answer(ctx context.Context, req Request) string {
	return h.loop.Answer(ctx, req, time.Now())
}
