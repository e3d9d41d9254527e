package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/store/storetest"
)

// The README's examples are run here, with fresh phones, so that they cannot drift from what
// the gateway does: the USSD walk-throughs, the voice script (TestComplaintByVoiceThroughTheSimulatorReachesTheAPI
// reads readmeCallLines), `agency add` as written, and the import example file.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), " ") // prose wraps anywhere
}

// walk is a README walk-through, "A → B → C", between a prefix and the sentence after it.
func walk(t *testing.T, text, prefix, after string) []string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `(.+?)` + regexp.QuoteMeta(after)).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the README has no walk-through %q … %q", prefix, after)
	}
	var steps []string
	for _, s := range strings.Split(m[1], "→") {
		s = strings.TrimSpace(regexp.MustCompile(`\(.*?\)`).ReplaceAllString(s, ""))
		steps = append(steps, strings.TrimSpace(s))
	}
	return steps
}

// follow plays steps on a handset: a label is picked (paging as needed), "98…" pages, "a day"
// and "a time" take the first offered, "type a few words" types some.
func follow(h *handset, steps []string) *handset {
	for _, s := range steps {
		switch {
		case strings.HasPrefix(s, "98"):
			if strings.Contains(s, "until") {
				continue // pick pages until the label shows
			}
			h = h.press("98")
		case s == "a day" || s == "a time":
			h = h.press("1")
		case s == "type a few words":
			h = h.press("Waited six hours at the ID desk")
		default:
			h = h.pick(s)
		}
	}
	return h
}

func TestREADMEWalkThroughs(t *testing.T) {
	text := readme(t)
	base, _ := startGatewayWith(t, "-db", "sqlite:"+filepath.Join(t.TempDir(), "huduma.db"))

	booking := walk(t, text, "Then, for example: ", ". You get a reference")
	h := follow(dialGateway(t, base, randomPhone(t)).pick("Kiswahili"), booking)
	if !h.end || !regexp.MustCompile(`\d{3} \d{3} \d{3}`).MatchString(h.screen) {
		t.Fatalf("the README's booking %q ended with:\n%s", booking, h.screen)
	}

	complaint := walk(t, text, "Lodge one: ", ". The last screen gives the case number")
	h = follow(dialGateway(t, base, randomPhone(t)).pick("English"), complaint)
	if !h.end || !strings.Contains(h.screen, "Case ") {
		t.Fatalf("the README's complaint %q ended with:\n%s", complaint, h.screen)
	}
}

// readmeCallLines are the inputs of the README's voice example ("the lines `1`, `3`, …").
func readmeCallLines(t *testing.T) []string {
	t.Helper()
	m := regexp.MustCompile("the lines ((?:`[^`]+`(?:, )?)+)").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("the README has no voice example lines")
	}
	var lines []string
	for _, q := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[1], -1) {
		lines = append(lines, q[1])
	}
	return lines
}

// `agency add` as the README writes it registers the agency, and the README's import example
// file goes in whole for it.
func TestREADMEAgencyAndImport(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s+go run ./cmd/huduma agency add (.+)$`).FindStringSubmatch(string(raw))
	if line == nil {
		t.Fatal("the README has no agency add line")
	}
	args := []string{"add"}
	for _, a := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(line[1], -1) {
		args = append(args, strings.Trim(a, `"`))
	}
	url := "sqlite:" + filepath.Join(t.TempDir(), "huduma.db")
	var out bytes.Buffer
	if err := agencyCommand(storetest.Context(t), append(args, "-db", url), &out); err != nil || !strings.Contains(out.String(), "API key (shown once)") {
		t.Fatalf("huduma agency %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}

	block := regexp.MustCompile(`(?s)For example:\n\n((?:    [^\n]+\n)+)`).FindStringSubmatch(string(raw)[strings.Index(string(raw), "In bulk: `huduma import requests"):])
	if block == nil {
		t.Fatal("the README has no import example")
	}
	csv := regexp.MustCompile(`(?m)^    `).ReplaceAllString(block[1], "")
	file := filepath.Join(t.TempDir(), "requests.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	var errs bytes.Buffer
	rows := strings.Count(strings.TrimSpace(csv), "\n")
	if err := importCommand(storetest.Context(t), []string{"requests", "-agency", "NRB", "-db", url, file}, &out, &errs); err != nil {
		t.Fatalf("import: %v\n%s%s", err, out.String(), errs.String())
	}
	if !strings.Contains(out.String(), " 0 bad") || !strings.Contains(out.String(), strings.TrimSpace(string(rune('0'+rows)))+" new") {
		t.Fatalf("import of the README's %d rows said:\n%s%s", rows, out.String(), errs.String())
	}
}
