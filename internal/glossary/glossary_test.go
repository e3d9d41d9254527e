package glossary

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// catalogueFiles are the catalogues a citizen (or, for the console, staff) reads, by the name
// the glossary knows them by. "voice" is the flows catalogue as a call speaks it: each
// "voice:key" entry in place of "key".
var catalogueFiles = map[string]string{
	"flows":   "../../flows/messages",
	"sms":     "../../sms/templates/messages",
	"console": "../../console/web/messages",
}

func loadCatalogues(t *testing.T) Catalogues {
	t.Helper()
	cats := Catalogues{}
	for name, dir := range catalogueFiles {
		for _, lang := range []string{"en", "sw"} {
			raw, err := os.ReadFile(filepath.Join(dir, lang+".json"))
			if err != nil {
				t.Fatal(err)
			}
			entries := map[string]string{}
			if err := json.Unmarshal(raw, &entries); err != nil {
				t.Fatalf("%s %s: %v", name, lang, err)
			}
			if name != "flows" {
				add(cats, name, lang, entries)
				continue
			}
			ussd, voice := map[string]string{}, map[string]string{}
			for k, v := range entries {
				if base, ok := strings.CutPrefix(k, "voice:"); ok {
					voice[base] = v
				} else if !strings.Contains(k, ":") {
					ussd[k] = v
				}
			}
			add(cats, "ussd", lang, ussd)
			spoken := maps.Clone(ussd)
			maps.Copy(spoken, voice)
			add(cats, "voice", lang, spoken)
		}
	}
	return cats
}

func add(cats Catalogues, name, lang string, entries map[string]string) {
	if cats[name] == nil {
		cats[name] = map[string]map[string]string{}
	}
	cats[name][lang] = entries
}

func clone(cats Catalogues) Catalogues {
	out := Catalogues{}
	for name, byLang := range cats {
		for lang, entries := range byLang {
			add(out, name, lang, maps.Clone(entries))
		}
	}
	return out
}

// Every catalogue follows the glossary.
func TestCataloguesFollowTheGlossary(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cats := loadCatalogues(t)
	for _, name := range []string{"ussd", "voice", "sms", "console"} {
		for _, lang := range []string{"en", "sw"} {
			if len(cats[name][lang]) < 20 {
				t.Fatalf("%s %s: %d entries read; the check would prove nothing", name, lang, len(cats[name][lang]))
			}
		}
	}
	for _, p := range g.Check(cats) {
		t.Error(p)
	}
}

