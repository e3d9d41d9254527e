package ivr

import (
	"context"
	"errors"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// The agent line: an agent (or supervisor) whose phone the console knows calls it and is
// connected to the caller who has waited longest in the queue of their language. An agent who
// speaks both takes from the longer queue. Anyone else hears that the line is for agents.

func (h *Handler) agentLine(ctx context.Context, cb Callback) Response {
	phone, err := crm.ParsePhone(cb.CallerNumber)
	var agent crm.User
	if err == nil {
		agent, err = h.office.AgentByPhone(ctx, phone)
	}
	switch {
	case errors.Is(err, crm.ErrNotFound), errors.Is(err, crm.ErrNotKenyanMobile):
		h.log.Info("agent line called by a number that is no agent's", "phone", crm.MaskPhone(cb.CallerNumber), "session", cb.SessionID)
		return h.speak.Notice("", "voice.agentline.unknown")
	case err != nil:
		h.log.Error("agent line: find the agent", "err", err, "phone", phone)
		return h.speak.Notice("", "notice.system")
	}
	queue, lang := h.agentQueue(ctx, agent)
	r := h.speak.Notice(lang, "voice.agentline.connecting")
	r.Actions = append(r.Actions, &Dequeue{PhoneNumber: h.cfg.Number, Name: queue})
	h.log.Info("agent takes a caller", "agent", agent.Username, "queue", queue, "session", cb.SessionID)
	return r
}

// agentQueue picks the queue an agent takes from: their language's, or, for an agent who
// speaks both, the one with more callers waiting (their first language when the counts are
// equal or unknown). lang is the language the agent is spoken to in.
func (h *Handler) agentQueue(ctx context.Context, agent crm.User) (queue string, lang crm.Lang) {
	var langs []crm.Lang
	for _, l := range agent.Langs {
		if l.Valid() {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		langs = []crm.Lang{crm.English}
	}
	pick := langs[0]
	if len(langs) > 1 && h.cfg.Queues != nil {
		counts, err := h.cfg.Queues.QueuedCalls(ctx)
		if err != nil {
			h.log.Warn("agent line: queue lengths unknown; taking from the agent's first language", "err", err)
		} else {
			for _, l := range langs[1:] {
				if counts[flows.AgentQueue(l)] > counts[flows.AgentQueue(pick)] {
					pick = l
				}
			}
		}
	}
	return flows.AgentQueue(pick), langs[0]
}

// outbound answers the citizen picking up a call an agent placed from the console (a
// callback): they are greeted and connected to that agent. If the agent cannot be found, the
// citizen is told they will be called again.
func (h *Handler) outbound(ctx context.Context, cb Callback) Response {
	phone, _ := crm.ParsePhone(h.calledCitizen(cb))
	call, agent, err := h.office.CallAgent(ctx, cb.SessionID)
	lang := call.Lang
	if !lang.Valid() {
		lang = crm.Swahili
	}
	if err != nil || agent.Phone == "" {
		if err != nil && !errors.Is(err, crm.ErrNotFound) {
			h.log.Error("outbound call: find its agent", "err", err, "session", cb.SessionID)
		} else {
			h.log.Warn("outbound call answered but its agent is unknown", "session", cb.SessionID, "phone", phone)
		}
		return h.speak.Notice(lang, "voice.outbound.unavailable")
	}
	if phone != "" {
		h.record(ctx, crm.CallEvent{SessionID: cb.SessionID, Direction: crm.CallOutbound, Phone: phone,
			AgentID: agent.ID, Outcome: crm.CallAnswered})
	}
	r := h.speak.Notice(lang, "voice.outbound.connecting")
	r.Actions = append(r.Actions, &Dial{PhoneNumbers: string(agent.Phone), CallerID: h.cfg.Number})
	h.log.Info("outbound call answered; connecting its agent", "agent", agent.Username, "session", cb.SessionID, "phone", phone)
	return r
}
