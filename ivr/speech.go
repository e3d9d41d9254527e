package ivr

import (
	"regexp"
	"slices"
	"strings"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// How a screen is spoken.
//
//   - The prompt, then each option of the page, the choice first and then the key: "To check
//     a status, press 1." / "Kuangalia hali ya ombi au kesi, bonyeza 1." (numbers restart at 1
//     on every page, so a choice is always one key), then "For more choices, press 9." when
//     the list goes on, "To go back, press star." where the menus allow it, and on the main
//     menu "To speak to an agent, press 0." Actions read as sentences through the catalogue's
//     voice: labels ("Kuangalia …", "To check …").
//   - A reference (shown grouped, 600 042 550) is read digit by digit in its three groups;
//     line breaks become sentence breaks.
//   - English is spoken by Africa's Talking's text-to-speech (<Say voice="woman">).
//     Kiswahili is played from the operator's recordings (<Play>) when every part of the
//     screen has one: parts are the error line, the menu (its prompt and options, recorded
//     as one piece under the screen's key, for screens whose words never change) and the
//     navigation hints, each under its catalogue key. Otherwise, the fallback, the whole
//     screen is spoken by text-to-speech from the Kiswahili catalogue text, so a caller
//     always hears the menu, in their language's words, even before any recording exists.
//     Screens with parts that change (a reference, a date, a centre's name) therefore always
//     use the fallback: recorded digits and dates spliced together were judged not worth
//     their cost for the few screens that carry them.

// Voice is the text-to-speech voice.
const Voice = "woman"

// perPage is how many options one spoken page offers: keys 1–8, with 9 for more.
const perPage = 8

// PromptKeys are the catalogue keys the voice menus can play from a recording (in Kiswahili,
// when the audio table has it): the menus whose words never change, error lines, navigation
// hints and notices. A test walks every voice menu and fails if it plays a key missing here.
var PromptKeys = []string{
	"language.title", "main.title", "appts.none", "status.prompt", "status.rated",
	"complaint.category", "complaint.cancelled",
	"voice.complaint.record", "voice.message.record", "voice.queue", "voice.agent.closed", "voice.agent.busy",
	"err.choice", "err.gone", "err.changed", "err.window",
	"status.err.bad", "status.err.unknown", "voice.err.recording",
	"voice.nav.more", "voice.nav.back", "voice.nav.agent",
	"voice.silence", "voice.goodbye", "voice.restart",
	"notice.system", "notice.slow", "notice.busy", "notice.not_kenyan",
	"voice.agentline.unknown", "voice.agentline.connecting", "voice.outbound.connecting", "voice.outbound.unavailable",
}

// Speaker turns menu screens and notices into voice actions.
type Speaker struct {
	msgs  *flows.Messages
	audio *Audio
	// static maps, per language, a catalogue text that takes no arguments back to its key,
	// so an error line (which the session keeps as text) can be played from its recording.
	static map[crm.Lang]map[string]string
}

// NewSpeaker speaks the catalogue msgs (the voice menus' own, see flows.NewVoiceEngine), with
// the recordings in audio (nil: none).
func NewSpeaker(msgs *flows.Messages, audio *Audio) *Speaker {
	if audio == nil {
		audio = NoAudio()
	}
	sp := &Speaker{msgs: msgs, audio: audio, static: map[crm.Lang]map[string]string{}}
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		m := map[string]string{}
		for _, k := range msgs.Keys() { // sorted: the first key of a shared text wins
			if strings.Contains(k, ":") {
				continue
			}
			if v := msgs.Text(l, k); !strings.Contains(v, "%") {
				if _, taken := m[v]; !taken {
					m[v] = k
				}
			}
		}
		sp.static[l] = m
	}
	return sp
}

// part is one piece of what is said: its text, and the key of its recording ("" when its
// words change and no recording can exist). also is English said after the recording when
// the part is played (a notice before the caller's language is known: Kiswahili recorded,
// then English); text then holds both, for speech.
type part struct{ key, text, also string }

// audioLang is the language whose recordings a session's screens use: the language screen,
// before a choice, is Kiswahili first (it greets in both).
func audioLang(l crm.Lang) crm.Lang {
	if l == "" {
		return crm.Swahili
	}
	return l
}

// noMenu is the menu index of parts that carry no screen's options.
const noMenu = -1

