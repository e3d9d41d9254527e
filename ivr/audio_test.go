package ivr_test

import (
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
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
		{"columns", "sw,main.title\n", "wrong number of fields"},
	} {
		if _, err := ivr.ReadAudio(strings.NewReader(c.csv)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
