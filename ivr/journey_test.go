package ivr_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/ivr"
)

// journey plays testdata/journeys/<name>.json against the world's voice channel, each dial a
// call from its phone, and compares every answer exactly (as answerLines writes it);
// `go test ./ivr/ -update` rewrites them. Every answer is also checked against the actions
// Africa's Talking documents as it arrives.
func (w *world) journey(t *testing.T, name string, vars map[string]string) *flowstest.Played {
	t.Helper()
	return flowstest.PlayJourney(t, name, vars, func(t testing.TB, session, caller string) flowstest.Caller {
		c := &call{t: t, w: w, session: "ATVId_" + session, vars: map[string]string{"CALLER": caller, "NUMBER": number}}
		c.vars["SESSION"] = c.session
		return func(t testing.TB, hop flowstest.Hop, input string) []string {
			t.Helper()
			switch {
			case hop.Opening():
				c.send("/at/voice?key="+key, "incoming", nil)
			case hop.Step != 0 && hop.Press != nil:
				c.send(fmt.Sprintf("/at/voice?key=%s&step=%d", key, hop.Step), "digits", map[string]string{"DIGITS": input})
			case hop.Silent:
				c.silent()
			case hop.Record:
				c.record()
			case hop.Press != nil && !hop.Again:
				c.press(input)
			default:
				t.Fatalf("a voice journey cannot %+v", hop)
			}
			return answerLines(c.root)
		}
	})
}

// answerLines writes an answer's actions one a line, nested ones indented: the action, its
// attributes as written, and what it says ("GetDigits numDigits=1 … callbackUrl=…",
// "  Say voice=…: Press 1 for English.").
func answerLines(root *ivr.Node) []string {
	var lines []string
	var walk func(n *ivr.Node, indent string)
	walk = func(n *ivr.Node, indent string) {
		var b strings.Builder
		b.WriteString(indent + n.Name)
		for _, a := range n.AttrOrder {
			b.WriteString(" " + a + "=" + n.Attr(a))
		}
		if n.Text != "" {
			b.WriteString(": " + n.Text)
		}
		lines = append(lines, b.String())
		for _, k := range n.Children {
			walk(k, indent+"  ")
		}
	}
	for _, n := range root.Children {
		walk(n, "")
	}
	return lines
}
