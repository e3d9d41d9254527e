package ussd

import (
	"context"
	"strings"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// door is USSD's side of the hop loop (flows.Door). Africa's Talking sends a session's whole
// input history joined by "*" on every hop: the history tells a repeat (the same history) and
// a late copy of an earlier hop (a shorter one) from new input, and the newest input is the
// part after what the session has seen.
type door struct {
	engine *flows.Engine
	msgs   *flows.Messages
	render renderer
}

func (d *door) Incoming(req Request) flows.Incoming {
	return flows.Incoming{Key: req.SessionID, Caller: req.PhoneNumber, Request: req.Text, Opening: req.Text == ""}
}

// Overtaken reports whether the hop's history is that of a hop before the one seen: AT's
// history only grows within a session. (A copy of the first hop, whose history is empty, is
// an opening request: the loop answers it as a repeat.)
func (d *door) Overtaken(s *flows.Session, req Request) bool {
	seen, text := s.LastRequest, req.Text
	return len(seen) > len(text) && seen[len(text)] == '*' && strings.HasPrefix(seen, text)
}

// Step pages through a long list (98 for more, 0 for the page before) without bothering the
// menus, and hands every other input to them.
func (d *door) Step(ctx context.Context, s *flows.Session, req Request) (string, error) {
	if len(req.Text) > MaxText {
		return "", flows.Ending("notice.too_long")
	}
	switch input := newestInput(s.LastRequest, req.Text); {
	case input == "98" && !s.Screen.End && d.render.morePages(s):
		s.Page++
		s.Error = ""
	case input == "0" && s.Page > 0:
		s.Page--
		s.Error = ""
	default:
		return "", d.engine.Step(ctx, s, input)
	}
	return "", nil
}

func (d *door) Render(s *flows.Session, _ Request, _ string) string { return d.render.render(s) }

// Notice ends the session with one catalogue entry; before the citizen's language is known,
// in both.
func (d *door) Notice(l crm.Lang, key string) string {
	if l == "" {
		return "END " + d.msgs.Both(key)
	}
	return "END " + d.msgs.Text(l, key)
}

func (d *door) Answered(context.Context, *flows.Session, Request) {}

// newestInput is what the citizen typed on this hop. Africa's Talking sends the whole history
// joined by "*"; the part after what we already saw is new (it may itself contain "*").
func newestInput(seen, text string) string {
	switch {
	case seen == "":
		return text
	case len(text) > len(seen) && text[len(seen)] == '*' && strings.HasPrefix(text, seen):
		return text[len(seen)+1:]
	}
	// The history does not extend what we saw (an aggregator that trims it): take the
	// last field, the one thing every aggregator agrees is the latest input.
	return text[strings.LastIndexByte(text, '*')+1:]
}
