package flowstest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// References on a screen are written by name, in every form a channel shows them, and named
// in the order they first appear; inputs are written back from the names.
func TestJourneyNames(t *testing.T) {
	n := &names{vars: map[string]string{"ticket": "600042550", "typed": "600-042 550"}}
	for _, c := range []struct {
		screen, want string
	}{
		{"Ticket 600 042 550: ready", "Ticket {ticket}: ready"},
		{"You entered 6 0 0, 0 4 2, 5 5 0.", "You entered {ticket:spoken}."},
		{"Booked! Ref 123 456 789 and 987 654 321", "Booked! Ref {ref1} and {ref2}"},
		{"Nambari 987 654 321, read 1 2 3, 4 5 6, 7 8 9", "Nambari {ref2}, read {ref1:spoken}"},
		{"Case 123456789 is not a shown number", "Case {ref1:digits} is not a shown number"},
		{"Call 0722 000 001 or 12 345 678 901", "Call 0722 000 001 or 12 345 678 901"},
	} {
		if got := n.name([]string{c.screen}); got[0] != c.want {
			t.Errorf("%q named %q, want %q", c.screen, got[0], c.want)
		}
	}
	for _, c := range []struct{ input, want string }{
		{"{ticket}", "600 042 550"},
		{"{ticket:digits}#", "600042550#"},
		{"{ticket:spoken}", "6 0 0, 0 4 2, 5 5 0"},
		{"{typed}", "600-042 550"},
		{"{ref2:digits}", "987654321"},
		{"no names {here", "no names {here"},
	} {
		if got := n.expand(t, c.input); got != c.want {
			t.Errorf("%q expanded to %q, want %q", c.input, got, c.want)
		}
	}
}

// The file a journey is written to reads back as the same journey, and is valid JSON that
// keeps <, > and & as they are.
func TestJourneyEncodesAsItReads(t *testing.T) {
	press := func(s string) *string { return &s }
	j := Journey{About: `A "quoted" & <odd> one`, Dials: []Dial{
		{Phone: "{caller}", Hops: []Hop{
			{Screen: []string{"CON Welcome", "1. English"}},
			{Press: press(""), Screen: []string{"CON Again"}},
			{Press: press("1"), Step: 4, Screen: nil},
		}},
		{Phone: "+254722000001", Hops: []Hop{
			{Silent: true, Screen: []string{"Say voice=woman: a & b <c>"}},
			{Record: true, Again: true, Screen: []string{}},
		}},
	}}
	raw := j.encode()
	if !json.Valid(raw) || !bytes.Contains(raw, []byte("a & b <c>")) {
		t.Fatalf("not JSON as meant:\n%s", raw)
	}
	var back Journey
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	// An empty screen reads back as an empty list, whatever it was written from.
	for _, d := range j.Dials {
		for k := range d.Hops {
			if d.Hops[k].Screen == nil {
				d.Hops[k].Screen = []string{}
			}
		}
	}
	if !reflect.DeepEqual(back, j) {
		t.Fatalf("read back\n%+v\nwant\n%+v", back, j)
	}
	if !slices.Equal(back.encode(), raw) {
		t.Fatal("encoding what was read back changed the file")
	}
	if (Hop{}).Opening() != true || (Hop{Press: press("")}).Opening() || (Hop{Silent: true}).Opening() {
		t.Fatal("only a hop with no action opens a session")
	}
}
