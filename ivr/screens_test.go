package ivr_test

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ivr"
	"github.com/huduma-connect/huduma/store/storetest"
)

// walker walks calls through the voice menus, noting every state an answer was given in.
type walker struct {
	t       *testing.T
	w       *world
	lang    crm.Lang
	msgs    *flows.Messages
	visited map[string]bool
	calls   []*call
}

func (k *walker) label(key string) string { return k.msgs.Text(k.lang, key) }

// note records where the call stands after its latest answer.
func (k *walker) note(c *call) *call {
	k.visited[c.state().State] = true
	return c
}

func (k *walker) dial(p crm.Phone) *call {
	c := k.w.dial(k.t, p)
	k.calls = append(k.calls, c)
	return k.note(c)
}

// steps runs each step on the call and notes the state after it.
func (k *walker) steps(c *call, steps ...func(*call) *call) *call {
	for _, s := range steps {
		k.note(s(c))
	}
	return c
}

func pick(label string) func(*call) *call { return func(c *call) *call { return c.pick(label) } }
func press(keys string) func(*call) *call { return func(c *call) *call { return c.press(keys) } }
func record(c *call) *call                { return c.record() }

// walkAll walks every voice state of every menu in one language: the language choice (with a
// wrong key), appointments (keep one, cancel one), a ticket's and a case's status (and
// rating the case), a recorded complaint (sent, and cancelled), the agent queue, and both
// offers made when no agent can answer (a callback, a message), and a caller without
// appointments. Every answer is checked against the documented actions as it arrives.
func walkAll(t *testing.T, w *world, lang crm.Lang) *walker {
	ctx := storetest.Context(t)
	k := &walker{t: t, w: w, lang: lang, msgs: w.engine.Messages(), visited: map[string]bool{}}
	p := w.phone()

	ag, _, err := w.office.AddAgency(ctx, "NRB", "National Registration Bureau", w.office.ServicesOf("National Registration Bureau"))
	if err != nil {
		t.Fatal(err)
	}
	ticket, _, err := w.office.RegisterRequest(ctx, ag, crm.NewRequest{Phone: p, Service: "ID-NEW", Centre: "KSM",
		Ready: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := w.office.LodgeComplaint(ctx, crm.Complaint{Phone: p, Lang: lang, Centre: "KSM", Category: crm.CategoryLongWait,
		Description: "Waited five hours"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.office.Resolve(ctx, w.sup, resolved.ID, "A second clerk now works the ID desk."); err != nil {
		t.Fatal(err)
	}
	for i, svc := range []string{"BIRTH-CERT", "ID-NEW"} {
		if _, err := w.desk.Book(ctx, crm.Booking{Phone: p, Centre: "KSM", Service: svc, Day: time.Date(2026, 11, 25+i, 0, 0, 0, 0, time.UTC), Start: 10 * 60}); err != nil {
			t.Fatal(err)
		}
	}

	// The first call: the language, then the appointments.
	c := k.dial(p)
	if c.state().State != "language" {
		t.Fatalf("a first call opens on %s", c.state().State)
	}
	k.steps(c, press("7"))
	c.expect(k.msgs.Text(crm.English, "err.choice"))
	k.steps(c, pick(k.msgs.Text(lang, "language."+string(lang))), press("8"))
	if s := c.state(); s.State != "main" || s.Error != k.label("err.choice") {
		t.Fatalf("8 on the main menu left the call on %s with %q", s.State, s.Error)
	}
	k.steps(c, pick(k.label("main.appointments")), press("1"),
		pick(k.label("appt.cancel")), pick(k.label("appt.cancel.no")), pick(k.label("appt.cancel")), pick(k.label("appt.cancel.yes")))

	digits := func(r crm.Reference) func(*call) *call { return press(string(r) + "#") }
	// A ticket's status, then a case's, rated.
	k.steps(k.dial(p), pick(k.label("main.status")), digits(ticket.Ref), pick(k.label("voice.ref.confirm.yes")))
	k.steps(k.dial(p), pick(k.label("main.status")), digits(resolved.Number), pick(k.label("voice.ref.confirm.yes")),
		pick(k.label("case.rate")), pick(k.label("rating.good")))
	// A complaint, sent; another, cancelled.
	k.steps(k.dial(p), pick(k.label("main.complaint")), pick(k.label("category.long_wait")), record, pick(k.label("voice.complaint.confirm.yes")))
	k.steps(k.dial(p), pick(k.label("main.complaint")), pick(k.label("category.other")), record, pick(k.label("voice.complaint.confirm.no")))
	// The agent: the queue; then, the queue being full, a callback and a message.
	k.steps(k.dial(p), press("0"))
	w.dialer.set(map[string]int{flows.AgentQueue(lang): maxQueue}, nil)
	k.steps(k.dial(p), press("0"), pick(k.label("voice.agent.callback")), press("1"))
	k.steps(k.dial(p), press("0"), pick(k.label("voice.agent.message")), record)
	w.dialer.set(nil, nil)
	// Someone with no appointments.
	k.steps(k.dial(w.citizen(t, lang)), pick(k.label("main.appointments")))
	return k
}

// Every voice state of every menu, in both languages, answered with XML Africa's Talking
// documents; and every state a call can reach was reached.
func TestEveryVoiceScreenInBothLanguages(t *testing.T) {
	for _, lang := range []crm.Lang{crm.English, crm.Swahili} {
		t.Run(string(lang), func(t *testing.T) {
			w := newWorld(t, setup{})
			k := walkAll(t, w, lang)
			var missed []string
			for _, s := range w.engine.VoiceStates() {
				if !k.visited[s] {
					missed = append(missed, s)
				}
			}
			if len(missed) > 0 {
				t.Errorf("states never reached: %v", missed)
			}
			for _, c := range k.calls {
				for _, a := range c.answers {
					if lang == crm.Swahili && strings.Contains(strings.ToLower(a), "press ") && !strings.Contains(a, "Welcome to Huduma") {
						t.Errorf("a Kiswahili call heard English:\n%s", a)
					}
					if strings.Contains(a, "<Play") {
						t.Errorf("a Play without any recording configured:\n%s", a)
					}
				}
			}
		})
	}
}

// With a recording of every catalogue entry, Kiswahili screens whose words never change are
// played from recordings, screens with a number, a date or a name still fall back to speech,
// and the menus play nothing PromptKeys (the start-up warning's list) does not name.
func TestKiswahiliPlaysRecordings(t *testing.T) {
	w := newWorld(t, setup{audio: allRecorded(t)})
	k := walkAll(t, w, crm.Swahili)
	played := map[string]bool{}
	var says int
	for _, c := range k.calls {
		for _, a := range c.answers {
			root, err := ivr.Parse([]byte(a))
			if err != nil {
				t.Fatal(err)
			}
			// Whatever collects keys wraps the screen's own words, never a hint or notice
			// played before them.
			for _, n := range root.Children {
				if (n.Name == "GetDigits" || n.Name == "Record") && len(n.Children) == 1 && n.Children[0].Name == "Play" {
					if k := playedKey(n.Children[0]); !screenRecording(k) {
						t.Errorf("%s wraps %s, not the screen's options:\n%s", n.Name, k, a)
					}
				}
			}
			var walk func(n *ivr.Node)
			walk = func(n *ivr.Node) {
				switch n.Name {
				case "Play":
					played[playedKey(n)] = true
				case "Say":
					says++
				}
				for _, ch := range n.Children {
					walk(ch)
				}
			}
			walk(root)
		}
	}
	for key := range played {
		if !slices.Contains(ivr.PromptKeys, key) {
			t.Errorf("the menus play %s, which PromptKeys does not list (the start-up warning would miss it)", key)
		}
	}
	for _, key := range []string{"language.title", "main.title", "complaint.category", "voice.complaint.record", "voice.queue", "voice.nav.back", "err.choice"} {
		if !played[key] {
			t.Errorf("%s was never played; played %v", key, sortedKeys(played))
		}
	}
	if says == 0 {
		t.Error("no screen fell back to speech, yet some carry numbers and dates")
	}

	// Without a recording, the same screen is spoken from the catalogue text.
	none := newWorld(t, setup{})
	c := none.dial(t, none.citizen(t, crm.Swahili))
	c.expect("Karibu Huduma Kenya.", "Kuangalia hali ya ombi au kesi, bonyeza 1.", "Kuongea na mhudumu, bonyeza 0.")
	if c.waiting().Children[0].Name != "Say" {
		t.Fatalf("fallback is not speech:\n%s", c.body)
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// allRecorded is a recording of every catalogue entry, in Kiswahili.
func allRecorded(t *testing.T) *ivr.Audio {
	t.Helper()
	msgs, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("lang,key,url\n")
	for _, k := range msgs.Keys() {
		fmt.Fprintf(&csv, "sw,%s,https://audio.huduma.test/sw/%s.mp3\n", k, url.PathEscape(k))
	}
	audio, err := ivr.ReadAudio(strings.NewReader(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	return audio
}

// playedKey is the catalogue key of a Play of allRecorded.
func playedKey(n *ivr.Node) string {
	return strings.TrimSuffix(strings.TrimPrefix(n.Attr("url"), "https://audio.huduma.test/sw/"), ".mp3")
}

// screenRecording reports whether key is a screen's own recording (its prompt and options),
// not an error line, a notice or a navigation hint.
func screenRecording(key string) bool {
	for _, prefix := range []string{"err.", "voice.nav.", "voice.silence", "voice.restart", "voice.err.", "status.err.", "notice."} {
		if strings.HasPrefix(key, prefix) {
			return false
		}
	}
	return true
}

// With recordings, the part that carries a screen's options is the one inside GetDigits, so a
// key pressed while they are read counts; the error line and the hints are played before it.
func TestRecordedMenuIsInsideGetDigits(t *testing.T) {
	w := newWorld(t, setup{audio: allRecorded(t)})
	c := w.dial(t, w.citizen(t, crm.Swahili)).press("7")
	var before []string
	for _, n := range c.root.Children {
		if n.Name == "Play" {
			before = append(before, playedKey(n))
		}
	}
	g := c.waiting()
	if g == nil || g.Name != "GetDigits" || len(g.Children) != 1 || playedKey(g.Children[0]) != "main.title" {
		t.Fatalf("the main menu is not what GetDigits plays:\n%s", c.body)
	}
	if !slices.Equal(before, []string{"err.choice", "voice.nav.agent"}) {
		t.Fatalf("played before the menu: %v", before)
	}
	// A key pressed during the menu is taken.
	c.pick("Kuangalia hali ya ombi au kesi")
	if c.state().State == "main" {
		t.Fatal("a key pressed during the recorded menu was lost")
	}
}

// Before a language is chosen, "we did not hear anything" is said in both languages,
// Kiswahili first, with recordings and without; the language menu is still what waits. So is
// the restart notice of a call we lost, to a caller with no language yet.
func TestNoticesBeforeALanguageAreInBoth(t *testing.T) {
	t.Run("spoken", func(t *testing.T) {
		w := newWorld(t, setup{})
		w.journey(t, "notices_before_a_language", map[string]string{"newcomer": string(w.phone()), "other": string(w.phone())})
	})
	t.Run("recorded", func(t *testing.T) {
		w := newWorld(t, setup{audio: allRecorded(t)})
		w.journey(t, "notices_before_a_language_recorded", map[string]string{"newcomer": string(w.phone())})
	})
}
