package crm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on what a voice callback may carry. Africa's Talking's session ids are about 40
// characters and its recording URLs about 100; the bounds leave room without letting a
// forged callback write kilobytes into a row.
const (
	MaxCallSessionID    = 100
	MaxRecordingURL     = 1000
	maxCallQueue        = 100
	maxCallCost         = 40
	maxCallHangupCause  = 100
	maxCallDuration     = 24 * 60 * 60 // a day: no real call is longer
	defaultCallsOfPhone = 50
	maxCallsOfPhone     = 200
)

// ErrVoiceFailed means the voice provider refused or did not answer a request (a call, a
// queue status); the errors it wraps say why.
var ErrVoiceFailed = newError(KindUpstream, "the voice provider refused the request")

// voiceDialerBox lets the dialer be swapped atomically: an interface value cannot be.
type voiceDialerBox struct{ d VoiceDialer }

// SetVoiceDialer gives the back office its voice provider; nil takes it away, after which
// PlaceCall and QueueLengths answer ErrVoiceUnavailable. Safe to call while serving.
func (o *Office) SetVoiceDialer(d VoiceDialer) {
	if d == nil {
		o.dialer.Store(nil)
		return
	}
	o.dialer.Store(&voiceDialerBox{d: d})
}

// VoiceConfigured reports whether calls can be placed, so a page offers the call only when
// it can happen.
func (o *Office) VoiceConfigured() bool { return o.dialer.Load() != nil }

func (o *Office) voiceDialer() (VoiceDialer, error) {
	if b := o.dialer.Load(); b != nil {
		return b.d, nil
	}
	return nil, ErrVoiceUnavailable
}

// ContactCentreOpen reports whether agents are on the phones at t: inside the business
// clock's hours (08:00–17:00 EAT, weekdays, not public holidays), the same hours SLA time is
// measured in. Outside them a caller is offered a callback or a message instead of the queue.
func (o *Office) ContactCentreOpen(t time.Time) bool { return o.clock.IsOpen(t) }

// RecordCall checks a voice callback's facts and merges them into the call's record (see
// CallEvent). Anything a forged or garbled callback could carry is refused with ErrBadInput
// and nothing is written.
func (o *Office) RecordCall(ctx context.Context, ev CallEvent) (Call, error) {
	ev, err := o.cleanCallEvent(ev)
	if err != nil {
		return Call{}, err
	}
	c, err := o.store.RecordCall(ctx, ev)
	if err != nil {
		return Call{}, fmt.Errorf("record call %s: %w", ev.SessionID, err)
	}
	return c, nil
}

// cleanCallEvent validates ev and puts it in the form the stores trust.
func (o *Office) cleanCallEvent(ev CallEvent) (CallEvent, error) {
	bad := func(format string, args ...any) (CallEvent, error) {
		return CallEvent{}, fmt.Errorf("%w: call: "+format, append([]any{ErrBadInput}, args...)...)
	}
	var err error
	if ev.SessionID, err = cleanField(ev.SessionID, MaxCallSessionID); err != nil {
		return bad("session id: %v", err)
	}
	if ev.SessionID == "" || strings.ContainsAny(ev.SessionID, " ") {
		return bad("a session id without spaces is required")
	}
	if ev.Direction != "" && !ev.Direction.Valid() {
		return bad("unknown direction %q", ev.Direction)
	}
	if ev.Phone != "" {
		p, err := ParsePhone(string(ev.Phone))
		if err != nil {
			return bad("phone %s: %v", MaskPhone(string(ev.Phone)), err)
		}
		ev.Phone = p
	}
	if ev.Lang != "" && !ev.Lang.Valid() {
		return bad("unknown language %q", ev.Lang)
	}
	if ev.CaseID < 0 || ev.AgentID < 0 {
		return bad("negative case or agent id")
	}
	if ev.Outcome != "" && !ev.Outcome.Valid() {
		return bad("unknown outcome %q", ev.Outcome)
	}
	if ev.Outcome == CallAbandoned {
		ev.Outcome = CallQueued // abandonment is decided when the call ends
	}
	if ev.Queue, err = cleanField(ev.Queue, maxCallQueue); err != nil {
		return bad("queue: %v", err)
	}
	if ev.RecordingURL, err = CleanRecordingURL(ev.RecordingURL); err != nil {
		return CallEvent{}, fmt.Errorf("call: %w", err)
	}
	if ev.DurationSeconds < 0 || ev.DurationSeconds > maxCallDuration {
		return bad("duration %d s is out of range", ev.DurationSeconds)
	}
	if ev.Cost, err = cleanField(ev.Cost, maxCallCost); err != nil {
		return bad("cost: %v", err)
	}
	if ev.HangupCause, err = cleanField(ev.HangupCause, maxCallHangupCause); err != nil {
		return bad("hangup cause: %v", err)
	}
	if ev.At.IsZero() {
		ev.At = o.now()
	}
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	return ev, nil
}

