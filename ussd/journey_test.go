package ussd_test

import (
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/ussd"
)

// journey plays testdata/journeys/<name>.json against the gateway, each dial as a handset
// in a session of its own (see flowstest.PlayJourney), and compares every screen exactly;
// `go test ./ussd/ -update` rewrites them.
func (g *gateway) journey(t *testing.T, name string, vars map[string]string) *flowstest.Played {
	t.Helper()
	return flowstest.PlayJourney(t, name, vars, func(t testing.TB, session, number string) flowstest.Caller {
		p := &phone{t: t, g: g, session: "ATUid_" + session, number: number}
		return func(t testing.TB, hop flowstest.Hop, input string) []string {
			t.Helper()
			switch {
			case hop.Press != nil && hop.Step == 0 && !hop.Silent && !hop.Record:
				p.press(input)
			case hop.Opening(), hop.Again:
				p.send()
			default:
				t.Fatalf("a USSD journey cannot %+v", hop)
			}
			return strings.Split(p.reply, "\n")
		}
	})
}

// The walking skeleton, paging, and a dropped booking offered back: screens alone.
func TestJourneys(t *testing.T) {
	for _, name := range []string{"book_list_cancel_sw", "paging", "dropped_session"} {
		t.Run(name, func(t *testing.T) {
			g := newGateway(t, 10, ussd.Config{})
			g.journey(t, name, nil)
			assertNoFullPhones(t, g)
		})
	}
}
