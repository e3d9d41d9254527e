package console

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// callJSON is a phone call through the contact-centre number, as agents see it: on a case's
// detail, in a phone's history, and as the answer to placing one.
type callJSON struct {
	ID              int64   `json:"id"`
	SessionID       string  `json:"session_id"`
	Direction       string  `json:"direction"`
	Phone           string  `json:"phone"`
	Lang            string  `json:"lang"`
	CaseID          *int64  `json:"case_id"`
	CaseNumber      *string `json:"case_number"`
	AgentID         *int64  `json:"agent_id"`
	Queue           string  `json:"queue"`
	Outcome         string  `json:"outcome"`
	RecordingURL    string  `json:"recording_url"`
	DurationSeconds int     `json:"duration_seconds"`
	Cost            string  `json:"cost"`
	HangupCause     string  `json:"hangup_cause"`
	Active          bool    `json:"active"`
	StartedAt       *string `json:"started_at"`
	EndedAt         *string `json:"ended_at"`
}

func callOut(c crm.Call) callJSON {
	out := callJSON{
		ID: c.ID, SessionID: c.SessionID, Direction: string(c.Direction), Phone: string(c.Phone), Lang: string(c.Lang),
		CaseID: optionalID(c.CaseID), AgentID: optionalID(c.AgentID), Queue: c.Queue, Outcome: string(c.Outcome),
		RecordingURL: c.RecordingURL, DurationSeconds: c.DurationSeconds, Cost: c.Cost, HangupCause: c.HangupCause,
		Active: c.Active, StartedAt: stamp(c.StartedAt), EndedAt: stamp(c.EndedAt),
	}
	if c.CaseNumber != "" {
		n := string(c.CaseNumber)
		out.CaseNumber = &n
	}
	return out
}

func callsOut(list []crm.Call) []callJSON {
	out := make([]callJSON, 0, len(list))
	for _, c := range list {
		out = append(out, callOut(c))
	}
	return out
}

type callsJSON struct {
	Calls []callJSON `json:"calls"`
}

type queuesJSON struct {
	Queues map[string]int `json:"queues"`
}

// placeCall is POST /cases/{id}/call: ring the case's citizen from the contact-centre number
// and connect them to the user. 202: the call is placed (ringing), not yet answered; its
// record follows the call as the provider reports it.
func (a *API) placeCall(c *fiber.Ctx, u crm.User) error {
	id, err := caseID(c)
	if err != nil {
		return a.fail(c, err)
	}
	kase, err := a.office.ViewCase(c.UserContext(), u, id)
	if err != nil {
		return a.fail(c, err)
	}
	call, err := a.office.PlaceCall(c.UserContext(), u, kase.Number)
	if err != nil {
		return a.fail(c, err)
	}
	return c.Status(fiber.StatusAccepted).JSON(callOut(call))
}

// voiceQueues is GET /voice/queues: how many callers wait in each agent queue.
func (a *API) voiceQueues(c *fiber.Ctx, u crm.User) error {
	q, err := a.office.QueueLengths(c.UserContext(), u)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(queuesJSON{Queues: q})
}

// callParams are GET /calls's query parameters; any other is refused.
var callParams = []string{"phone", "limit"}

// phoneCalls is GET /calls?phone=+2547…&limit=: a phone's calls, newest first, as the user may
// see them (a corruption report's calls only to integrity officers).
func (a *API) phoneCalls(c *fiber.Ctx, u crm.User) error {
	if err := onlyParams(c, "GET "+Prefix+"/calls", callParams); err != nil {
		return a.fail(c, err)
	}
	raw := strings.TrimSpace(query(c, "phone"))
	if raw == "" {
		return a.fail(c, fmt.Errorf("%w: phone is required, e.g. ?phone=%%2B254712345678", crm.ErrBadInput))
	}
	phone, err := crm.ParsePhone(raw)
	if err != nil {
		return a.fail(c, fmt.Errorf("%w: phone: %w", crm.ErrBadInput, err))
	}
	limit, err := intParam(c, "limit", 1, maxPage)
	if err != nil {
		return a.fail(c, err)
	}
	list, err := a.office.PhoneCalls(c.UserContext(), u, phone, limit)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(callsJSON{Calls: callsOut(list)})
}
