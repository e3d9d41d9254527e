package ivr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// Every callback of a citizen's call is merged into the call's record (crm.CallEvent): where
// the call stands (in the menus, queued, a case opened), its language, case and recording,
// and at the end its duration, cost and hang-up cause. The merge is the store's, and keeps
// what an event does not say, so repeated, late or missing callbacks all leave one true
// record. A record that cannot be written is logged and the caller still hears their answer:
// the case or booking it describes is already committed, and the next callback (at the
// latest the end-of-call notification) writes the record again from the session.

// direction reads Africa's Talking's direction (Inbound/Outbound) in any case.
func direction(s string) crm.CallDirection {
	if strings.EqualFold(s, "outbound") {
		return crm.CallOutbound
	}
	return crm.CallInbound
}

// callEvent is what the session says about the call after a callback.
func callEvent(cb Callback, s *flows.Session) crm.CallEvent {
	ev := crm.CallEvent{SessionID: cb.SessionID, Direction: crm.CallInbound, Phone: s.Phone}
	fromSession(&ev, cb, s)
	return ev
}

// fromSession fills what the call's menus have come to. The recording goes on the record only
// with the case it belongs to: a complaint recorded, then cancelled or left unsent, is no
// one's to hear, and the call's record is shown to every phone agent.
func fromSession(ev *crm.CallEvent, cb Callback, s *flows.Session) {
	ev.Lang = s.Lang
	ev.Outcome = flows.CallOutcome(s)
	ev.Queue = s.Screen.Queue
	ev.CaseID = s.Screen.CaseID
	ev.RecordingURL = caseRecording(cb, s)
}

// caseRecording is the recording of the case the session's screen announces: the one the
// callback carries (a message left for an agent), else, for a complaint sent on a later key
// press, the complaint's own (kept in the draft). "" when no case is announced.
func caseRecording(cb Callback, s *flows.Session) string {
	if s.Screen.CaseID == 0 {
		return ""
	}
	if u := recordingOf(cb); u != "" {
		return u
	}
	if flows.CallOutcome(s) == crm.CallComplaint {
		if u, err := crm.CleanRecordingURL(s.Draft.Description); err == nil {
			return u
		}
	}
	return ""
}

// recordingOf is the callback's recording URL when the domain would accept it ("" otherwise,
// so one garbled field does not cost the rest of the event).
func recordingOf(cb Callback) string {
	u, err := crm.CleanRecordingURL(cb.RecordingURL)
	if err != nil {
		return ""
	}
	return u
}

// record writes a call event, logging (not returning) a failure.
func (h *Handler) record(ctx context.Context, ev crm.CallEvent) {
	if _, err := h.office.RecordCall(ctx, ev); err != nil {
		h.log.Error("record call", "err", err, "session", ev.SessionID, "phone", ev.Phone, "outcome", ev.Outcome)
	}
}

// citizenPhone is the citizen's number on a call: the caller on an inbound call, the one
// called on an outbound one. ok is false for a call that is no citizen's (an agent on the
// agent line) or whose number is not a Kenyan mobile.
func (h *Handler) citizenPhone(cb Callback) (crm.Phone, bool) {
	raw := cb.CallerNumber
	if direction(cb.Direction) == crm.CallOutbound {
		raw = h.calledCitizen(cb)
	} else if h.cfg.AgentLine != "" && sameNumber(cb.Destination, h.cfg.AgentLine) {
		return "", false
	}
	p, err := crm.ParsePhone(raw)
	return p, err == nil
}

// calledCitizen is the citizen's number on an outbound call: whichever of callerNumber and
// destinationNumber is not our contact-centre number. Africa's Talking documents callerNumber
// as the phone user and destinationNumber as our number, but the two have been seen the other
// way round on outbound calls. Without a configured number, the documented layout holds.
func (h *Handler) calledCitizen(cb Callback) string {
	if h.cfg.Number != "" && sameNumber(cb.CallerNumber, h.cfg.Number) {
		return cb.Destination
	}
	return cb.CallerNumber
}