// cleanField trims a one-line field from a callback and refuses control characters,
// invalid UTF-8 and more than max characters. Unlike cleanText it keeps inner spaces as they
// are: these are identifiers and codes, not prose.
func cleanField(s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "", errors.New("control characters")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("%d characters, at most %d are allowed", n, max)
	}
	return s, nil
}

// CleanRecordingURL checks the URL of a recorded message: "" (no recording), or an absolute
// https URL (http is accepted for local stand-ins of the provider) of at most
// MaxRecordingURL characters. Agents open it from the console, so anything else (a relative
// path, javascript:, a URL with credentials in it) is ErrBadInput.
func CleanRecordingURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxRecordingURL {
		return "", fmt.Errorf("%w: the recording URL has %d characters, at most %d are allowed", ErrBadInput, len(s), MaxRecordingURL)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%w: the recording URL must be an absolute http(s) URL", ErrBadInput)
	}
	if strings.IndexFunc(s, func(r rune) bool { return r <= 0x20 || r == 0x7f }) >= 0 {
		return "", fmt.Errorf("%w: the recording URL contains spaces or control characters", ErrBadInput)
	}
	return s, nil
}

// Call reads a call's record by its voice session id; ErrNotFound if there is none (or the
// id is one RecordCall would have refused).
func (o *Office) Call(ctx context.Context, sessionID string) (Call, error) {
	id, err := cleanField(sessionID, MaxCallSessionID)
	if err != nil || id == "" {
		return Call{}, fmt.Errorf("call %q: %w", sessionID, ErrNotFound)
	}
	c, err := o.store.Call(ctx, id)
	if err != nil {
		return Call{}, fmt.Errorf("call %s: %w", sessionID, err)
	}
	return c, nil
}

// CallAgent is the member of staff who placed an outbound call, so the voice channel can
// connect the citizen to them when the citizen answers. ErrNotFound when the call is unknown
// (yet) or was placed by no one.
func (o *Office) CallAgent(ctx context.Context, sessionID string) (Call, User, error) {
	c, err := o.Call(ctx, sessionID)
	if err != nil {
		return Call{}, User{}, err
	}
	if c.AgentID == 0 {
		return c, User{}, fmt.Errorf("agent of call %s: %w", sessionID, ErrNotFound)
	}
	u, err := o.store.User(ctx, c.AgentID)
	if err != nil {
		return c, User{}, fmt.Errorf("agent of call %s: %w", sessionID, err)
	}
	return c, u, nil
}

