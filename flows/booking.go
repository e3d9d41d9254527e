package flows

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// BookingDays is how many open days ahead a citizen may book.
const BookingDays = 10

func (e *Engine) buildCounty(_ context.Context, h *hop) (Screen, error) {
	return e.listScreen(h.s.Lang, "book.county", e.countyOptions()), nil
}

// countyOptions lists the counties that have a centre (booking and complaints).
func (e *Engine) countyOptions() []Option {
	counties := e.desk.Catalog().Counties()
	opts := make([]Option, len(counties))
	for i, c := range counties {
		opts[i] = Option{Label: c, Value: c}
	}
	return opts
}

// centreOptions lists a county's centres (booking and complaints).
func (e *Engine) centreOptions(county string) []Option {
	centres := e.desk.Catalog().CentresIn(county)
	opts := make([]Option, len(centres))
	for i, c := range centres {
		opts[i] = Option{Label: centreLabel(c), Value: c.Code}
	}
	return opts
}

// handleCounty and handleCentre serve every menu that picks a centre (booking, complaints):
// the choice starts a fresh draft.
func (e *Engine) handleCounty(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft = Draft{County: opt.Value}
	return eventNext, nil
}

func (e *Engine) buildCentre(_ context.Context, h *hop) (Screen, error) {
	return e.listScreen(h.s.Lang, "book.centre", e.centreOptions(h.s.Draft.County)), nil
}

func (e *Engine) handleCentre(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft = Draft{County: h.s.Draft.County, Centre: opt.Value}
	return eventNext, nil
}

func (e *Engine) buildService(_ context.Context, h *hop) (Screen, error) {
	services := e.desk.Catalog().ServicesAt(h.s.Draft.Centre)
	opts := make([]Option, len(services))
	for i, s := range services {
		opts[i] = Option{Label: s.Label(h.s.Lang), Value: s.Code}
	}
	return e.listScreen(h.s.Lang, "book.service", opts), nil
}

func (e *Engine) handleService(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft.Service, h.s.Draft.Day, h.s.Draft.Start = opt.Value, "", 0
	return eventNext, nil
}

func (e *Engine) buildDay(_ context.Context, h *hop) (Screen, error) {
	days := e.desk.OpenDays(BookingDays)
	opts := make([]Option, len(days))
	for i, d := range days {
		opts[i] = Option{Label: e.msgs.Date(h.s.Lang, d), Value: d.Format(time.DateOnly)}
	}
	return e.listScreen(h.s.Lang, "book.day", opts), nil
}

// handleDay refuses a day with nothing free, so the citizen never lands on an empty list.
func (e *Engine) handleDay(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	day, _ := parseDay(opt.Value)
	times, err := e.desk.FreeTimes(ctx, h.s.Draft.Centre, h.s.Draft.Service, day)
	if err != nil {
		return "", err
	}
	if len(times) == 0 {
		return "", userError{"err.day_full"}
	}
	h.s.Draft.Day, h.times = opt.Value, times
	return eventNext, nil
}

func (e *Engine) buildTime(ctx context.Context, h *hop) (Screen, error) {
	d := h.s.Draft
	day, _ := parseDay(d.Day)
	times := h.times
	if times == nil {
		var err error
		if times, err = e.desk.FreeTimes(ctx, d.Centre, d.Service, day); err != nil {
			return Screen{}, err
		}
	}
	date := e.msgs.Date(h.s.Lang, day)
	if len(times) == 0 {
		return Screen{Key: "book.no_times", Text: e.msgs.Text(h.s.Lang, "book.no_times", date), Input: InputChoice, Nav: true}, nil
	}
	opts := make([]Option, len(times))
	for i, t := range times {
		opts[i] = Option{Label: e.msgs.ListTime(h.s.Lang, t), Value: strconv.Itoa(t)}
	}
	sc := e.listScreen(h.s.Lang, "book.time", opts)
	sc.Text = e.msgs.Text(h.s.Lang, "book.time", date)
	return sc, nil
}

