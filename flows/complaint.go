package flows

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
)

// The complaint menu: about a centre (county, then centre) or not, the category, the service
// if the citizen wants to name one, a few words typed in, and a confirmation. The case, its
// acknowledgement and the centre managers' alerts are committed before the citizen reads the
// case number.

func (e *Engine) buildComplaintAbout(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	return Screen{Key: "complaint.about", Text: e.msgs.Text(l, "complaint.about"), Input: InputChoice,
		Options: e.options(l, "complaint.about.yes", "complaint.about.no"), Nav: true}, nil
}

func (e *Engine) handleComplaintAbout(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft = Draft{}
	if opt.Value == "yes" {
		return eventYes, nil
	}
	return eventNo, nil
}

func (e *Engine) buildComplaintCounty(_ context.Context, h *hop) (Screen, error) {
	return e.listScreen(h.s.Lang, "complaint.county", e.countyOptions()), nil
}

func (e *Engine) buildComplaintCentre(_ context.Context, h *hop) (Screen, error) {
	return e.listScreen(h.s.Lang, "complaint.centre", e.centreOptions(h.s.Draft.County)), nil
}

func (e *Engine) buildComplaintCategory(_ context.Context, h *hop) (Screen, error) {
	keys := make([]string, len(crm.ComplaintCategories))
	for i, c := range crm.ComplaintCategories {
		keys[i] = "category." + string(c)
	}
	return e.listScreen(h.s.Lang, "complaint.category", e.options(h.s.Lang, keys...)), nil
}

func (e *Engine) handleComplaintCategory(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft.Category, h.s.Draft.Service = crm.Category(opt.Value), ""
	if h.s.Channel == ChannelVoice {
		return eventVoiceRecord, nil // a caller says the rest (voice.go)
	}
	return eventNext, nil
}

// buildComplaintService offers to skip first, then the services of the centre complained
// about, or every service when the complaint is not about a centre.
func (e *Engine) buildComplaintService(_ context.Context, h *hop) (Screen, error) {
	l, cat := h.s.Lang, e.desk.Catalog()
	services := cat.Services()
	if h.s.Draft.Centre != "" {
		services = cat.ServicesAt(h.s.Draft.Centre)
	}
	opts := make([]Option, 0, len(services)+1)
	opts = append(opts, Option{Label: e.msgs.Text(l, "complaint.service.skip"), Value: ""})
	for _, s := range services {
		opts = append(opts, Option{Label: s.Label(l), Value: s.Code})
	}
	return e.listScreen(l, "complaint.service", opts), nil
}

func (e *Engine) handleComplaintService(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft.Service = opt.Value
	return eventNext, nil
}

func (e *Engine) buildComplaintDescribe(_ context.Context, h *hop) (Screen, error) {
	return Screen{Key: "complaint.describe", Text: e.msgs.Text(h.s.Lang, "complaint.describe"), Input: InputText, Nav: true}, nil
}

// handleComplaintDescribe keeps the description as the domain will store it (tidied, emoji
// and all); an empty, unreadable or overlong one is asked for again.
func (e *Engine) handleComplaintDescribe(_ context.Context, h *hop, input string) (string, error) {
	desc, err := crm.CleanDescription(input)
	if errors.Is(err, crm.ErrBadInput) {
		return "", describeError(input)
	}
	if err != nil {
		return "", err
	}
	h.s.Draft.Description = desc
	return eventNext, nil
}

// describeError is the re-prompt for a description the domain refused.
func describeError(input string) userError {
	if utf8.RuneCountInString(strings.Join(strings.Fields(input), " ")) > crm.MaxDescription {
		return userError{"complaint.err.long"}
	}
	return userError{"complaint.err.empty"}
}

// buildComplaintConfirm sums the complaint up. The description is not repeated: the citizen
// has just typed it, and it is never sent back to the phone (it may hold characters a
// handset cannot show).
func (e *Engine) buildComplaintConfirm(_ context.Context, h *hop) (Screen, error) {
	l, d, cat := h.s.Lang, h.s.Draft, e.desk.Catalog()
	lines := []string{e.msgs.Text(l, "category."+string(d.Category))}
	if c, ok := cat.Centre(d.Centre); ok {
		lines = append(lines, centreLabel(c)) // the bare name: the longest summary still fits one screen
	}
	if s, ok := cat.Service(d.Service); ok {
		lines = append(lines, s.Label(l))
	}
	return Screen{
		Key: "complaint.confirm", Text: e.msgs.Text(l, "complaint.confirm", strings.Join(lines, "\n")),
		Input: InputChoice, Options: e.options(l, "complaint.confirm.yes", "complaint.confirm.no"), Nav: true,
	}, nil
}

// handleComplaintConfirm lodges the complaint. The session names it, so a repeated
// confirmation (the aggregator retrying, a double press) opens one case.
func (e *Engine) handleComplaintConfirm(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "no" {
		return eventNo, nil
	}
	d := h.s.Draft
	c, err := e.cases.LodgeComplaint(ctx, crm.Complaint{
		Phone: h.s.Phone, Lang: h.s.Lang, Centre: d.Centre, Category: d.Category, Service: d.Service,
		Description: d.Description, IdempotencyKey: h.s.ID + ":complaint",
	})
	if errors.Is(err, crm.ErrBadInput) {
		// The domain refused what the citizen wrote: ask for it again.
		h.s.Error = e.msgs.Text(h.s.Lang, describeError(d.Description).key)
		return eventRetype, nil
	}
	if err != nil {
		return "", err
	}
	h.s.Draft.Case, h.caseID = c.Number, c.ID
	return eventYes, nil
}

// buildComplaintDone gives the case number. A corruption report says where it goes and that
// the centre is not told who made it.
func (e *Engine) buildComplaintDone(_ context.Context, h *hop) (Screen, error) {
	key := "complaint.done"
	if crm.QueueFor(h.s.Draft.Category) == crm.QueueIntegrity {
		key = "complaint.done.integrity"
	}
	return Screen{Key: key, End: true, Text: e.msgs.Text(h.s.Lang, key, h.s.Draft.Case.Grouped()), CaseID: h.caseID}, nil
}
