package flows

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// A conversation on a phone channel is a run of requests, each answered at once: a USSD hop,
// a voice callback. Every channel handles a request the same way, and that way is written
// here, once (Loop): wait for a place among the hops in flight, load the session or start one,
// answer a repeat as before, step the menus, save the session if it is still the one loaded,
// and run once more if it was not. A channel is a Door around the loop: it reads its
// aggregator's request, turns it into menu input, and renders the answer.

// Door is a channel's side of the hop loop. In is the channel's own request.
type Door[In any] interface {
	// Incoming says what the loop needs to know of a request.
	Incoming(in In) Incoming
	// Overtaken reports whether in belongs to a screen the session has since left (a late
	// copy of an earlier request): acting on it would apply an old key press to a newer
	// screen, so it gets the latest answer and changes nothing.
	Overtaken(s *Session, in In) bool
	// Step applies in's input to the session. It returns the catalogue key of a notice to give
	// before the next screen ("" for none). An error is a failure of the system, or an Ending.
	Step(ctx context.Context, s *Session, in In) (notice string, err error)
	// Render is the answer that shows the session's screen, after the notice.
	Render(s *Session, in In, notice string) string
	// Notice is an answer that gives one catalogue entry and ends the conversation, in lang,
	// or in both languages while the caller's is not known (lang "").
	Notice(lang crm.Lang, key string) string
	// Answered is told of each request that moved its session on, once the session is saved
	// (or could not be, on its last screen). ctx outlives the request's deadline a little.
	Answered(ctx context.Context, s *Session, in In)
}

// Incoming is a request as the hop loop sees it.
type Incoming struct {
	// Key is the session's key in the session store.
	Key string
	// Caller is the phone number the request came from, as the aggregator wrote it.
	Caller string
	// Request identifies the request's input: a request whose Request is the session's
	// LastRequest is a repeat, answered as before.
	Request string
	// Opening marks a conversation's first request, which carries no input. It opens a
	// session; if its session is stored already, it is a repeat.
	Opening bool
}

// Ending is what a Door's Step returns to end the conversation with the notice under that
// catalogue key, in the session's language (input no menu can take: a paste too long to be
// a key press). The session is not saved.
type Ending string

func (e Ending) Error() string { return "ends with " + string(e) }

// How long a request may wait for a place among those in flight, counted from its arrival, as
// a share of the deadline. One that has waited past half its deadline is answered busy rather
// than started late; a conversation's first request waits less, since nothing is lost yet and
// a request of a conversation under way goes first anyway.
const (
	continuingStartShare = 0.5
	newStartShare        = 0.1
)

// answerReserve is the part of the deadline kept for answering once the menus' work has
// stopped: saving the session, rendering, writing the reply (a few milliseconds at the 99.9th
// percentile under full load).
func answerReserve(deadline time.Duration) time.Duration {
	return min(200*time.Millisecond, deadline/10)
}

// LoopConfig tunes a hop loop to its channel.
type LoopConfig struct {
	// Channel is the channel the loop's sessions run on (Session.Channel): "" for USSD,
	// ChannelVoice. Only USSD sessions keep and offer a dropped booking for resuming.
	Channel string
	// Deadline is how soon after its arrival a request is answered (DefaultHopDeadline if 0).
	// The menus' work stops a little earlier (answerReserve), so that the answer, even an
	// apology, leaves in time.
	Deadline time.Duration
	// Admission bounds the requests in flight, shared with the replica's other phone
	// channels; nil means a bound of the loop's own, DefaultMaxHops.
	Admission *Admission
	// LookUpOpening has an opening request's session looked up. Without it (USSD), an opening
	// request is taken to be new, which it nearly always is: saving a new session is refused
	// when one is stored under its key already, and the request then runs again with the
	// look-up and is answered as a repeat.
	LookUpOpening bool
	// Restart is the notice said before the menus start again when a request carries input
	// for a session the store does not hold (it expired, or a replica lost it). Empty, such
	// a request ends with notice.expired instead: the input belonged to a screen we no longer
	// know, and must not be applied to a new one.
	Restart string
	// Reused is the notice that ends a request whose session belongs to another phone
	// (notice.expired if empty).
	Reused string
	Logger *slog.Logger
}

