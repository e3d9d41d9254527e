package ivr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// A citizen's call runs the voice menus. Its state is a flows.Session kept in the session
// store under "voice:" and Africa's Talking's sessionId (so it can never meet a USSD
// session's key). Every answer is numbered (Session.Hops) and every callbackUrl carries the
// number of the answer it belongs to, which tells a new key press from a callback Africa's
// Talking repeats: a repeat gets the same XML, and nothing runs again.

// SessionKey is the session store key of a call.
func SessionKey(sessionID string) string { return "voice:" + sessionID }

// firstRequest is LastRequest after the first callback of a call.
const firstRequest = "start"

func (h *Handler) citizen(ctx context.Context, cb Callback, base string) []byte {
	return h.citizenOnce(ctx, cb, base, true)
}

// citizenOnce handles the callback on the call's session as loaded. When the save finds the
// session changed since (the same callback handled at the same moment, here or on another
// replica), it runs once more on the session as stored, where it is usually a repeat and
// answered as before. What the first run did again is harmless: a call's cases are keyed by
// the call, and cancelling is idempotent.
func (h *Handler) citizenOnce(ctx context.Context, cb Callback, base string, retry bool) []byte {
	phone, err := crm.ParsePhone(cb.CallerNumber)
	if err != nil {
		h.log.Info("call from a non-Kenyan number", "phone", crm.MaskPhone(cb.CallerNumber), "session", cb.SessionID)
		return h.speak.Notice("", "notice.not_kenyan").Bytes()
	}
	request := requestOf(cb)
	var preface []string
	s, err := h.sessions.Load(ctx, SessionKey(cb.SessionID))
	switch {
	case errors.Is(err, flows.ErrNoSession):
		s = &flows.Session{ID: SessionKey(cb.SessionID), Phone: phone, Channel: flows.ChannelVoice}
		if cb.HasStep {
			// A callback for an answer we have no record of (the session expired, or a
			// replica lost it): we cannot know what the keys meant, so we start again.
			h.log.Info("voice callback for an unknown call; starting afresh", "phone", phone, "session", cb.SessionID)
			preface = []string{"voice.restart"}
		}
		err = h.engine.Start(ctx, s, nil)
	case err != nil:
		return h.fail(ctx, nil, err, "load session")
	case s.Phone != phone:
		h.log.Warn("voice session id reused by another phone", "phone", phone, "session", cb.SessionID)
		return h.speak.Notice("", "notice.system").Bytes()
	case request == s.LastRequest, !cb.HasStep, cb.Step != s.Hops, s.Screen.End:
		// Africa's Talking repeated a callback, or one for an answer since replaced arrived
		// late: the answer already given stands.
		return []byte(s.LastReply)
	default:
		preface, err = h.step(ctx, s, cb)
	}
	if err != nil {
		return h.fail(ctx, s, err, "step")
	}

	silences := 0
	if len(preface) > 0 && preface[0] == "voice.silence" {
		silences = cb.Silences + 1
	}
	s.Hops++
	reply := h.speak.Screen(s, h.links(base, s.Hops, silences), h.cfg.HoldMusic, preface...).Bytes()
	s.LastRequest, s.LastReply = request, string(reply)
	// Save even if the deadline has just passed: what the answer promises is committed, and
	// the session must remember it to answer a repeat the same way.
	saveCtx, cancelSave := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancelSave()
	if err := h.sessions.Save(saveCtx, s, false); err != nil {
		if errors.Is(err, flows.ErrStaleSession) && retry {
			h.log.Debug("voice session changed while the callback ran; running it again", "phone", phone, "session", cb.SessionID)
			return h.citizenOnce(ctx, cb, base, false)
		}
		if !s.Screen.End {
			return h.fail(ctx, s, err, "save session")
		}
		h.log.Error("save ended voice session", "err", err, "phone", phone, "session", cb.SessionID)
	}
	h.record(saveCtx, callEvent(cb, s))
	h.log.Debug("voice hop", "phone", phone, "session", cb.SessionID, "state", s.State, "hops", s.Hops)
	return reply
}

// requestOf is what identifies a callback's input, for telling a repeat from a new one.
func requestOf(cb Callback) string {
	if !cb.HasStep {
		return firstRequest
	}
	return fmt.Sprintf("%d|%d|%t|%s|%s", cb.Step, cb.Silences, cb.Timeout, cb.Digits, cb.RecordingURL)
}

// step applies one callback's input to the session. It returns the notices to say before the
// screen (after silence: "we did not hear anything"). Errors are failures of the system.
func (h *Handler) step(ctx context.Context, s *flows.Session, cb Callback) ([]string, error) {
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
		return nil, nil
	}
	if input == "" {
		return h.silence(s, cb), nil
	}
	s.Error = ""
	switch {
	case s.Screen.Input == flows.InputRecording:
		return nil, h.engine.Step(ctx, s, input)
	case input == "0" && h.engine.AgentReachable(s):
		return nil, h.engine.TalkToAgent(ctx, s)
	case input == "*" && s.Page > 0:
		s.Page--
		return nil, nil
	case input == "*" && s.Screen.Nav:
		return nil, h.engine.Step(ctx, s, "0") // the menus' "back"
	case s.Screen.Input == flows.InputText:
		return nil, h.engine.Step(ctx, s, input)
	case input == "9" && morePages(s):
		s.Page++
		return nil, nil
	}
	// A menu choice: one key, 1–8, counted from the first option of the page.
	n, err := strconv.Atoi(input)
	first, last := page(s)
	if err != nil || len(input) != 1 || n < 1 || first+n > last {
		s.Error = h.wrongChoice(s.Lang)
		return nil, nil
	}
	return nil, h.engine.Step(ctx, s, strconv.Itoa(first+n))
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
func (h *Handler) silence(s *flows.Session, cb Callback) []string {
	if cb.Silences >= maxSilences {
		text := h.msgs.Text(s.Lang, "voice.goodbye")
		if s.Lang == "" { // still on the language menu: in both
			text = h.msgs.Text(crm.Swahili, "voice.goodbye") + "\n" + h.msgs.Text(crm.English, "voice.goodbye")
		}
		s.Error, s.Page = "", 0
		s.Screen = flows.Screen{Key: "voice.goodbye", Text: text, End: true}
		return nil
	}
	return []string{"voice.silence"}
}

// fail ends the call politely when the system, not the caller, failed.
func (h *Handler) fail(ctx context.Context, s *flows.Session, err error, what string) []byte {
	lang := crm.Lang("")
	attrs := []any{"err", err}
	if s != nil {
		lang = s.Lang
		attrs = append(attrs, "phone", s.Phone, "session", s.ID, "state", s.State)
	}
	key := "notice.system"
	if ctx.Err() != nil {
		key = "notice.slow"
	}
	h.log.Error("voice "+what+" failed", attrs...)
	return h.speak.Notice(lang, key).Bytes()
}
