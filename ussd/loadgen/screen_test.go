package loadgen

import (
	"reflect"
	"testing"
)

func TestParseScreen(t *testing.T) {
	s := parseScreen("Choose county:\n1. Baringo\n2. Bomet\n10. Kisumu\n98.More 0.Back 00.Menu", false)
	want := []Option{{"1", "Baringo"}, {"2", "Bomet"}, {"10", "Kisumu"}}
	if !reflect.DeepEqual(s.Options, want) || !s.More || s.End || s.Prompt != s.Text {
		t.Fatalf("%+v", s)
	}
	s = parseScreen("That day is fully booked.\nChoose day:\n1. Wed 25 Nov\n0.Back 00.Menu", false)
	if s.More || len(s.Options) != 1 {
		t.Fatalf("%+v", s)
	}
	if line, i := s.splitError([]Matcher{Prompt("x", "Nope"), Prompt("full", "That day is fully booked.")}); i != 1 || line != "That day is fully booked." || s.Prompt != "Choose day:\n1. Wed 25 Nov\n0.Back 00.Menu" {
		t.Fatalf("splitError: %q %d %+v", line, i, s)
	}
	s = parseScreen("Booked! Ref 600 042 550\nBirth certificate", true)
	if !s.End || len(s.Options) != 0 {
		t.Fatalf("%+v", s)
	}
}