// final stores the end-of-call notification: duration, cost and hang-up cause, with where the
// menus had got to when the call's session is still known. It may be the first (or only)
// callback seen for the call; the record is made from it alone then.
func (h *Handler) final(ctx context.Context, cb Callback) {
	phone, ok := h.citizenPhone(cb)
	if !ok {
		h.log.Debug("end of a call that is no citizen's", "phone", crm.MaskPhone(cb.CallerNumber), "session", cb.SessionID)
		return
	}
	ev := crm.CallEvent{
		SessionID: cb.SessionID, Direction: direction(cb.Direction), Phone: phone, Final: true,
		DurationSeconds: cb.DurationSeconds, HangupCause: cb.HangupCause,
	}
	if cb.Amount != "" {
		ev.Cost = strings.TrimSpace(cb.CurrencyCode + " " + cb.Amount)
	}
	if ev.Direction == crm.CallInbound {
		s, err := h.sessions.Load(ctx, SessionKey(cb.SessionID))
		switch {
		case err == nil && s.Phone == phone:
			if s, err = h.lastRecording(ctx, cb, s, true); err != nil {
				h.log.Error("end of call: a recording left by hanging up was not taken", "err", err, "phone", phone, "session", cb.SessionID)
			}
			fromSession(&ev, cb, s)
		case err != nil && !errors.Is(err, flows.ErrNoSession):
			h.log.Warn("end of call: session unreadable; recording the notification alone", "err", err, "session", cb.SessionID)
		}
	}
	if cb.DequeuedTo != "" {
		ev.Outcome, ev.AgentID = crm.CallAnswered, h.agentID(ctx, cb.DequeuedTo)
	}
	h.record(ctx, ev)
	h.log.Info("call ended", "phone", phone, "session", cb.SessionID, "seconds", cb.DurationSeconds, "cause", cb.HangupCause)
}

// lastRecording runs the step a recording callback would have run when the caller hung up to
// end a Record: Africa's Talking then sends the recording only in the end-of-call
// notification, and a message left for an agent must still become its case. The session is
// saved (so a late recording callback finds the recording taken); when it changed since it
// was loaded, the notification runs once more on the session as stored. For a complaint the
// step only reaches the confirmation screen: nothing is lodged without the caller's "send".
// It returns the session to describe the call from.
func (h *Handler) lastRecording(ctx context.Context, cb Callback, s *flows.Session, retry bool) (*flows.Session, error) {
	url := recordingOf(cb)
	if url == "" || s.Screen.End || s.Screen.Input != flows.InputRecording {
		return s, nil
	}
	if err := h.engine.Step(ctx, s, url); err != nil {
		return s, fmt.Errorf("end of call: take the recording: %w", err)
	}
	// Whatever callback of this call still arrives is late: the call is over, and its answer
	// is an empty response.
	s.Hops++
	s.LastRequest, s.LastReply = "final|"+url, string(Response{}.Bytes())
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	err := h.sessions.Save(saveCtx, s, false)
	if errors.Is(err, flows.ErrStaleSession) && retry {
		fresh, lerr := h.sessions.Load(ctx, SessionKey(cb.SessionID))
		if lerr != nil {
			return s, fmt.Errorf("end of call: reload the session: %w", lerr)
		}
		return h.lastRecording(ctx, cb, fresh, false)
	}
	if err != nil {
		// The case (if the step opened one) is committed; the record still links it.
		h.log.Error("end of call: save the session", "err", err, "phone", s.Phone, "session", cb.SessionID)
	}
	return s, nil
}

// dequeued records that Africa's Talking handed a queued caller to an agent.
func (h *Handler) dequeued(ctx context.Context, cb Callback) {
	phone, ok := h.citizenPhone(cb)
	if !ok {
		return
	}
	h.record(ctx, crm.CallEvent{
		SessionID: cb.SessionID, Direction: direction(cb.Direction), Phone: phone,
		Outcome: crm.CallAnswered, AgentID: h.agentID(ctx, cb.DequeuedTo),
	})
}

// agentID is the id of the agent with that phone, 0 when none is known (the call is still
// answered; only who answered is not).
func (h *Handler) agentID(ctx context.Context, raw string) int64 {
	p, err := crm.ParsePhone(raw)
	if err != nil {
		return 0
	}
	u, err := h.office.AgentByPhone(ctx, p)
	if err != nil {
		if !errors.Is(err, crm.ErrNotFound) {
			h.log.Warn("agent who answered a queued call", "err", err, "agent_phone", p)
		}
		return 0
	}
	return u.ID
}
