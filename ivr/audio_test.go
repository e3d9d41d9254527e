package ivr_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ivr"
)

// The operator's table of recordings is checked row by row at start-up: a typo stops the
// gateway with the line, rather than leaving callers with silence.
func TestAudioTable(t *testing.T) {
	a, err := ivr.ReadAudio(strings.NewReader("lang,key,url\n# the greeting\nsw, main.title, https://cdn.huduma.test/sw/main.mp3\nen,main.title,http://127.0.0.1:8090/en/main.mp3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.URL(crm.Swahili, "main.title") != "https://cdn.huduma.test/sw/main.mp3" || a.URL(crm.Swahili, "err.choice") != "" || a.Len(crm.Swahili) != 1 {
		t.Errorf("table read as %v / %v", a.URL(crm.Swahili, "main.title"), a.Len(crm.Swahili))
	}
	if got := a.Missing(crm.Swahili, []string{"main.title", "err.choice", "appts.none"}); strings.Join(got, ",") != "appts.none,err.choice" {
		t.Errorf("missing %v", got)
	}
	// As Excel saves it: a byte-order mark first. A key no menu plays is read, and named by
	// Unknown for the start-up warning.
	a, err = ivr.ReadAudio(strings.NewReader("\ufefflang,key,url\r\nsw,main.title,https://x.test/a.mp3\r\nsw,main.titel,https://x.test/b.mp3\r\n"))
	if err != nil {
		t.Fatalf("a table with a byte-order mark: %v", err)
	}
	if a.URL(crm.Swahili, "main.title") == "" {
		t.Error("the row after the byte-order mark's header was not read")
	}
	if got := a.Unknown(crm.Swahili, ivr.PromptKeys); strings.Join(got, ",") != "main.titel" {
		t.Errorf("unknown keys %v, want [main.titel]", got)
	}
	if _, err := ivr.ReadAudio(strings.NewReader("\ufeffsw,main.title,https://x.test/a.mp3\n")); err != nil {
		t.Errorf("a byte-order mark before a row (no header): %v", err)
	}
	for _, c := range []struct{ name, csv, want string }{
		{"unknown language", "fr,main.title,https://x.test/a.mp3\n", "line 1: unknown language"},
		{"no key", "sw,,https://x.test/a.mp3\n", "line 1: no key"},
		{"relative URL", "lang,key,url\nsw,main.title,/audio/a.mp3\n", "line 2: \"/audio/a.mp3\" is not an absolute"},
		{"twice", "sw,main.title,https://x.test/a.mp3\nsw,main.title,https://x.test/b.mp3\n", "line 2: sw main.title is listed twice"},
		{"columns", "sw,main.title\n", "line 1: 2 fields"},
		{"not a hash", "sw,main.title,https://x.test/a.mp3,not-hex\n", "line 1: \"not-hex\" is not a text hash"},
		{"too short a hash", "sw,main.title,https://x.test/a.mp3,abc\n", "is not a text hash"},
	} {
		if _, err := ivr.ReadAudio(strings.NewReader(c.csv)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// A recording made from a text that has changed since (its hash in the table is not the
// hash of what the menus say now) is listed at start-up and not played: a recorded menu that
// offers the old choices would send a caller the wrong way. Its prompt is spoken from the
// catalogue instead. A recording without a hash is played, and listed as unverified.
func TestStaleRecordingsAreListedAndNotPlayed(t *testing.T) {
	plain := newWorld(t, setup{})
	var csv strings.Builder
	csv.WriteString("lang,key,url,text_sha256\n")
	row := func(key, text string) {
		hash := ""
		if text != "" {
			hash = ivr.TextHash(text)[:16]
		}
		fmt.Fprintf(&csv, "sw,%s,https://audio.huduma.test/sw/%s.mp3,%s\n", key, key, hash)
	}
	for _, key := range ivr.PromptKeys {
		script, ok := ivr.Script(plain.engine, crm.Swahili, key)
		if !ok {
			t.Fatalf("no script for %s", key)
		}
		switch key {
		case "main.title":
			row(key, "Karibu Huduma Kenya. Bonyeza 1 kwa Angalia hali ya ombi.") // recorded before the rewording
		case "voice.nav.back":
			row(key, "Bonyeza nyota kurudi.")
		case "err.choice":
			row(key, "") // no hash
		default:
			row(key, script)
		}
	}
	row("voice.gone", "A prompt the catalogue no longer has.")
	audio, err := ivr.ReadAudio(strings.NewReader(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, setup{audio: audio})
	if got, want := w.handler.StaleRecordings(), []string{"sw:main.title", "sw:voice.gone", "sw:voice.nav.back"}; !slices.Equal(got, want) {
		t.Errorf("stale %v, want %v", got, want)
	}
	if got, want := ivr.StaleRecordings(w.engine, audio), w.handler.StaleRecordings(); !slices.Equal(got, want) {
		t.Errorf("StaleRecordings %v, the handler's %v", got, want)
	}
	msgs, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := audio.Stale(msgs), w.handler.StaleRecordings(); !slices.Equal(got, want) {
		t.Errorf("Audio.Stale %v, the handler's %v", got, want)
	}
	if got := w.handler.UnverifiedRecordings(); !slices.Equal(got, []string{"sw:err.choice"}) {
		t.Errorf("unverified %v", got)
	}
	// A newcomer's language menu is recorded and current: played.
	c := w.dial(t, w.phone())
	if n := c.waiting().Children[0]; n.Name != "Play" || !strings.HasSuffix(n.Attr("url"), "/language.title.mp3") {
		t.Errorf("the current recording of the language menu is not played:\n%s", c.body)
	}
	// The main menu's recording is stale: the menu is spoken, in today's words.
	c = w.dial(t, w.citizen(t, crm.Swahili))
	if c.waiting().Children[0].Name != "Say" {
		t.Errorf("a stale recording is played:\n%s", c.body)
	}
	c.expect("Kuangalia hali ya ombi au kesi, bonyeza 1.")
}

// The text a recording must say (Script, whose hash the table holds) is what a call says in
// its place when there is no recording.
func TestScriptIsWhatACallSays(t *testing.T) {
	w := newWorld(t, setup{})
	for _, lang := range []crm.Lang{crm.Swahili, crm.English} {
		script, _ := ivr.Script(w.engine, lang, "main.title")
		if c := w.dial(t, w.citizen(t, lang)); !strings.HasPrefix(c.said(), script+" ") {
			t.Errorf("%s: the main menu says\n  %s\nits script is\n  %s", lang, c.said(), script)
		}
	}
	script, _ := ivr.Script(w.engine, crm.Swahili, "language.title")
	if c := w.dial(t, w.phone()); c.said() != script {
		t.Errorf("the language menu says\n  %s\nits script is\n  %s", c.said(), script)
	}
	if text, ok := ivr.Script(w.engine, crm.Swahili, "voice.queue"); !ok || text != "Tafadhali subiri; mhudumu atakujibu punde." {
		t.Errorf("voice.queue: %q %v", text, ok)
	}
	if _, ok := ivr.Script(w.engine, crm.Swahili, "no.such.key"); ok {
		t.Error("a key the catalogue does not have has a script")
	}
}