// Prompts renders parts as what a caller hears: one Say in English; in Kiswahili one Play per
// part when every part is recorded, else one Say of the Kiswahili text (the fallback). When
// parts are played, the one at index menu (the screen's own recording, with its options) is
// played last, after the notices, error line and navigation hints: only the last prompt sits
// inside the action that collects keys, and a key pressed while the options are read must
// count. Each hint is a sentence of its own, so saying it first keeps its meaning.
func (sp *Speaker) prompts(l crm.Lang, parts []part, menu int) []Prompt {
	if len(parts) == 0 {
		return nil
	}
	if l != crm.English {
		if plays := sp.plays(audioLang(l), parts, menu); plays != nil {
			return plays
		}
	}
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
	}
	return []Prompt{&Say{Voice: Voice, Text: strings.Join(texts, " ")}}
}

// plays is parts played from the recordings of al, the menu part last; nil unless every part
// has a recording.
func (sp *Speaker) plays(al crm.Lang, parts []part, menu int) []Prompt {
	order := make([]part, 0, len(parts))
	for i, p := range parts {
		if i != menu {
			order = append(order, p)
		}
	}
	if menu >= 0 && menu < len(parts) {
		order = append(order, parts[menu])
	}
	out := make([]Prompt, 0, len(order))
	for _, p := range order {
		u := sp.audio.URL(al, p.key)
		if u == "" {
			return nil
		}
		out = append(out, &Play{URL: u})
		if p.also != "" {
			out = append(out, &Say{Voice: Voice, Text: p.also})
		}
	}
	return out
}

// notice is a catalogue entry said on its own.
func (sp *Speaker) notice(l crm.Lang, key string) part {
	return part{key: key, text: sp.msgs.Text(l, key)}
}

// Notice is a response that says one catalogue entry and ends the call. Before the caller's
// language is known (l empty) it is said in both, Kiswahili first.
func (sp *Speaker) Notice(l crm.Lang, key string) Response {
	var r Response
	if l == "" {
		for _, p := range sp.prompts(crm.Swahili, []part{sp.notice(crm.Swahili, key)}, noMenu) {
			r.Actions = append(r.Actions, p)
		}
		l = crm.English
	}
	for _, p := range sp.prompts(l, []part{sp.notice(l, key)}, noMenu) {
		r.Actions = append(r.Actions, p)
	}
	return r
}

// screenParts is what the session's current screen (its current page) says, after the
// notices named in preface (e.g. "we did not hear anything"); menu is the index of the part
// that carries the screen's prompt and options. Before the caller's language is known, the
// notices are said in both, Kiswahili first, as the language menu greets.
func (sp *Speaker) screenParts(s *flows.Session, preface ...string) (parts []part, menu int) {
	l, al, sc := s.Lang, audioLang(s.Lang), &s.Screen
	parts = make([]part, 0, 6)
	for _, key := range preface {
		if l == "" {
			sw, en := sp.msgs.Text(crm.Swahili, key), sp.msgs.Text(crm.English, key)
			parts = append(parts, part{key: key, text: sw + " " + en, also: en})
			continue
		}
		parts = append(parts, sp.notice(l, key))
	}
	if s.Error != "" {
		parts = append(parts, part{key: sp.static[al][s.Error], text: speakable(s.Error)})
	}
	first, last := page(s)
	words, static := sp.menuWords(l, sc, first, last)
	key := ""
	if static && s.Page == 0 {
		key = sc.Key
	}
	menu = len(parts)
	parts = append(parts, part{key: key, text: words})
	if sc.End || sc.Input == flows.InputRecording {
		return parts, menu
	}
	if last < len(sc.Options) {
		parts = append(parts, sp.notice(l, "voice.nav.more"))
	}
	if sc.Nav || s.Page > 0 {
		parts = append(parts, sp.notice(l, "voice.nav.back"))
	}
	if sc.Key == "main.title" {
		parts = append(parts, sp.notice(l, "voice.nav.agent"))
	}
	return parts, menu
}

// menuWords is what a screen's prompt and its options [first, last) say in l, and whether
// those words never change (a recording can say them: no number, date or name in them).
func (sp *Speaker) menuWords(l crm.Lang, sc *flows.Screen, first, last int) (string, bool) {
	al := audioLang(l)
	var words strings.Builder
	words.WriteString(sentence(speakable(sc.Text)))
	static := sc.Key != "" && sc.Text == sp.msgs.Text(al, sc.Key) && !strings.Contains(sc.Text, "%")
	for i := first; i < last; i++ {
		opt := sc.Options[i]
		ol := l
		if sc.Key == "language.title" { // each language is offered in its own words
			ol = crm.Lang(opt.Value)
		}
		if _, ok := sp.static[al][opt.Label]; !ok {
			static = false
		}
		words.WriteByte(' ')
		words.WriteString(sp.msgs.Text(ol, "voice.press", i-first+1, opt.Label))
	}
	return strings.TrimSpace(words.String()), static
}

