// Package glossary keeps the words citizens read and hear as data: one term per concept per
// language, the words and word orders no catalogue may use, and the concepts (status names,
// complaint categories, rating words) that must be worded the same on USSD, voice, SMS and
// the console. The catalogues live with the packages that speak them (flows, sms/templates,
// console/web); this package checks them all against one list, so a translator's slip or a
// calque that crept back fails a test rather than reaching a citizen.
package glossary

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

//go:embed glossary.json
var glossaryJSON []byte

// Term is one concept and the word each language uses for it.
type Term struct {
	Concept string `json:"concept"`
	EN      string `json:"en"`
	SW      string `json:"sw"`
	Note    string `json:"note,omitempty"`
}

// Rule forbids a word or a word order in one language's catalogues.
type Rule struct {
	Lang    string `json:"lang"`
	Pattern string `json:"pattern"` // a regular expression, matched case-insensitively
	Use     string `json:"use"`     // what to say instead
	Why     string `json:"why"`
	re      *regexp.Regexp
}

// Concept is a wording that must be the same wherever it appears.
type Concept struct {
	Concept string   `json:"concept"`
	EN      string   `json:"en"`
	SW      string   `json:"sw"`
	In      []string `json:"in"` // "catalogue:key", e.g. "sms:category.corruption"
}

// Glossary is the whole list.
type Glossary struct {
	Terms      []Term    `json:"terms"`
	Forbidden  []Rule    `json:"forbidden"`
	Consistent []Concept `json:"consistent"`
}

// Load reads the embedded glossary and compiles its rules.
func Load() (*Glossary, error) {
	var g Glossary
	if err := json.Unmarshal(glossaryJSON, &g); err != nil {
		return nil, fmt.Errorf("glossary: %w", err)
	}
	for i := range g.Forbidden {
		r := &g.Forbidden[i]
		re, err := regexp.Compile("(?i)" + r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("glossary: rule %q: %w", r.Pattern, err)
		}
		r.re = re
	}
	seen := map[string]bool{}
	for _, c := range g.Consistent {
		if seen[c.Concept] {
			return nil, fmt.Errorf("glossary: concept %q is listed twice", c.Concept)
		}
		seen[c.Concept] = true
		if c.EN == "" || c.SW == "" {
			return nil, fmt.Errorf("glossary: concept %q has no wording in both languages", c.Concept)
		}
	}
	return &g, nil
}

// Wording is the glossary's text of a concept in a language ("en" or "sw").
func (c Concept) Wording(lang string) string {
	if lang == "sw" {
		return c.SW
	}
	return c.EN
}

// Catalogues are the texts to check: catalogue name ("ussd", "voice", "sms", "console"), then
// language, then key.
type Catalogues map[string]map[string]map[string]string

// Problem is one entry that breaks the glossary.
type Problem struct {
	Catalogue, Lang, Key string
	Text                 string
	Why                  string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s %s %s %q: %s", p.Catalogue, p.Lang, p.Key, p.Text, p.Why)
}

// Check lists, sorted, every entry of cats that uses a forbidden word or order, and every
// place where a concept is worded other than the glossary says (a concept's entry missing
// from a catalogue it names is a problem too: the check must not pass by reading nothing).
func (g *Glossary) Check(cats Catalogues) []Problem {
	var out []Problem
	for name, byLang := range cats {
		for lang, entries := range byLang {
			for key, text := range entries {
				for _, r := range g.Forbidden {
					if r.Lang == lang && r.re.MatchString(text) {
						out = append(out, Problem{name, lang, key, text,
							fmt.Sprintf("forbidden %q: say %s (%s)", r.re.FindString(text), r.Use, r.Why)})
					}
				}
			}
		}
	}
	for _, c := range g.Consistent {
		for _, at := range c.In {
			name, key, _ := strings.Cut(at, ":")
			for _, lang := range []string{"en", "sw"} {
				text, ok := cats[name][lang][key]
				want := c.Wording(lang)
				switch {
				case !ok:
					out = append(out, Problem{name, lang, key, "", fmt.Sprintf("%s: missing; the glossary says %q", c.Concept, want)})
				case text != want:
					out = append(out, Problem{name, lang, key, text, fmt.Sprintf("%s is worded %q everywhere else", c.Concept, want)})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
