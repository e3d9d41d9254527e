package flows

import (
	"context"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// The language screen is bilingual: the citizen has not chosen yet. Reached from the main
// menu it also offers the way back.
func (e *Engine) buildLanguage(_ context.Context, h *hop) (Screen, error) {
	l := h.s.Lang
	if l == "" {
		l = crm.Swahili
	}
	return Screen{
		Key: "language.title", Text: e.msgs.Text(l, "language.title"), Input: InputChoice,
		Options: e.options(l, "language.en", "language.sw"),
		Nav:     h.s.Lang != "",
	}, nil
}

func (e *Engine) handleLanguage(ctx context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	l := crm.Lang(opt.Value)
	if err := e.desk.SetLanguage(ctx, h.s.Phone, l); err != nil {
		return "", err
	}
	h.s.Lang = l
	return eventChosen, nil
}

func (e *Engine) buildMain(_ context.Context, h *hop) (Screen, error) {
	h.s.Draft = Draft{}
	keys := []string{"main.book", "main.appointments", "main.status", "main.complaint", "main.agent", "main.language"}
	if h.s.Channel == ChannelVoice {
		keys = voiceMainOptions
	}
	return Screen{
		Key: "main.title", Text: e.msgs.Text(h.s.Lang, "main.title"), Input: InputChoice,
		Options: e.options(h.s.Lang, keys...),
	}, nil
}

func (e *Engine) handleMain(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if ev := mainMenuEvents[opt.Value]; ev != eventComplaint || h.s.Channel != ChannelVoice {
		return ev, nil
	}
	return eventVoiceComplaint, nil
}

// mainMenuEvents maps the main menu's options to their events.
var mainMenuEvents = map[string]string{
	"book": eventBook, "appointments": eventAppts, "status": eventStatus, "complaint": eventComplaint,
	"agent": eventAgent, "language": eventLanguage,
}

// The resume screen reminds the citizen what they had chosen, so "continue" is an informed
// choice.
func (e *Engine) buildResume(_ context.Context, h *hop) (Screen, error) {
	d, l, cat := h.s.Draft, h.s.Lang, e.desk.Catalog()
	var so []string
	if svc, ok := cat.Service(d.Service); ok {
		so = append(so, svc.Label(l))
	}
	if ct, ok := cat.Centre(d.Centre); ok {
		so = append(so, centreLabel(ct))
	} else if d.County != "" {
		so = append(so, d.County)
	}
	if day, ok := parseDay(d.Day); ok {
		so = append(so, e.msgs.Date(l, day))
	}
	return Screen{
		Key: "resume.title", Text: e.msgs.Text(l, "resume.title", strings.Join(so, ", ")), Input: InputChoice,
		Options: e.options(l, "resume.continue", "resume.restart"),
	}, nil
}

func (e *Engine) handleResume(_ context.Context, h *hop, input string) (string, error) {
	opt, err := choice(h.s, input)
	if err != nil {
		return "", err
	}
	if opt.Value == "continue" {
		return eventResume + h.s.Draft.ResumeState, nil
	}
	h.s.Draft = Draft{}
	return eventRestart, nil
}

// final builds an end screen with a fixed text.
func (e *Engine) final(key string) func(context.Context, *hop) (Screen, error) {
	return func(_ context.Context, h *hop) (Screen, error) {
		return Screen{Key: key, Text: e.msgs.Text(h.s.Lang, key), End: true}, nil
	}
}