// script is the text a recording of key in l must say: for a menu recorded whole (see
// flows.Engine.FixedScreens) its prompt and the first page of its options, as menuWords
// says them; for anything else the catalogue entry. ok is false for a key the catalogue no
// longer has.
func (sp *Speaker) script(fixed map[crm.Lang][]flows.Screen, l crm.Lang, key string) (string, bool) {
	for i := range fixed[l] {
		if sc := &fixed[l][i]; sc.Key == key {
			s := &flows.Session{Lang: l, Screen: *sc}
			if key == "language.title" {
				s.Lang = ""
			}
			first, last := page(s)
			words, _ := sp.menuWords(s.Lang, sc, first, last)
			return words, true
		}
	}
	if !slices.Contains(sp.msgs.Keys(), key) {
		return "", false
	}
	return sp.msgs.Text(l, key), true
}

// page gives the options [first, last) spoken on the session's page.
func page(s *flows.Session) (first, last int) {
	n := len(s.Screen.Options)
	first = min(s.Page*perPage, n)
	return first, min(first+perPage, n)
}

// morePages reports whether the screen's list goes on after the current page.
func morePages(s *flows.Session) bool {
	_, last := page(s)
	return last < len(s.Screen.Options)
}

// sentence ends text with a full stop unless it ends a sentence already, so the options read
// after it do not run into it.
func sentence(text string) string {
	if text == "" || strings.ContainsRune(".:?!", rune(text[len(text)-1])) {
		return text
	}
	return text + "."
}

// refPattern matches a reference as screens show it, grouped: "600 042 550".
var refPattern = regexp.MustCompile(`\b(\d)(\d)(\d) (\d)(\d)(\d) (\d)(\d)(\d)\b`)

// speakable turns screen text into something read aloud well: references digit by digit, in
// their groups, and line breaks as sentence breaks.
func speakable(text string) string {
	text = refPattern.ReplaceAllString(text, "$1 $2 $3, $4 $5 $6, $7 $8 $9")
	lines := strings.Split(text, "\n")
	var b strings.Builder
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			prev := b.String()[b.Len()-1]
			if !strings.ContainsRune(".:?!,;", rune(prev)) {
				b.WriteByte('.')
			}
			b.WriteByte(' ')
		}
		b.WriteString(line)
	}
	return b.String()
}

// Timing of the actions that wait for the caller.
const (
	choiceTimeout = 10  // seconds to press a key for a menu choice
	digitsTimeout = 20  // seconds to key in a number and press #
	maxRecording  = 120 // seconds of a recorded message
)

// links are where the caller's answer to a screen goes: next with keys or a recording,
// silent when the caller did nothing (the action after GetDigits or Record runs then).
type links struct{ next, silent string }

// Screen renders the session's current screen as a response: the prompt inside the action
// that waits for the caller's answer (GetDigits, Record), followed by a Redirect that comes
// back when the caller does nothing; on a last screen, the words and, for the agent queue,
// the Enqueue.
func (sp *Speaker) Screen(s *flows.Session, to links, holdMusic string, preface ...string) Response {
	parts, menu := sp.screenParts(s, preface...)
	sc := &s.Screen
	if sc.End {
		menu = noMenu // nothing waits for keys: said in reading order
	}
	prompts := sp.prompts(s.Lang, parts, menu)
	var r Response
	if sc.End {
		for _, p := range prompts {
			r.Actions = append(r.Actions, p)
		}
		if sc.Queue != "" {
			r.Actions = append(r.Actions, &Enqueue{Name: sc.Queue, HoldMusic: holdMusic})
		}
		return r
	}
	// Only the last prompt can sit inside the waiting action (it wraps exactly one): the
	// screen's options (prompts puts them last); any before it are played first.
	for _, p := range prompts[:len(prompts)-1] {
		r.Actions = append(r.Actions, p)
	}
	last := prompts[len(prompts)-1]
	switch sc.Input {
	case flows.InputRecording:
		r.Actions = append(r.Actions, &Record{FinishOnKey: "#", MaxLength: maxRecording, TrimSilence: true, PlayBeep: true,
			CallbackURL: to.next, Prompt: last})
	case flows.InputText:
		r.Actions = append(r.Actions, &GetDigits{Timeout: digitsTimeout, FinishOnKey: "#", CallbackURL: to.next, Prompt: last})
	default:
		r.Actions = append(r.Actions, &GetDigits{Timeout: choiceTimeout, FinishOnKey: "#", NumDigits: 1, CallbackURL: to.next, Prompt: last})
	}
	r.Actions = append(r.Actions, &Redirect{URL: to.silent})
	return r
}
