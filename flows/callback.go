package flows

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// "Talk to an agent" books a call back: the citizen picks a window (as soon as possible, or a
// morning or afternoon), and a callback case is opened for it.

// Each window option carries its own times ("asap:" From-To, in Unix seconds), so the handler
// books exactly what the citizen read, however long ago the list was drawn, and a repeated hop
// books the same window.
const asapPrefix = "asap:"

// asapSoon is how far off an "as soon as possible" window may start and still be called
// that without its times: within it, the contact centre is open now.
const asapSoon = 15 * time.Minute

func windowValue(w crm.CallbackWindow) string {
	v := strconv.FormatInt(w.From.Unix(), 10) + "-" + strconv.FormatInt(w.To.Unix(), 10)
	if w.ASAP {
		v = asapPrefix + v
	}
	return v
}

func parseWindow(v string) (crm.CallbackWindow, bool) {
	rest, asap := strings.CutPrefix(v, asapPrefix)
	from, to, ok := strings.Cut(rest, "-")
	if !ok {
		return crm.CallbackWindow{}, false
	}
	f, err1 := strconv.ParseInt(from, 10, 64)
	t, err2 := strconv.ParseInt(to, 10, 64)
	if err1 != nil || err2 != nil {
		return crm.CallbackWindow{}, false
	}
	return crm.CallbackWindow{From: time.Unix(f, 0).UTC(), To: time.Unix(t, 0).UTC(), ASAP: asap}, true
}

func (e *Engine) buildCallbackWindow(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	windows := e.cases.CallbackWindows()
	opts := make([]Option, len(windows))
	for i, w := range windows {
		label := e.msgs.Text(l, "callback.asap")
		if !w.ASAP {
			date, from, to := e.windowTimes(l, w, false)
			label = e.msgs.Text(l, "callback.window", date, from, to)
		}
		opts[i] = Option{Label: label, Value: windowValue(w)}
	}
	return e.listScreen(l, "callback.title", opts), nil
}

// windowTimes renders a window's day and local times in the centres' time zone; long adds
// the 24-hour figures (on the last screen, where there is room).
func (e *Engine) windowTimes(l crm.Lang, w crm.CallbackWindow, long bool) (date, from, to string) {
	loc := e.desk.Calendar().Location
	if loc == nil {
		loc = time.UTC
	}
	f, t := w.From.In(loc), w.To.In(loc)
	from, to = e.msgs.Span(l, f.Hour()*60+f.Minute(), t.Hour()*60+t.Minute(), long)
	return e.msgs.Date(l, f), from, to
}

// handleCallbackWindow opens the callback case for the chosen window. The session names it,
// so a repeated hop opens one case. A window that has passed since the list was drawn is
// refused by the domain: the list is drawn again with a word of explanation.
func (e *Engine) handleCallbackWindow(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	w, ok := parseWindow(opt.Value)
	if !ok {
		return "", errors.New("callback option without a window: " + opt.Value)
	}
	c, err := e.cases.RequestCallback(ctx, crm.CallbackRequest{
		Phone: h.s.Phone, Lang: h.s.Lang, Window: w, IdempotencyKey: h.s.ID + ":callback",
	})
	if errors.Is(err, crm.ErrBadInput) {
		sc, err := e.buildCallbackWindow(ctx, h)
		if err != nil {
			return "", err
		}
		h.s.Screen, h.s.Page = sc, 0
		return "", userError{"err.window"}
	}
	if err != nil {
		return "", err
	}
	h.s.Draft = Draft{WindowFrom: w.From.Unix(), WindowTo: w.To.Unix(), ASAP: w.ASAP, Case: c.Number}
	h.caseID = c.ID
	return eventNext, nil
}

func (e *Engine) buildCallbackDone(_ context.Context, h *hop) (Screen, error) {
	l, d := h.s.Lang, h.s.Draft
	when := e.msgs.Text(l, "callback.when.asap")
	window := crm.CallbackWindow{From: time.Unix(d.WindowFrom, 0), To: time.Unix(d.WindowTo, 0)}
	switch {
	case !d.ASAP:
		date, from, to := e.windowTimes(l, window, true)
		when = e.msgs.Text(l, "callback.when", date, from, to)
	case window.From.After(e.desk.Now().Add(asapSoon)):
		// Asked for outside hours: "as soon as possible" is when the contact centre opens,
		// and the citizen is told when that is.
		date, from, to := e.windowTimes(l, window, true)
		when = e.msgs.Text(l, "callback.when.asap_later", date, from, to)
	}
	return Screen{Key: "callback.done", End: true, Text: e.msgs.Text(l, "callback.done", when, d.Case.Grouped()), CaseID: h.caseID}, nil
}
