package flows

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
)

// reasonOnScreen is how much of an agency's rejection reason or next step a status screen
// shows (the SMS the citizen was sent carries all of it), so that the screen fits a USSD
// reply whatever the agency wrote.
const reasonOnScreen = 36

func (e *Engine) buildStatusRef(_ context.Context, h *hop) (Screen, error) {
	return Screen{Key: "status.prompt", Text: e.msgs.Text(h.s.Lang, "status.prompt"), Input: InputText, Nav: true}, nil
}

// handleStatusRef reads a ticket or case number as the citizen types or reads it back
// (spaces and dashes allowed) and looks it up. A typo is caught by the check digit before
// anything is looked up.
func (e *Engine) handleStatusRef(ctx context.Context, h *hop, input string) (string, error) {
	ref, err := crm.ParseReference(input)
	if err != nil {
		return "", userError{"status.err.bad"}
	}
	if h.s.Channel == ChannelVoice {
		// Keyed in by ear: read it back before looking it up (voice.go).
		h.s.Draft = Draft{Ref: ref}
		return eventVoiceRefRead, nil
	}
	return e.checkStatus(ctx, h, ref)
}

// checkStatus looks a well-formed ticket or case number up and moves to its screen.
func (e *Engine) checkStatus(ctx context.Context, h *hop, ref crm.Reference) (string, error) {
	ans, err := e.cases.LookupStatus(ctx, h.s.Phone, ref)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		return "", userError{"status.err.unknown"}
	case errors.Is(err, crm.ErrBadInput):
		return "", userError{"status.err.bad"}
	case err != nil:
		return "", err
	}
	h.s.Draft = Draft{Ref: ref}
	h.answer = &ans
	if ans.Request != nil {
		return eventRequest, nil
	}
	return eventCase, nil
}

// lookup is the status answer of the number in the draft: the one the input handler found
// on this hop, or a fresh look (coming back to the screen with 0).
func (e *Engine) lookup(ctx context.Context, h *hop) (crm.StatusAnswer, error) {
	if h.answer != nil {
		return *h.answer, nil
	}
	return e.cases.LookupStatus(ctx, h.s.Phone, h.s.Draft.Ref)
}

// buildStatusRequest shows a ticket. Its owner reads the service, the status in words, the
// expected date, the agency's reason or instruction and the next step; anyone else, the
// status alone.
func (e *Engine) buildStatusRequest(ctx context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	ans, err := e.lookup(ctx, h)
	if err != nil {
		return Screen{}, err
	}
	if ans.Request == nil {
		return Screen{}, errors.New("status answer without a request")
	}
	r := *ans.Request
	status := e.msgs.Text(l, "request.status."+string(r.Status))
	if !ans.Owner {
		return Screen{Key: "request.stranger", End: true, Text: e.msgs.Text(l, "request.stranger", r.Ref.Grouped(), status)}, nil
	}
	cat := e.desk.Catalog()
	svc, _ := cat.Service(r.Service)
	centre := r.Centre
	if c, ok := cat.Centre(r.Centre); ok {
		centre = centreLabel(c)
	}
	lines := []string{e.msgs.Text(l, "request.owner", r.Ref.Grouped(), svc.Label(l), status)}
	if !r.Ready.IsZero() && (r.Status == crm.RequestReceived || r.Status == crm.RequestProcessing) {
		lines = append(lines, e.msgs.Text(l, "request.ready", e.msgs.Date(l, r.Ready)))
	}
	if r.Reason != "" {
		switch r.Status {
		case crm.RequestNeedsAction:
			lines = append(lines, e.msgs.Text(l, "request.what_to_do", shorten(r.Reason, reasonOnScreen)))
		case crm.RequestRejected:
			lines = append(lines, e.msgs.Text(l, "request.reason", shorten(r.Reason, reasonOnScreen)))
		}
	}
	next := "request.next." + string(r.Status)
	switch r.Status {
	case crm.RequestNeedsAction, crm.RequestReady, crm.RequestRejected:
		lines = append(lines, e.msgs.Text(l, next, centre)) // these name the centre
	default:
		lines = append(lines, e.msgs.Text(l, next))
	}
	return Screen{Key: "request.owner", End: true, Text: strings.Join(lines, "\n")}, nil
}

// buildStatusCase shows a complaint or callback case: the status for anyone, what it is
// about and what happens next for its owner, and, once it is resolved and not yet rated, the
// offer to rate the service.
func (e *Engine) buildStatusCase(ctx context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	ans, err := e.lookup(ctx, h)
	if err != nil {
		return Screen{}, err
	}
	if ans.Case == nil {
		return Screen{}, errors.New("status answer without a case")
	}
	c := *ans.Case
	status := e.msgs.Text(l, "case.status."+string(c.Status))
	if !ans.Owner {
		return Screen{Key: "case.stranger", End: true, Text: e.msgs.Text(l, "case.stranger", c.Number.Grouped(), status)}, nil
	}
	text := e.msgs.Text(l, "case.owner", c.Number.Grouped(), e.msgs.Text(l, "category."+string(c.Category)), status)
	switch {
	case !c.Status.Open() && c.Rating == "":
		return Screen{Key: "case.owner", Text: text, Input: InputChoice, Options: e.options(l, "case.rate"), Nav: true}, nil
	case !c.Status.Open():
		text += "\n" + e.msgs.Text(l, "case.next.rated")
	case c.Status == crm.CasePendingCitizen:
		text += "\n" + e.msgs.Text(l, "case.next.pending_citizen")
	default:
		text += "\n" + e.msgs.Text(l, "case.next.open")
	}
	return Screen{Key: "case.owner", End: true, Text: text}, nil
}

func (e *Engine) handleStatusCase(_ context.Context, h *hop, input string) (string, error) {
	if _, err := choice(h.s, input); err != nil {
		return "", err
	}
	return eventRate, nil
}

func (e *Engine) buildStatusRate(_ context.Context, h *hop) (Screen, error) {
	keys := make([]string, len(crm.Ratings))
	for i, r := range crm.Ratings {
		keys[i] = "rating." + string(r)
	}
	l := h.s.Lang
	return Screen{Key: "status.rate", Text: e.msgs.Text(l, "status.rate", h.s.Draft.Ref.Grouped()), Input: InputChoice,
		Options: e.options(l, keys...), Nav: true}, nil
}

// handleStatusRate records the rating. A rating that is already there (given by SMS, or by a
// repeated hop) is thanked for like a new one; a case reopened meanwhile is shown again as it
// now stands.
func (e *Engine) handleStatusRate(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	_, err = e.cases.Rate(ctx, h.s.Phone, h.s.Draft.Ref, crm.Rating(opt.Value))
	switch {
	case err == nil, errors.Is(err, crm.ErrAlreadyRated):
		return eventYes, nil
	case errors.Is(err, crm.ErrBadTransition), errors.Is(err, crm.ErrNotFound):
		h.s.Error = e.msgs.Text(h.s.Lang, "err.changed")
		return eventTaken, nil
	}
	return "", err
}

// shorten cuts s to at most n characters, at a word boundary where there is one, marking the
// cut with "..." (plain ASCII, which every handset shows).
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)[:n-3]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "..."
}
