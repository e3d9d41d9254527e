package ivr_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/huduma-connect/huduma/ivr"
)

// atSpec is testdata/at_actions.json: the actions and attributes Africa's Talking documents,
// as data, so the check below is the documentation's and not the code's idea of the XML.
type atSpec struct {
	Root        string                `json:"root"`
	Declaration string                `json:"declaration"`
	Actions     map[string]actionSpec `json:"actions"`
	Values      map[string][]string   `json:"values"`
}

type actionSpec struct {
	Attributes map[string]string `json:"attributes"`
	Required   []string          `json:"required"`
	Wraps      []string          `json:"wraps"`
	Text       string            `json:"text"`
	Alone      bool              `json:"alone"`
}

var (
	specOnce sync.Once
	spec     atSpec
	specErr  error
)

func loadSpec(t testing.TB) atSpec {
	t.Helper()
	specOnce.Do(func() {
		raw, err := os.ReadFile("testdata/at_actions.json")
		if err != nil {
			specErr = err
			return
		}
		specErr = json.Unmarshal(raw, &spec)
	})
	if specErr != nil {
		t.Fatalf("at_actions.json: %v", specErr)
	}
	return spec
}

var kenyanNumber = regexp.MustCompile(`^\+254\d{9}$`)

// validateAT checks one answer against the documented actions: the declaration, the root,
// only documented actions with documented attributes and values, GetDigits and Record
// wrapping exactly one Say or Play, Reject alone, and every URL absolute.
func validateAT(t testing.TB, body string) []error {
	t.Helper()
	sp := loadSpec(t)
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(body, sp.Declaration) {
		bad("no XML declaration %s", sp.Declaration)
	}
	root, err := ivr.Parse([]byte(body))
	if err != nil {
		return append(errs, err)
	}
	if root.Name != sp.Root {
		bad("root is <%s>, want <%s>", root.Name, sp.Root)
	}
	if len(root.Attrs) != 0 || root.Text != "" {
		bad("<%s> carries attributes or text", root.Name)
	}
	for _, n := range root.Children {
		a, ok := sp.Actions[n.Name]
		if !ok {
			bad("<%s> is not a documented action", n.Name)
			continue
		}
		if a.Alone && len(root.Children) != 1 {
			bad("<%s> must be the only action", n.Name)
		}
		checkNode(sp, n, a, bad)
		switch {
		case len(a.Wraps) > 0:
			if len(n.Children) != 1 || !slices.Contains(a.Wraps, n.Children[0].Name) {
				bad("<%s> must wrap exactly one of %v, has %d children", n.Name, a.Wraps, len(n.Children))
			} else {
				c := n.Children[0]
				checkNode(sp, c, sp.Actions[c.Name], bad)
				if len(c.Children) > 0 {
					bad("<%s> inside <%s> has children", c.Name, n.Name)
				}
			}
		case len(n.Children) > 0:
			bad("<%s> may not have children", n.Name)
		}
	}
	return errs
}

// checkNode checks one element's attributes and text against its spec.
func checkNode(sp atSpec, n *ivr.Node, a actionSpec, bad func(string, ...any)) {
	for name, v := range n.Attrs {
		kind, ok := a.Attributes[name]
		if !ok {
			bad("<%s> has undocumented attribute %s", n.Name, name)
			continue
		}
		if !valueOK(sp, kind, v) {
			bad("<%s %s=%q>: not a valid %s", n.Name, name, v, kind)
		}
	}
	for _, name := range a.Required {
		if n.Attrs[name] == "" {
			bad("<%s> lacks %s", n.Name, name)
		}
	}
	switch a.Text {
	case "":
		if n.Text != "" {
			bad("<%s> may not hold text (%q)", n.Name, n.Text)
		}
	case "url":
		if !valueOK(sp, "url", n.Text) {
			bad("<%s> holds %q, not an absolute URL", n.Name, n.Text)
		}
	case "speech":
		if strings.TrimSpace(n.Text) == "" {
			bad("<%s> says nothing", n.Name)
		}
		if strings.ContainsAny(n.Text, "\n%") || strings.Contains(n.Text, "98.") {
			bad("<%s> reads a screen's layout or a format: %q", n.Name, n.Text)
		}
	}
}

func valueOK(sp atSpec, kind, v string) bool {
	switch kind {
	case "url":
		u, err := url.Parse(v)
		return err == nil && u.IsAbs() && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
	case "int":
		n, err := strconv.Atoi(v)
		return err == nil && n > 0
	case "phone":
		return kenyanNumber.MatchString(v)
	case "phones":
		for _, p := range strings.Split(v, ",") {
			if !kenyanNumber.MatchString(p) {
				return false
			}
		}
		return true
	case "name":
		return v != ""
	}
	if allowed, ok := sp.Values[kind]; ok {
		return slices.Contains(allowed, v)
	}
	return false
}

// The validation itself must catch what AT would refuse.
func TestValidatorCatchesWhatATRefuses(t *testing.T) {
	good := ivr.NewBuilder().Add(&ivr.GetDigits{Timeout: 10, NumDigits: 1, FinishOnKey: "#", CallbackURL: "https://h.test/at/voice?step=1",
		Prompt: &ivr.Say{Voice: "woman", Text: "Press 1."}}).Add(&ivr.Redirect{URL: "https://h.test/at/voice?timeout=1"}).Bytes()
	if errs := validateAT(t, string(good)); len(errs) > 0 {
		t.Fatalf("a valid response was refused: %v", errs)
	}
	for _, c := range []struct{ name, body string }{
		{"no declaration", `<Response><Say>Hi</Say></Response>`},
		{"wrong root", `<?xml version="1.0" encoding="UTF-8"?><Answer><Say>Hi</Say></Answer>`},
		{"unknown action", `<?xml version="1.0" encoding="UTF-8"?><Response><Speak>Hi</Speak></Response>`},
		{"unknown attribute", `<?xml version="1.0" encoding="UTF-8"?><Response><Say language="sw">Hi</Say></Response>`},
		{"SDK spelling", `<?xml version="1.0" encoding="UTF-8"?><Response><GetDigits callBackUrl="https://h.test/"><Say>Hi</Say></GetDigits></Response>`},
		{"relative callback", `<?xml version="1.0" encoding="UTF-8"?><Response><GetDigits callbackUrl="/at/voice"><Say>Hi</Say></GetDigits></Response>`},
		{"two prompts", `<?xml version="1.0" encoding="UTF-8"?><Response><GetDigits><Say>Hi</Say><Say>Ho</Say></GetDigits></Response>`},
		{"empty GetDigits", `<?xml version="1.0" encoding="UTF-8"?><Response><Record/></Response>`},
		{"Reject with company", `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Bye</Say><Reject/></Response>`},
		{"screen layout spoken", `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Menu` + "\n" + `98.More</Say></Response>`},
		{"bad voice", `<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="robot">Hi</Say></Response>`},
		{"not XML", `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi</Response>`},
	} {
		if errs := validateAT(t, c.body); len(errs) == 0 {
			t.Errorf("%s: accepted %s", c.name, c.body)
		}
	}
}
