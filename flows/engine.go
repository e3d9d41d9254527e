package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/looplab/fsm"
)

// Desk is what the menus need from the domain (crm.Desk provides it).
type Desk interface {
	Catalog() *crm.Catalog
	Now() time.Time
	Today() time.Time
	OpenDays(n int) []time.Time
	FreeTimes(ctx context.Context, centre, service string, day time.Time) ([]int, error)
	Book(ctx context.Context, b crm.Booking) (crm.Appointment, error)
	Cancel(ctx context.Context, phone crm.Phone, ref crm.Reference, lang crm.Lang) (crm.Appointment, error)
	Upcoming(ctx context.Context, phone crm.Phone) ([]crm.Appointment, error)
	Language(ctx context.Context, phone crm.Phone) (crm.Lang, error)
	SetLanguage(ctx context.Context, phone crm.Phone, l crm.Lang) error
	// Calendar gives the centres' time zone, in which callback windows are shown.
	Calendar() crm.Calendar
}

// Cases is what the status, complaint and callback menus need from the back office
// (crm.Office provides it).
type Cases interface {
	LookupStatus(ctx context.Context, phone crm.Phone, ref crm.Reference) (crm.StatusAnswer, error)
	LodgeComplaint(ctx context.Context, in crm.Complaint) (crm.Case, error)
	RequestCallback(ctx context.Context, in crm.CallbackRequest) (crm.Case, error)
	CallbackWindows() []crm.CallbackWindow
	Rate(ctx context.Context, phone crm.Phone, number crm.Reference, r crm.Rating) (crm.Case, error)
}

// ErrEnded means input arrived for a session whose last screen was final.
var ErrEnded = errors.New("session has ended")

// Engine runs the menus: it turns a citizen's input into an event on the menu state machine
// and builds the screen of the state it lands in. One Engine serves every session and channel;
// sessions carry all per-citizen state.
type Engine struct {
	desk  Desk
	cases Cases
	msgs  *Messages
	menu  map[string]state
	table fsm.Events
	// voice is the phone channel's settings; nil on an engine that serves no calls.
	voice *VoiceConfig
	// machines pools state machines: looplab/fsm machines are mutable, so each hop borrows
	// one, sets it to the session's state and fires one event, instead of building the whole
	// transition table again on every hop (BenchmarkMachine: building one costs about 24 µs
	// and 34 KB, a third of a whole hop; borrowing one 0.3 µs). A machine whose transition
	// failed is never put back (see fire).
	machines sync.Pool
}

// state is one menu screen: how to build it and what input means there.
type state struct {
	build  func(ctx context.Context, h *hop) (Screen, error)
	handle func(ctx context.Context, h *hop, input string) (event string, err error)
}

// hop carries one step through the FSM callbacks.
type hop struct {
	s   *Session
	err error
	// times carries the free times a day's input handler looked up to the time screen's
	// builder, so one hop asks the store once.
	times []int
	// answer carries what the status input handler looked up to the result screen's
	// builder, for the same reason.
	answer *crm.StatusAnswer
	// caseID is the id of the case the input handler just opened, for the screen that
	// announces it (Screen.CaseID).
	caseID int64
}

// userError is wrong input: the citizen sees the catalogue text under key above the same
// screen and tries again; nothing else changes. Error lines that can stand above a list of
// options live under "err." (channels keep room for the longest of them on every page);
// those of a text-input screen, which has no list to page, live under that screen's key
// (e.g. "status.err.unknown") and may be longer.
type userError struct{ key string }

func (e userError) Error() string { return "wrong input: " + e.key }

// NewEngine wires the menus to the domain: the desk (appointments) and the back office
// (status checks, complaints, callbacks).
func NewEngine(desk Desk, cases Cases, msgs *Messages) *Engine {
	e := &Engine{desk: desk, cases: cases, msgs: msgs}
	e.menu, e.table = e.defineMenu()
	callbacks := fsm.Callbacks{
		"enter_state": func(ctx context.Context, ev *fsm.Event) {
			h := ev.Args[0].(*hop)
			h.err = e.enterHop(ctx, h, ev.Dst)
		},
	}
	e.machines.New = func() any { return fsm.NewFSM(stateMain, e.table, callbacks) }
	return e
}

// Messages are the engine's catalogues, for channels that render its screens.
func (e *Engine) Messages() *Messages { return e.msgs }

// States lists every state of the menus a USSD session can reach (for tests that walk them
// all); VoiceStates lists a call's.
func (e *Engine) States() []string {
	voiceOnly, _ := e.voiceMenu()
	var names []string
	for name := range e.menu {
		if _, ok := voiceOnly[name]; !ok {
			names = append(names, name)
		}
	}
	return names
}