func (e *Engine) handleTime(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	h.s.Draft.Start, _ = strconv.Atoi(opt.Value)
	return eventNext, nil
}

func (e *Engine) buildConfirm(_ context.Context, h *hop) (Screen, error) {
	svc, centre, date, at := e.describe(h.s.Lang, h.s.Draft)
	return Screen{
		Key: "book.confirm", Text: e.msgs.Text(h.s.Lang, "book.confirm", svc, centre, date, at),
		Input: InputChoice, Options: e.options(h.s.Lang, "book.confirm.yes", "book.confirm.no"), Nav: true,
	}, nil
}

// handleConfirm books. The appointment is committed before the next screen is built, so the
// reference the citizen sees is already theirs. The session id is the idempotency key: a
// repeated confirmation (the aggregator retrying, or a double press) books once.
func (e *Engine) handleConfirm(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "no" {
		return eventNo, nil
	}
	d := h.s.Draft
	day, _ := parseDay(d.Day)
	a, err := e.desk.Book(ctx, crm.Booking{
		Phone: h.s.Phone, Centre: d.Centre, Service: d.Service, Day: day, Start: d.Start,
		IdempotencyKey: "session:" + h.s.ID, Lang: h.s.Lang,
	})
	switch {
	case errors.Is(err, crm.ErrSlotFull), errors.Is(err, crm.ErrNotBookable):
		h.s.Error = e.msgs.Text(h.s.Lang, "err.taken")
		return eventTaken, nil
	case errors.Is(err, crm.ErrAlreadyBooked):
		return eventDuplicate, nil
	case err != nil:
		return "", err
	}
	h.s.Draft.Appointment = a.Ref
	return eventYes, nil
}

// buildBooked is the last screen: no options, so there is room for the 24-hour figure next to
// a Kiswahili time (Messages.Time).
func (e *Engine) buildBooked(_ context.Context, h *hop) (Screen, error) {
	svc, centre, date, _ := e.describe(h.s.Lang, h.s.Draft)
	at := e.msgs.Time(h.s.Lang, h.s.Draft.Start)
	return Screen{Key: "book.done", End: true,
		Text: e.msgs.Text(h.s.Lang, "book.done", h.s.Draft.Appointment.Grouped(), svc, centre, date, at)}, nil
}

func (e *Engine) buildDuplicate(_ context.Context, h *hop) (Screen, error) {
	svc, _, date, _ := e.describe(h.s.Lang, h.s.Draft)
	return Screen{Key: "book.duplicate", End: true, Text: e.msgs.Text(h.s.Lang, "book.duplicate", svc, date)}, nil
}

// listScreen is a screen of numbered choices with the back and main-menu conventions.
func (e *Engine) listScreen(l crm.Lang, key string, opts []Option) Screen {
	return Screen{Key: key, Text: e.msgs.Text(l, key), Input: InputChoice, Options: opts, Nav: true}
}

// describe renders a draft's service, centre, date and time for a citizen, the time as a
// screen with options has room for it (Messages.ListTime).
func (e *Engine) describe(l crm.Lang, d Draft) (service, centre, date, at string) {
	cat := e.desk.Catalog()
	if s, ok := cat.Service(d.Service); ok {
		service = s.Label(l)
	}
	if c, ok := cat.Centre(d.Centre); ok {
		centre = centreLabel(c)
	}
	if day, ok := parseDay(d.Day); ok {
		date = e.msgs.Date(l, day)
	}
	return service, centre, date, e.msgs.ListTime(l, d.Start)
}

// centreLabel is the centre's name without the words "Huduma Centre", which every screen
// already says in the citizen's language.
func centreLabel(c crm.Centre) string { return strings.TrimPrefix(c.Name, "Huduma Centre ") }

func parseDay(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}