// AgentByPhone finds the agent or supervisor whose phone is calling the agent line, to hand
// them the longest-waiting caller. ErrNotFound for any other number (including other staff:
// only those who work the queues take callers from them).
func (o *Office) AgentByPhone(ctx context.Context, phone Phone) (User, error) {
	if phone == "" {
		return User{}, fmt.Errorf("agent by phone: %w", ErrNotFound)
	}
	users, err := o.store.Users(ctx, UserFilter{Phone: phone})
	if err != nil {
		return User{}, fmt.Errorf("agent by phone %s: %w", phone.Masked(), err)
	}
	for _, u := range users {
		if u.Role == RoleAgent || u.Role == RoleSupervisor {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("agent by phone %s: %w", phone.Masked(), ErrNotFound)
}

// QueueLengths reports how many callers wait in each agent queue, as the voice provider
// counts them, to the staff who work the phones (CanSeeQueues).
func (o *Office) QueueLengths(ctx context.Context, actor User) (map[string]int, error) {
	if !CanSeeQueues(actor) {
		return nil, fmt.Errorf("queue lengths: %w", ErrForbidden)
	}
	d, err := o.voiceDialer()
	if err != nil {
		return nil, fmt.Errorf("queue lengths: %w", err)
	}
	q, err := d.QueuedCalls(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue lengths: %w: %w", ErrVoiceFailed, err)
	}
	if q == nil {
		q = map[string]int{}
	}
	return q, nil
}

// PlaceCall rings the citizen of a case from the contact-centre number; when they answer, the
// voice channel connects them to actor (see CallAgent), so actor needs a phone. The call is
// recorded (outbound, with the case and actor) as soon as the provider has accepted it, and
// the case gets an audit entry. A placed call is a first response, as a reply is: for a
// callback case it is the promised call. Who may call is the role matrix's ActCall; a case
// actor may not see is ErrNotFound.
func (o *Office) PlaceCall(ctx context.Context, actor User, caseNumber Reference) (Call, error) {
	c, err := o.store.CaseByNumber(ctx, caseNumber)
	if err != nil {
		return Call{}, fmt.Errorf("call case %s: %w", caseNumber, err)
	}
	if !CanSee(actor, c) {
		return Call{}, fmt.Errorf("call case %s: %w", caseNumber, ErrNotFound)
	}
	if !Can(actor, ActCall, c) {
		return Call{}, fmt.Errorf("call case %s: %w", caseNumber, ErrForbidden)
	}
	if actor.Phone == "" {
		return Call{}, fmt.Errorf("call case %s: %w: you have no phone number to take the call on", caseNumber, ErrBadInput)
	}
	if c.Phone.Erased() {
		return Call{}, fmt.Errorf("call case %s: %w: the citizen's data was erased; there is no number to call", caseNumber, ErrBadInput)
	}
	d, err := o.voiceDialer()
	if err != nil {
		return Call{}, fmt.Errorf("call case %s: %w", caseNumber, err)
	}
	now := o.now()
	requestID := fmt.Sprintf("case-%s-user-%d-%d", c.Number, actor.ID, now.UnixMicro())
	session, err := d.Call(ctx, c.Phone, requestID)
	if err != nil {
		return Call{}, fmt.Errorf("call case %s: %w: %w", caseNumber, ErrVoiceFailed, err)
	}
	// From here the citizen's phone is ringing: record what happened even if the agent's
	// request is cancelled meanwhile.
	ctx = context.WithoutCancel(ctx)
	call, err := o.RecordCall(ctx, CallEvent{
		SessionID: session, Direction: CallOutbound, Phone: c.Phone, Lang: c.Lang,
		CaseID: c.ID, AgentID: actor.ID, Outcome: CallInMenu, At: now,
	})
	if err != nil {
		return Call{}, fmt.Errorf("call case %s: placed as %s but not recorded: %w", caseNumber, session, err)
	}
	if _, err := o.change(ctx, actor, c.ID, ActCall, func(c *Case, ch *CaseChange, now time.Time) error {
		o.responded(c, now)
		ch.Audit = append(ch.Audit, AuditEntry{Action: "called", Detail: "outbound call " + call.SessionID})
		return nil
	}); err != nil {
		return Call{}, fmt.Errorf("call case %s: placed as %s but not audited: %w", caseNumber, session, err)
	}
	o.log.Info("call placed", "case", c.Number, "agent", actor.Username, "phone", c.Phone, "session", session)
	return call, nil
}

// PhoneCalls lists a phone's calls, newest first, as u may see them: a call linked to a case
// only if u may see the case (so a corruption reporter's calls stay with the integrity
// officers), a call linked to none only for the staff who work the phones.
func (o *Office) PhoneCalls(ctx context.Context, u User, phone Phone, limit int) ([]Call, error) {
	if limit <= 0 {
		limit = defaultCallsOfPhone
	}
	limit = min(limit, maxCallsOfPhone)
	list, err := o.store.CallsOfPhone(ctx, phone, limit)
	if err != nil {
		return nil, fmt.Errorf("calls of %s: %w", phone.Masked(), err)
	}
	seen := map[int64]bool{}
	out := list[:0]
	for _, c := range list {
		if c.CaseID == 0 {
			if CanSeeQueues(u) {
				out = append(out, c)
			}
			continue
		}
		ok, known := seen[c.CaseID]
		if !known {
			cs, err := o.store.Case(ctx, c.CaseID)
			if err != nil {
				return nil, fmt.Errorf("calls of %s: case %d: %w", phone.Masked(), c.CaseID, err)
			}
			ok = CanSee(u, cs)
			seen[c.CaseID] = ok
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}
