package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/looplab/fsm"
)

// The phone channel runs the same menus as USSD, with these differences, all decided here or
// by a check of Session.Channel where a shared screen is built:
//
//   - the main menu offers what a caller can do by keypad (status, appointments, a complaint,
//     the language); booking stays on USSD, where a list of 47 counties can be read;
//   - a ticket or case number keyed in is read back and confirmed before it is looked up;
//   - a complaint is a category and a recorded message (its URL is the description);
//   - "talk to an agent" (0 on any menu) puts the caller in their language's agent queue
//     when the contact centre is open and the queue is short, and otherwise offers a
//     callback (the callback menu) or a recorded message (a callback case with the
//     recording).

// ChannelVoice is Session.Channel for a phone call.
const ChannelVoice = "voice"

// DefaultMaxQueue is how many callers may wait in an agent queue before a new caller is
// offered a callback instead.
const DefaultMaxQueue = 10

// AgentQueue names the agent queue of a language ("agents-en", "agents-sw"): callers wait in
// the queue of the language they chose, and agents take callers from the queues of the
// languages they speak.
func AgentQueue(l crm.Lang) string {
	if !l.Valid() {
		l = crm.English
	}
	return "agents-" + string(l)
}

// ContactCentre says when agents answer the phones (crm.Office provides it).
type ContactCentre interface {
	ContactCentreOpen(t time.Time) bool
}

// QueueCounter reports how many callers wait in each agent queue (the voice provider's
// queue status; crm.VoiceDialer provides it).
type QueueCounter interface {
	QueuedCalls(ctx context.Context) (map[string]int, error)
}