// The review's examples (issue 18), each put back into today's catalogues: the check fails on
// every one of them, and says why.
func TestGlossaryCatchesTheReviewsExamples(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		example              string
		catalogue, lang, key string
		text                 string
		why                  string // a word of the problem reported
	}{
		{"a spoken menu: Bonyeza 1 kwa …", "voice", "sw", "voice.press", "Bonyeza %[1]d kwa %[2]s.", "calque of \"Press 1 for"},
		{"the agent hint: Bonyeza 0 kuongea na wakala", "voice", "sw", "voice.nav.agent", "Bonyeza 0 kuongea na wakala.", "wakala"},
		{"the agent is wakala on USSD", "ussd", "sw", "main.agent", "Ongea na wakala", "M-Pesa"},
		{"mawakala on a call", "voice", "sw", "voice.agent.busy", "Mawakala wetu wote wana shughuli.", "M-Pesa"},
		{"SMS calls the same person afisa", "sms", "sw", "callback_ack", "Huduma: Afisa wetu atakupigia simu %[2]s kati ya saa %[3]s na %[4]s. Nambari ya kesi yako ni %[1]s.", "mhudumu atakupigia"},
		{"corruption is Rushwa au hongo on USSD", "ussd", "sw", "category.corruption", "Rushwa au hongo", "ufisadi"},
		{"corruption is Rushwa in SMS", "sms", "sw", "category.corruption", "Rushwa", "worded \"Ufisadi au hongo\" everywhere else"},
		{"lalamiko in the confirmation", "ussd", "sw", "complaint.done", "Tumepokea lalamiko lako. Kesi %[1]s. Tutakutumia SMS.", "malalamiko"},
		{"lalamiko in the SMS acknowledgement", "sms", "sw", "complaint_ack", "Huduma: Tumepokea lalamiko lako (%[2]s). Nambari ya kesi yako ni %[1]s.", "malalamiko"},
		{"Tiketi … Hali: Limepokelewa", "ussd", "sw", "request.owner", "Tiketi %[1]s: %[2]s\nHali: %[3]s", "li- agreement"},
		{"Kipindi chako kimeisha", "ussd", "sw", "notice.expired", "Kipindi chako kimeisha. Tafadhali piga tena.", "muda wako umeisha"},
		{"Hapana, iache", "ussd", "sw", "appt.cancel.no", "Hapana, iache", "ibaki"},
		{"huduma ina shughuli nyingi", "ussd", "sw", "notice.slow", "Samahani, huduma ina shughuli nyingi. Tafadhali piga tena.", "kuna msongamano"},
		{"wakala … atakayekuwa huru", "voice", "sw", "voice.queue", "Tafadhali subiri. Wakala wa kwanza atakayekuwa huru atakujibu.", "atakujibu punde"},
		{"Mwanzo for the main menu", "ussd", "sw", "nav.home", "00.Mwanzo", "Menyu kuu"},
		{"saa 09:30, a 24-hour figure after saa", "voice", "sw", "voice.agent.closed", "Wahudumu wetu hupokea simu kuanzia saa 08:00 hadi saa 17:00.", "heard as 15:30"},
		{"tafiti for the satisfaction questions", "sms", "sw", "stop_ack", "Huduma: Hutapokea tena vikumbusho wala tafiti kwa SMS.", "maswali ya maoni"},
		{"tathmini for rating", "ussd", "sw", "case.rate", "Tathmini huduma yetu", "kadiria"},
		{"English: Press 2 for Enter it again", "voice", "en", "voice.press", "Press %[1]d for %[2]s.", "choice first"},
		{"English: Press star to go back", "voice", "en", "voice.nav.back", "Press star to go back.", "choice first"},
		{"English: With an agent on USSD, Assigned to an officer in SMS", "ussd", "en", "case.status.assigned", "With an agent", "worded \"Assigned to an officer\""},
		{"the same status worded otherwise on a call", "voice", "sw", "case.status.assigned", "Iko kwa wakala", "worded \"Imepewa afisa\""},
		{"a rating word that differs in SMS", "sms", "sw", "rating.acceptable", "Inakubalika", "worded \"Inaridhisha\""},
		{"a category the console words otherwise", "console", "sw", "category.long_wait", "Kusubiri kwa muda mrefu", "worded \"Kusubiri muda mrefu\""},
		{"Long wait or delay vs Long wait", "sms", "en", "category.long_wait", "Long wait", "worded \"Long wait or delay\""},
		{"dial the Huduma USSD code", "sms", "en", "sms_appointments.none", "Huduma: You have no upcoming appointments. Dial the Huduma USSD code to book one.", "the code itself"},
		{"a concept's entry gone from a catalogue", "sms", "sw", "rating.poor", "", "missing"},
	}
	base := loadCatalogues(t)
	for _, tc := range tests {
		t.Run(tc.example, func(t *testing.T) {
			cats := clone(base)
			if tc.text == "" {
				delete(cats[tc.catalogue][tc.lang], tc.key)
			} else {
				cats[tc.catalogue][tc.lang][tc.key] = tc.text
			}
			var found []string
			for _, p := range g.Check(cats) {
				if p.Catalogue == tc.catalogue && p.Lang == tc.lang && p.Key == tc.key {
					found = append(found, p.Why)
				}
			}
			if !strings.Contains(strings.Join(found, "\n"), tc.why) {
				t.Errorf("%s %s %s = %q: problems %q, want one saying %q", tc.catalogue, tc.lang, tc.key, tc.text, found, tc.why)
			}
		})
	}
}

// The glossary keeps one term per concept: no concept twice, and both languages named.
func TestOneTermPerConcept(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, term := range g.Terms {
		if seen[term.Concept] {
			t.Errorf("%q is listed twice", term.Concept)
		}
		seen[term.Concept] = true
		if term.EN == "" || term.SW == "" {
			t.Errorf("%q: a word in each language", term.Concept)
		}
	}
}
