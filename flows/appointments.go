package flows

import (
	"context"
	"errors"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

func (e *Engine) buildAppts(ctx context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	list, err := e.desk.Upcoming(ctx, h.s.Phone)
	if err != nil {
		return Screen{}, err
	}
	if len(list) == 0 {
		sc := Screen{Key: "appts.none", Text: e.msgs.Text(l, "appts.none"), Input: InputChoice, Nav: true}
		if h.s.Channel != ChannelVoice { // no booking by phone call: the way back only
			sc.Options = e.options(l, "main.book")
		}
		return sc, nil
	}
	opts := make([]Option, len(list))
	cat := e.desk.Catalog()
	for i, a := range list {
		svc, _ := cat.Service(a.Service)
		opts[i] = Option{
			Label: e.msgs.Text(l, "appts.item", e.msgs.Date(l, a.Day), e.msgs.ListTime(l, a.Start), svc.Label(l)),
			Value: string(a.Ref),
		}
	}
	return e.listScreen(l, "appts.title", opts), nil
}

// handleAppts looks the chosen appointment up again, so a screen never shows one that was
// cancelled (on another channel, or in another session) since the list was drawn.
func (e *Engine) handleAppts(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "book" {
		return eventBook, nil
	}
	list, err := e.desk.Upcoming(ctx, h.s.Phone)
	if err != nil {
		return "", err
	}
	for _, a := range list {
		if string(a.Ref) == opt.Value {
			h.s.Draft = Draft{Centre: a.Centre, Service: a.Service, Day: a.Day.Format(time.DateOnly), Start: a.Start, Appointment: a.Ref}
			return eventNext, nil
		}
	}
	return "", userError{"err.gone"}
}

func (e *Engine) buildAppt(_ context.Context, h *hop) (Screen, error) {
	svc, centre, date, at := e.describe(h.s.Lang, h.s.Draft)
	return Screen{
		Key: "appt.title", Text: e.msgs.Text(h.s.Lang, "appt.title", h.s.Draft.Appointment.Grouped(), svc, centre, date, at),
		Input: InputChoice, Options: e.options(h.s.Lang, "appt.cancel"), Nav: true,
	}, nil
}

func (e *Engine) handleAppt(_ context.Context, h *hop, input string) (string, error) {
	if _, err := choice(h.s, input); err != nil {
		return "", err
	}
	return eventCancel, nil
}

func (e *Engine) buildApptCancel(_ context.Context, h *hop) (Screen, error) {
	_, _, date, at := e.describe(h.s.Lang, h.s.Draft)
	return Screen{
		Key:   "appt.cancel.title",
		Text:  e.msgs.Text(h.s.Lang, "appt.cancel.title", h.s.Draft.Appointment.Grouped(), date, at),
		Input: InputChoice, Options: e.options(h.s.Lang, "appt.cancel.yes", "appt.cancel.no"), Nav: true,
	}, nil
}

// handleApptCancel cancels; the place is free before the citizen reads "Cancelled".
func (e *Engine) handleApptCancel(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "no" {
		return eventNo, nil
	}
	_, err = e.desk.Cancel(ctx, h.s.Phone, h.s.Draft.Appointment, h.s.Lang)
	if errors.Is(err, crm.ErrNotFound) {
		h.s.Error = e.msgs.Text(h.s.Lang, "err.gone")
		return eventTaken, nil
	}
	if err != nil {
		return "", err
	}
	return eventYes, nil
}

func (e *Engine) buildApptCancelled(_ context.Context, h *hop) (Screen, error) {
	return Screen{Key: "appt.cancelled", End: true,
		Text: e.msgs.Text(h.s.Lang, "appt.cancelled", h.s.Draft.Appointment.Grouped())}, nil
}