// VoiceConfig is what the phone menus need beyond the desk and the back office.
type VoiceConfig struct {
	Centre ContactCentre
	// Queues, when set, is asked how long the caller's queue is; nil (or a failed answer)
	// puts the caller in the queue without asking: a caller who asked for a person is
	// better served waiting than turned away because the count was unknown.
	Queues QueueCounter
	// MaxQueue is the number of waiting callers from which a new caller is offered a
	// callback instead of the queue (DefaultMaxQueue when not positive).
	MaxQueue int
	// Now is the clock the opening hours are checked against (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

// NewVoiceEngine builds the menus for phone calls: the same menus and domain as NewEngine,
// speaking the catalogue's "voice:" variants (whole words where a screen abbreviates), with
// the agent queue.
func NewVoiceEngine(desk Desk, cases Cases, msgs *Messages, cfg VoiceConfig) (*Engine, error) {
	if cfg.Centre == nil {
		return nil, errors.New("voice menus: no contact centre hours (VoiceConfig.Centre)")
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := NewEngine(desk, cases, msgs.ForChannel(ChannelVoice))
	e.voice = &cfg
	return e, nil
}

// Voice-only states.
const (
	stateVoiceRefRead         = "voice_status_confirm"
	stateVoiceComplaintRecord = "voice_complaint_record"
	stateVoiceComplaintSend   = "voice_complaint_confirm"
	stateVoiceQueue           = "voice_queue"
	stateVoiceAgentOffer      = "voice_agent_offer"
	stateVoiceMessageRecord   = "voice_message_record"
	stateVoiceMessageDone     = "voice_message_done"
)

// Voice-only events.
const (
	eventVoiceComplaint = "voice_complaint"
	eventVoiceRecord    = "voice_record"
	eventVoiceRefRead   = "voice_ref_read"
	eventVoiceQueue     = "voice_queue"
	eventVoiceOffer     = "voice_offer"
	eventVoiceCallback  = "voice_callback"
	eventVoiceMessage   = "voice_message"
)

// voiceMainOptions is the main menu of a call.
var voiceMainOptions = []string{"main.status", "main.appointments", "main.complaint", "main.language"}

// voiceStates are every state a call can reach, for the tests that walk them all.
var voiceStates = []string{
	stateLanguage, stateMain,
	stateAppts, stateAppt, stateApptCancel, stateApptDropped,
	stateStatusRef, stateVoiceRefRead, stateStatusRequest, stateStatusCase, stateStatusRate, stateStatusRated,
	stateComplaintCategory, stateVoiceComplaintRecord, stateVoiceComplaintSend, stateComplaintDone, stateComplaintCancelled,
	stateCallbackWindow, stateCallbackDone,
	stateVoiceQueue, stateVoiceAgentOffer, stateVoiceMessageRecord, stateVoiceMessageDone,
}

// agentSources are the menus on which 0 asks for an agent: every menu of a call that waits
// for keys, once the caller's language is known (the queue is per language), except the
// offer made when no agent can answer.
var agentSources = []string{
	stateMain, stateAppts, stateAppt, stateApptCancel,
	stateStatusRef, stateVoiceRefRead, stateStatusCase, stateStatusRate,
	stateComplaintCategory, stateVoiceComplaintSend, stateCallbackWindow,
}

var agentSourceSet = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range agentSources {
		m[s] = true
	}
	return m
}()

// VoiceStates lists every state a phone call can reach.
func (e *Engine) VoiceStates() []string { return append([]string(nil), voiceStates...) }

// voiceMenu is the phone channel's part of the menu table.
func (e *Engine) voiceMenu() (map[string]state, fsm.Events) {
	states := map[string]state{
		stateVoiceRefRead:         {e.buildVoiceRefRead, e.handleVoiceRefRead},
		stateVoiceComplaintRecord: {e.buildVoiceComplaintRecord, e.handleVoiceComplaintRecord},
		stateVoiceComplaintSend:   {e.buildVoiceComplaintSend, e.handleVoiceComplaintSend},
		stateVoiceQueue:           {e.buildVoiceQueue, nil},
		stateVoiceAgentOffer:      {e.buildVoiceAgentOffer, e.handleVoiceAgentOffer},
		stateVoiceMessageRecord:   {e.buildVoiceMessageRecord, e.handleVoiceMessageRecord},
		stateVoiceMessageDone:     {e.buildVoiceMessageDone, nil},
	}
	events := fsm.Events{
		{Name: eventVoiceRefRead, Src: []string{stateStatusRef}, Dst: stateVoiceRefRead},
		{Name: eventRequest, Src: []string{stateVoiceRefRead}, Dst: stateStatusRequest},
		{Name: eventCase, Src: []string{stateVoiceRefRead}, Dst: stateStatusCase},
		{Name: eventRetype, Src: []string{stateVoiceRefRead}, Dst: stateStatusRef},
		{Name: eventBack, Src: []string{stateVoiceRefRead}, Dst: stateStatusRef},

		{Name: eventVoiceComplaint, Src: []string{stateMain}, Dst: stateComplaintCategory},
		{Name: eventVoiceRecord, Src: []string{stateComplaintCategory}, Dst: stateVoiceComplaintRecord},
		{Name: eventNext, Src: []string{stateVoiceComplaintRecord}, Dst: stateVoiceComplaintSend},
		{Name: eventYes, Src: []string{stateVoiceComplaintSend}, Dst: stateComplaintDone},
		{Name: eventNo, Src: []string{stateVoiceComplaintSend}, Dst: stateComplaintCancelled},
		{Name: eventRetype, Src: []string{stateVoiceComplaintSend}, Dst: stateVoiceComplaintRecord},
		{Name: eventBack, Src: []string{stateVoiceComplaintSend}, Dst: stateComplaintCategory},

		{Name: eventVoiceQueue, Src: agentSources, Dst: stateVoiceQueue},
		{Name: eventVoiceOffer, Src: agentSources, Dst: stateVoiceAgentOffer},
		{Name: eventVoiceCallback, Src: []string{stateVoiceAgentOffer}, Dst: stateCallbackWindow},
		{Name: eventVoiceMessage, Src: []string{stateVoiceAgentOffer}, Dst: stateVoiceMessageRecord},
		{Name: eventBack, Src: []string{stateVoiceAgentOffer}, Dst: stateMain},
		{Name: eventNext, Src: []string{stateVoiceMessageRecord}, Dst: stateVoiceMessageDone},
	}
	return states, events
}

// buildVoiceRefRead reads the number keyed in back to the caller (the channel speaks a
// grouped number digit by digit) before anything is looked up.
func (e *Engine) buildVoiceRefRead(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	return Screen{
		Key: "voice.ref.confirm", Text: e.msgs.Text(l, "voice.ref.confirm", h.s.Draft.Ref.Grouped()), Input: InputChoice,
		Options: e.options(l, "voice.ref.confirm.yes", "voice.ref.confirm.no"), Nav: true,
	}, nil
}

// handleVoiceRefRead looks the confirmed number up. A number nobody holds is said above the
// prompt to key one in again, as on USSD.
func (e *Engine) handleVoiceRefRead(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "no" {
		return eventRetype, nil
	}
	ev, err := e.checkStatus(ctx, h, h.s.Draft.Ref)
	var wrong userError
	if errors.As(err, &wrong) {
		h.s.Error = e.msgs.Text(h.s.Lang, wrong.key)
		return eventRetype, nil
	}
	return ev, err
}

func (e *Engine) buildVoiceComplaintRecord(_ context.Context, h *hop) (Screen, error) {
	return Screen{Key: "voice.complaint.record", Text: e.msgs.Text(h.s.Lang, "voice.complaint.record"), Input: InputRecording}, nil
}

// handleVoiceComplaintRecord keeps the recording's URL as the complaint's description (on a
// call, the recording is the description). No recording, or a URL the domain would refuse,
// is asked for again.
func (e *Engine) handleVoiceComplaintRecord(_ context.Context, h *hop, input string) (string, error) {
	url, err := recording(input)
	if err != nil {
		return "", err
	}
	h.s.Draft.Description = url
	return eventNext, nil
}

// recording checks a recorded message's URL as the domain will.
func recording(input string) (string, error) {
	url, err := crm.CleanRecordingURL(input)
	if errors.Is(err, crm.ErrBadInput) || err == nil && url == "" {
		return "", userError{"voice.err.recording"}
	}
	return url, err
}

func (e *Engine) buildVoiceComplaintSend(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	return Screen{
		Key:   "voice.complaint.confirm",
		Text:  e.msgs.Text(l, "voice.complaint.confirm", e.msgs.Text(l, "category."+string(h.s.Draft.Category))),
		Input: InputChoice, Nav: true,
		Options: e.options(l, "voice.complaint.confirm.yes", "voice.complaint.confirm.again", "voice.complaint.confirm.no"),
	}, nil
}

// handleVoiceComplaintSend lodges the recorded complaint. The call names it ("voice:" and the
// call's session id), so a repeated callback opens one case.
func (e *Engine) handleVoiceComplaintSend(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	switch opt.Value {
	case "no":
		return eventNo, nil
	case "again":
		return eventRetype, nil
	}
	d := h.s.Draft
	c, err := e.cases.LodgeComplaint(ctx, crm.Complaint{
		Phone: h.s.Phone, Lang: h.s.Lang, Category: d.Category, RecordingURL: d.Description, IdempotencyKey: h.s.ID,
	})
	if errors.Is(err, crm.ErrBadInput) {
		h.s.Error = e.msgs.Text(h.s.Lang, "voice.err.recording")
		return eventRetype, nil
	}
	if err != nil {
		return "", err
	}
	h.s.Draft.Case, h.caseID = c.Number, c.ID
	return eventYes, nil
}

// AgentReachable reports whether 0 may ask for an agent on the session's current screen.
func (e *Engine) AgentReachable(s *Session) bool {
	return e.voice != nil && s.Channel == ChannelVoice && s.Lang.Valid() && !s.Screen.End && agentSourceSet[s.State]
}

// TalkToAgent answers a caller who asked for a person: the queue of their language when the
// contact centre is open and that queue is not too long, otherwise the offer of a callback
// or a recorded message. ErrNoAgentHere when the current screen does not allow it (see
// AgentReachable).
func (e *Engine) TalkToAgent(ctx context.Context, s *Session) error {
	if !e.AgentReachable(s) {
		return ErrNoAgentHere
	}
	s.Error = ""
	event := eventVoiceQueue
	switch {
	case !e.voice.Centre.ContactCentreOpen(e.voice.Now()):
		event = eventVoiceOffer
	case e.queueFull(ctx, AgentQueue(s.Lang)):
		event = eventVoiceOffer
	}
	return e.fire(ctx, &hop{s: s}, event)
}

// ErrNoAgentHere means the caller asked for an agent where that is not offered.
var ErrNoAgentHere = errors.New("no way to an agent from this screen")

// queueFull asks the voice provider how many callers wait in queue. Not knowing is not full.
func (e *Engine) queueFull(ctx context.Context, queue string) bool {
	if e.voice.Queues == nil {
		return false
	}
	counts, err := e.voice.Queues.QueuedCalls(ctx)
	if err != nil {
		e.voice.Logger.Warn("agent queue length unknown; enqueuing the caller", "queue", queue, "err", err)
		return false
	}
	return counts[queue] >= e.voice.MaxQueue
}

func (e *Engine) buildVoiceQueue(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	return Screen{Key: "voice.queue", Text: e.msgs.Text(l, "voice.queue"), End: true, Queue: AgentQueue(l)}, nil
}

// buildVoiceAgentOffer says why no agent can take the call now (the hours, or a long queue)
// and offers the two ways an agent gets back to the caller.
func (e *Engine) buildVoiceAgentOffer(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	key := "voice.agent.busy"
	if !e.voice.Centre.ContactCentreOpen(e.voice.Now()) {
		key = "voice.agent.closed"
	}
	return e.agentOffer(l, key), nil
}

func (e *Engine) agentOffer(l crm.Lang, key string) Screen {
	return Screen{Key: key, Text: e.msgs.Text(l, key), Input: InputChoice, Nav: true,
		Options: e.options(l, "voice.agent.callback", "voice.agent.message")}
}

// FixedScreens are the screens of a call whose words never change, with their options, in
// l: the language menu, the main menu, the complaint categories and both offers made when
// no agent can answer. These are the menus an operator records whole (prompt and options as
// one recording), so the voice channel can tell when a recording no longer says them.
func (e *Engine) FixedScreens(l crm.Lang) []Screen {
	ctx := context.Background()
	call := func(l crm.Lang) *hop { return &hop{s: &Session{Lang: l, Channel: ChannelVoice}} }
	var out []Screen
	for _, build := range []func(context.Context, *hop) (Screen, error){e.buildMain, e.buildComplaintCategory} {
		if sc, err := build(ctx, call(l)); err == nil {
			out = append(out, sc)
		}
	}
	if sc, err := e.buildLanguage(ctx, call("")); err == nil { // as a first call hears it
		out = append(out, sc)
	}
	return append(out, e.agentOffer(l, "voice.agent.busy"), e.agentOffer(l, "voice.agent.closed"))
}

func (e *Engine) handleVoiceAgentOffer(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "message" {
		return eventVoiceMessage, nil
	}
	return eventVoiceCallback, nil
}

func (e *Engine) buildVoiceMessageRecord(_ context.Context, h *hop) (Screen, error) {
	return Screen{Key: "voice.message.record", Text: e.msgs.Text(h.s.Lang, "voice.message.record"), Input: InputRecording}, nil
}

// handleVoiceMessageRecord opens a callback case, as soon as possible, carrying the message.
// The call names it, so a repeated callback opens one case.
func (e *Engine) handleVoiceMessageRecord(ctx context.Context, h *hop, input string) (string, error) {
	url, err := recording(input)
	if err != nil {
		return "", err
	}
	windows := e.cases.CallbackWindows()
	if len(windows) == 0 {
		return "", errors.New("no callback window to leave a message for")
	}
	c, err := e.cases.RequestCallback(ctx, crm.CallbackRequest{
		Phone: h.s.Phone, Lang: h.s.Lang, Window: windows[0], RecordingURL: url, IdempotencyKey: h.s.ID,
	})
	if err != nil {
		return "", fmt.Errorf("leave a message: %w", err)
	}
	h.s.Draft = Draft{Case: c.Number}
	h.caseID = c.ID
	return eventNext, nil
}

func (e *Engine) buildVoiceMessageDone(_ context.Context, h *hop) (Screen, error) {
	return Screen{Key: "voice.message.done", End: true, CaseID: h.caseID,
		Text: e.msgs.Text(h.s.Lang, "voice.message.done", h.s.Draft.Case.Grouped())}, nil
}

// CallOutcome is what the call has come to on the session's screen, for the call's record.
func CallOutcome(s *Session) crm.CallOutcome {
	switch s.State {
	case stateVoiceQueue:
		return crm.CallQueued
	case stateComplaintDone:
		return crm.CallComplaint
	case stateCallbackDone:
		return crm.CallCallback
	case stateVoiceMessageDone:
		return crm.CallMessage
	}
	return crm.CallInMenu
}
