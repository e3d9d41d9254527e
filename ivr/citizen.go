package ivr

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// A citizen's call runs the voice menus. Its state is a flows.Session kept in the session
// store under "voice:" and Africa's Talking's sessionId (so it can never meet a USSD
// session's key). Every answer is numbered (Session.Hops) and every callbackUrl carries the
// number of the answer it belongs to, which tells a new key press from a callback Africa's
// Talking repeats: a repeat gets the same XML, and nothing runs again. The callback runs
// through the menus' hop loop (flows.Loop), as a USSD hop does; door is the voice side of it.

// SessionKey is the session store key of a call.
func SessionKey(sessionID string) string { return "voice:" + sessionID }

// firstRequest is LastRequest after the first callback of a call.
const firstRequest = "start"

// menuCallback is a citizen's callback as the hop loop carries it: with the scheme and host
// its answer's callbackUrls are built on.
type menuCallback struct {
	Callback
	base string
}

// door is the voice channel's side of the hop loop (flows.Door): it reads keys and
// recordings as menu input and speaks screens as XML.
type door struct{ h *Handler }

func (d door) Incoming(c menuCallback) flows.Incoming {
	return flows.Incoming{Key: SessionKey(c.SessionID), Caller: c.CallerNumber, Request: requestOf(c.Callback), Opening: !c.HasStep}
}

// Overtaken reports a callback for an answer since replaced (each answer's number rides in
// its callbackUrl), or one after the call's last screen.
func (d door) Overtaken(s *flows.Session, c menuCallback) bool {
	return c.Step != s.Hops || s.Screen.End
}

func (d door) Step(ctx context.Context, s *flows.Session, c menuCallback) (string, error) {
	return d.h.step(ctx, s, c.Callback)
}

// Render speaks the screen after the notice. The count of prompts in a row the caller let
// pass rides in the callbackUrls: it goes up after a silence, and back to 0 after a key.
func (d door) Render(s *flows.Session, c menuCallback, notice string) string {
	h := d.h
	if notice == "" {
		return string(h.speak.Screen(s, h.links(c.base, s.Hops, 0), h.cfg.HoldMusic).Bytes())
	}
	silences := 0
	if notice == "voice.silence" {
		silences = c.Silences + 1
	}
	return string(h.speak.Screen(s, h.links(c.base, s.Hops, silences), h.cfg.HoldMusic, notice).Bytes())
}

func (d door) Notice(l crm.Lang, key string) string { return string(d.h.speak.Notice(l, key).Bytes()) }

// Answered merges what the callback did into the call's record.
func (d door) Answered(ctx context.Context, s *flows.Session, c menuCallback) {
	d.h.record(ctx, callEvent(c.Callback, s))
}

// requestOf is what identifies a callback's input, for telling a repeat from a new one.
func requestOf(cb Callback) string {
	if !cb.HasStep {
		return firstRequest
	}
	return fmt.Sprintf("%d|%d|%t|%s|%s", cb.Step, cb.Silences, cb.Timeout, cb.Digits, cb.RecordingURL)
}

// step applies one callback's input to the session. It returns the notice to say before the
// screen (after silence: "we did not hear anything"). Errors are failures of the system.
func (h *Handler) step(ctx context.Context, s *flows.Session, cb Callback) (string, error) {
	input := strings.TrimRight(cb.Digits, "#")
	if s.Screen.Input == flows.InputRecording {
		input = cb.RecordingURL
	}
	if cb.Timeout || cb.Digits == "" && input == "" {
		return h.silence(s, cb), nil
	}
	if input == "" && s.Screen.Input != flows.InputText && s.Screen.Input != flows.InputRecording {
		// A bare "#" is a key pressed, not silence: the choice is wrong.
		s.Error = h.wrongChoice(s.Lang)
		return "", nil
	}
	if input == "" {
		return h.silence(s, cb), nil
	}
	s.Error = ""
	switch {
	case s.Screen.Input == flows.InputRecording:
		return "", h.engine.Step(ctx, s, input)
	case input == "0" && h.engine.AgentReachable(s):
		return "", h.engine.TalkToAgent(ctx, s)
	case input == "*" && s.Page > 0:
		s.Page--
		return "", nil
	case input == "*" && s.Screen.Nav:
		return "", h.engine.Step(ctx, s, "0") // the menus' "back"
	case s.Screen.Input == flows.InputText:
		return "", h.engine.Step(ctx, s, input)
	case input == "9" && morePages(s):
		s.Page++
		return "", nil
	}
	// A menu choice: one key, 1–8, counted from the first option of the page.
	n, err := strconv.Atoi(input)
	first, last := page(s)
	if err != nil || len(input) != 1 || n < 1 || first+n > last {
		s.Error = h.wrongChoice(s.Lang)
		return "", nil
	}
	return "", h.engine.Step(ctx, s, strconv.Itoa(first+n))
}

// wrongChoice is the error line for a key that matches nothing; before the caller's language
// is known, it is said in both (Kiswahili first, as the language menu greets).
func (h *Handler) wrongChoice(l crm.Lang) string {
	if l == "" {
		return h.msgs.Text(crm.Swahili, "err.choice") + " " + h.msgs.Text(crm.English, "err.choice")
	}
	return h.msgs.Text(l, "err.choice")
}

// silence answers a prompt the caller let pass: the prompt again, twice, then a goodbye.
func (h *Handler) silence(s *flows.Session, cb Callback) string {
	if cb.Silences >= maxSilences {
		text := h.msgs.Text(s.Lang, "voice.goodbye")
		if s.Lang == "" { // still on the language menu: in both
			text = h.msgs.Text(crm.Swahili, "voice.goodbye") + "\n" + h.msgs.Text(crm.English, "voice.goodbye")
		}
		s.Error, s.Page = "", 0
		s.Screen = flows.Screen{Key: "voice.goodbye", Text: text, End: true}
		return ""
	}
	return "voice.silence"
}
