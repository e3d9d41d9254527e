package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

//go:embed messages/*.json
var messageFiles embed.FS

// catalogue is the console's words in English and Kiswahili. Staff choose their language;
// a key missing from either catalogue fails loading (and a test), so no page ever shows a
// bare key.
type catalogue struct {
	text map[crm.Lang]map[string]string
}

// langs are the console's languages, in the order the switch offers them.
var langs = []crm.Lang{crm.English, crm.Swahili}

func loadCatalogue() (*catalogue, error) {
	c := &catalogue{text: map[crm.Lang]map[string]string{}}
	for _, l := range langs {
		raw, err := messageFiles.ReadFile("messages/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("console catalogue %s: %w", l, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("console catalogue %s: %w", l, err)
		}
		c.text[l] = m
	}
	var missing []string
	for _, l := range langs {
		for k := range c.text[crm.English] {
			if _, ok := c.text[l][k]; !ok {
				missing = append(missing, string(l)+":"+k)
			}
		}
		for k := range c.text[l] {
			if _, ok := c.text[crm.English][k]; !ok {
				missing = append(missing, "en:"+k)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("console catalogues disagree: missing %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// T is the text of key in l, with {name} placeholders filled from args (name, value pairs).
// An unknown key shows as itself in brackets, which the catalogue test forbids.
func (c *catalogue) T(l crm.Lang, key string, args ...string) string {
	s, ok := c.text[l][key]
	if !ok {
		return "[" + key + "]"
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}