// Loop runs the requests of one channel through the menus (see Door).
type Loop[In any] struct {
	door     Door[In]
	engine   *Engine
	sessions SessionStore
	cfg      LoopConfig
	name     string // the channel in log messages
	hopMsg   string // the debug line of every hop, made once
	log      *slog.Logger
}

// NewLoop builds the hop loop of a channel over the menus and the sessions it keeps.
func NewLoop[In any](door Door[In], engine *Engine, sessions SessionStore, cfg LoopConfig) *Loop[In] {
	if cfg.Deadline <= 0 {
		cfg.Deadline = DefaultHopDeadline
	}
	if cfg.Admission == nil {
		cfg.Admission = NewAdmission(DefaultMaxHops)
	}
	if cfg.Reused == "" {
		cfg.Reused = "notice.expired"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	name := cfg.Channel
	if name == "" {
		name = "ussd"
	}
	return &Loop[In]{door: door, engine: engine, sessions: sessions, cfg: cfg, name: name, hopMsg: name + " hop", log: cfg.Logger}
}

// Answer runs a request that arrived at the given moment, once it is admitted among those in
// flight, and returns the answer. Whatever the answer promises (a booking, a case) is
// committed before it returns. A request not admitted in time is answered busy, in both
// languages since its session is not read, and touches no store.
//
// A request's clock starts when it was read, not when its handler ran: under load the
// difference is the time it waited for a CPU. A zero arrived (a request no server read, as a
// benchmark or a test hands the handler) means now.
func (l *Loop[In]) Answer(ctx context.Context, in In, arrived time.Time) string {
	if arrived.IsZero() {
		arrived = time.Now()
	}
	ctx, cancel := context.WithDeadline(ctx, arrived.Add(l.cfg.Deadline-answerReserve(l.cfg.Deadline)))
	defer cancel()
	hop := l.door.Incoming(in)
	priority, share := Continuing, continuingStartShare
	if hop.Opening {
		priority, share = New, newStartShare
	}
	place, err := l.cfg.Admission.Admit(ctx, priority, arrived.Add(time.Duration(float64(l.cfg.Deadline)*share)))
	if err != nil {
		// Not logged one by one: under overload that would be thousands of lines a second.
		// The shed count is a metric, and the gateway logs it as it grows.
		return l.door.Notice("", "notice.busy")
	}
	defer place.Release()
	return l.run(ctx, in, hop, true)
}

// run answers the request on its session as loaded. When the save finds the session changed
// since (the same request handled at the same moment, here or on another replica, or a
// session store's kept copy gone stale), the request runs once more (first is false then) on
// the session as stored, where it is usually a repeat and answered as before. What the first
// run did again is harmless: every effect a menu has is keyed by the session (bookings,
// cases) or idempotent (cancelling).
func (l *Loop[In]) run(ctx context.Context, in In, hop Incoming, first bool) string {
	began := time.Now()
	phone, err := crm.ParsePhone(hop.Caller)
	if err != nil {
		l.log.Info(l.name+" request from a non-Kenyan number", "phone", crm.MaskPhone(hop.Caller), "session", hop.Key)
		return l.door.Notice("", "notice.not_kenyan")
	}
	var s *Session
	if hop.Opening && first && !l.cfg.LookUpOpening {
		err = ErrNoSession // taken to be new (see LoopConfig.LookUpOpening)
	} else {
		s, err = l.sessions.Load(ctx, hop.Key)
	}
	notice := ""
	switch {
	case errors.Is(err, ErrNoSession):
		s, notice, err = l.start(ctx, hop, phone)
	case err != nil:
		return l.fail(ctx, nil, err, "load session")
	case s.Phone != phone:
		l.log.Warn(l.name+" session id reused by another phone", "phone", phone, "session", hop.Key)
		return l.door.Notice("", l.cfg.Reused)
	case hop.Opening, hop.Request == s.LastRequest, l.door.Overtaken(s, in):
		// The aggregator repeated a request it got no answer to, or a late copy of an earlier
		// one arrived: the answer already given stands, and nothing runs again.
		return s.LastReply
	default:
		notice, err = l.door.Step(ctx, s, in)
	}
	if err != nil {
		return l.stepFailed(ctx, s, err)
	}
	return l.save(ctx, in, hop, s, notice, first, began)
}

// start opens a session for a request whose session the store does not hold, offering a USSD
// caller the booking their last session dropped (if any). It returns the notice to give
// before the first screen.
func (l *Loop[In]) start(ctx context.Context, hop Incoming, phone crm.Phone) (*Session, string, error) {
	notice := ""
	if !hop.Opening {
		l.log.Info(l.name+" request for an unknown session", "phone", phone, "session", hop.Key, "restart", l.cfg.Restart != "")
		if l.cfg.Restart == "" {
			return nil, "", Ending("notice.expired")
		}
		notice = l.cfg.Restart
	}
	s := &Session{ID: hop.Key, Phone: phone, Channel: l.cfg.Channel}
	var resumable *Session
	if s.Channel == "" { // resume copies are USSD's (see SessionStore.Save)
		r, err := l.sessions.LoadResumable(ctx, phone)
		switch {
		case err == nil:
			resumable = r
		case !errors.Is(err, ErrNoSession):
			return s, "", err
		}
	}
	return s, notice, l.engine.Start(ctx, s, resumable)
}

// save renders the answer, and saves the session before it is given; a save refused because
// the session changed since it was loaded runs the request again (see run).
func (l *Loop[In]) save(ctx context.Context, in In, hop Incoming, s *Session, notice string, first bool, began time.Time) string {
	s.Hops++
	reply := l.door.Render(s, in, notice)
	s.LastRequest, s.LastReply = hop.Request, reply
	// Save even if the deadline has just passed: what the reply promises is committed, and
	// the session must remember it to answer a repeat the same way.
	saveCtx, cancelSave := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancelSave()
	if err := l.sessions.Save(saveCtx, s, s.Channel == "" && l.engine.Resumable(s)); err != nil {
		if errors.Is(err, ErrStaleSession) && first {
			l.log.Debug(l.name+" session changed while the request ran; running it again", "phone", s.Phone, "session", s.ID)
			return l.run(ctx, in, hop, false)
		}
		if !s.Screen.End {
			return l.fail(ctx, s, err, "save session")
		}
		l.log.Error("save ended "+l.name+" session", "err", err, "phone", s.Phone, "session", s.ID)
	}
	l.door.Answered(saveCtx, s, in)
	if l.log.Enabled(ctx, slog.LevelDebug) { // its arguments would cost allocations on every hop
		l.log.Debug(l.hopMsg, "phone", s.Phone, "session", s.ID, "state", s.State, "hops", s.Hops, "took", time.Since(began))
	}
	return reply
}

// stepFailed answers a request whose step (or start) did not move the session on: an input
// past the last screen or one the channel refuses ends the conversation with its notice;
// anything else is a failure of the system.
func (l *Loop[In]) stepFailed(ctx context.Context, s *Session, err error) string {
	var lang crm.Lang
	if s != nil {
		lang = s.Lang
	}
	var ending Ending
	switch {
	case errors.Is(err, ErrEnded):
		return l.door.Notice(lang, "notice.expired")
	case errors.As(err, &ending):
		return l.door.Notice(lang, string(ending))
	}
	return l.fail(ctx, s, err, "step")
}

// fail ends the conversation politely when the system, not the caller, failed: "the service
// is busy" when the request ran out of time, "we could not complete that" otherwise.
func (l *Loop[In]) fail(ctx context.Context, s *Session, err error, what string) string {
	lang := crm.Lang("")
	attrs := []any{"err", err}
	if s != nil {
		lang = s.Lang
		attrs = append(attrs, "phone", s.Phone, "session", s.ID, "state", s.State)
	}
	if ctx.Err() != nil {
		// Out of time: under overload or a stalled store this happens by the hundred, each
		// answered politely; it is a warning, and the shed counts show the rate.
		l.log.Warn(l.name+" "+what+" ran out of time", attrs...)
		return l.door.Notice(lang, "notice.slow")
	}
	l.log.Error(l.name+" "+what+" failed", attrs...)
	return l.door.Notice(lang, "notice.system")
}