// Start opens a new session: the language choice for a citizen we have not met, the offer to
// continue for one whose last session dropped mid-booking (resumable may be nil), the main
// menu otherwise.
func (e *Engine) Start(ctx context.Context, s *Session, resumable *Session) error {
	lang, err := e.desk.Language(ctx, s.Phone)
	if err != nil {
		return err
	}
	s.Lang = lang
	switch {
	case lang == "":
		return e.enter(ctx, s, stateLanguage)
	case resumable != nil && e.Resumable(resumable):
		s.Draft = resumable.Draft
		if resumable.State != stateResume { // a drop on the "continue?" screen keeps its target
			s.Draft.ResumeState = resumable.State
		}
		return e.enter(ctx, s, stateResume)
	default:
		return e.enter(ctx, s, stateMain)
	}
}

// Step applies one input. Wrong input leaves the citizen where they were with an error line;
// anything else moves the session to its next screen. Errors are failures of the system
// (the store), never of the citizen.
func (e *Engine) Step(ctx context.Context, s *Session, input string) error {
	if s.Screen.End {
		return ErrEnded
	}
	input = strings.TrimSpace(input)
	s.Error = ""
	var event string
	switch {
	case s.Screen.Nav && input == "00":
		event = eventHome
	case s.Screen.Nav && input == "0":
		event = eventBack
		if back, ok := backEvents[s.State]; ok {
			event = back(s)
		}
	default:
		st, ok := e.menu[s.State]
		if !ok {
			return fmt.Errorf("session in unknown state %q", s.State)
		}
		h := &hop{s: s}
		ev, err := st.handle(ctx, h, input)
		var wrong userError
		if errors.As(err, &wrong) {
			s.Error = e.msgs.Text(s.Lang, wrong.key)
			return nil
		}
		if err != nil {
			return err
		}
		return e.fire(ctx, h, ev)
	}
	return e.fire(ctx, &hop{s: s}, event)
}

// fire moves the session along one transition of the menu machine; entering the new state
// builds its screen.
//
// A machine goes back to the pool only after a transition that completed or that was not one
// (looplab/fsm's NoTransitionError). Any other error can leave it mid-transition: with a
// context already done, fsm v1.0.3 returns before clearing the transition it set up, and every
// later Event on that machine fails with InTransitionError, which SetState does not clear. One
// hop past its deadline would then break the menus of every hop that borrows that machine.
func (e *Engine) fire(ctx context.Context, h *hop, event string) error {
	s := h.s
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("menu %s --%s-->: not started: %w", s.State, event, err)
	}
	m := e.machines.Get().(*fsm.FSM)
	m.SetState(s.State)
	if err := m.Event(ctx, event, h); err != nil {
		var none fsm.NoTransitionError
		if !errors.As(err, &none) {
			return fmt.Errorf("menu %s --%s-->: %w", s.State, event, err) // m is dropped
		}
	}
	e.machines.Put(m)
	return h.err
}

// enter builds the screen of a state and puts the session there, on the first page.
func (e *Engine) enter(ctx context.Context, s *Session, name string) error {
	return e.enterHop(ctx, &hop{s: s}, name)
}

func (e *Engine) enterHop(ctx context.Context, h *hop, name string) error {
	s := h.s
	st, ok := e.menu[name]
	if !ok {
		return fmt.Errorf("unknown menu state %q", name)
	}
	screen, err := st.build(ctx, h)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	s.State, s.Screen, s.Page = name, screen, 0
	return nil
}

// Resumable reports whether the session stands mid-booking, where losing it to a network
// drop would cost the citizen their choices so far, or on the offer to continue such a booking.
func (e *Engine) Resumable(s *Session) bool {
	return !s.Screen.End && (resumeTargets[s.State] || s.State == stateResume && resumeTargets[s.Draft.ResumeState])
}

// choice reads a numbered option. Numbers run across pages (page 2 may start at 8), so the
// number the citizen reads is the number they type.
func choice(s *Session, input string) (Option, error) {
	n, err := strconv.Atoi(input)
	if err != nil || n < 1 || n > len(s.Screen.Options) || len(input) > 3 {
		return Option{}, userError{"err.choice"}
	}
	return s.Screen.Options[n-1], nil
}

// options builds a screen's options from catalogue keys (value = key suffix after the last dot).
func (e *Engine) options(l crm.Lang, keys ...string) []Option {
	opts := make([]Option, len(keys))
	for i, k := range keys {
		opts[i] = Option{Label: e.msgs.Text(l, k), Value: k[strings.LastIndexByte(k, '.')+1:]}
	}
	return opts
}
