package sessiontest

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// fullSession returns a USSD session (Channel "", which keeps resume copies; testRoundTrip
// sets it) with every other field set, nested ones included, so a store that
// drops or mangles any field fails the round trip. checkComplete keeps it that way when
// flows.Session grows.
func fullSession(id string, phone crm.Phone) *flows.Session {
	return &flows.Session{
		ID:    id,
		Phone: phone,
		Lang:  crm.Swahili,
		State: "booking.day",
		Page:  2,
		Screen: flows.Screen{
			Key:  "booking.pick_day",
			Text: "Chagua siku:",
			Options: []flows.Option{
				{Label: "Jumatatu 17/03", Value: "2025-03-17"},
				{Label: "Jumanne 18/03", Value: "2025-03-18"},
				{Label: "Jumatano 19/03", Value: "2025-03-19"},
			},
			Input:  flows.InputChoice,
			End:    true,
			Nav:    true,
			Queue:  "agents-sw",
			CaseID: 42,
		},
		Error: "Chaguo si sahihi",
		Draft: flows.Draft{
			County:      "047",
			Centre:      "nairobi-gpo",
			Service:     "id-replacement",
			Day:         "2025-03-17",
			Start:       570,
			Appointment: crm.Reference("482917365"),
			Ref:         crm.Reference("600042550"),
			Category:    crm.CategoryStaffConduct,
			Description: "Walinisubirisha saa tatu 😡",
			WindowFrom:  1795500000,
			WindowTo:    1795514400,
			ASAP:        true,
			Case:        crm.Reference("123456789"),
			ResumeState: "booking.centre",
		},
		LastRequest: "1*2*3",
		LastReply:   "CON Chagua siku:\n1. Jumatatu 17/03",
		Hops:        4,
	}
}

// checkComplete fails when a field of v (recursing into flows' own structs and slices of
// structs) is zero or an empty slice: a new Session field the fixture does not fill would otherwise pass the
// round trip untested.
func checkComplete(t *testing.T, v any) {
	t.Helper()
	walkComplete(t, reflect.ValueOf(v), reflect.TypeOf(v).String())
}

func walkComplete(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.IsZero() && path != "*flows.Session.Rev" { // the store's to set, not the fixture's
		t.Fatalf("fixture leaves %s zero; fill it so the round trip covers it", path)
	}
	flowsPkg := reflect.TypeFor[flows.Session]().PkgPath()
	switch {
	case v.Kind() == reflect.Struct && v.Type().PkgPath() == flowsPkg:
		for i := range v.NumField() {
			walkComplete(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		// Only struct elements are walked: a zero in a slice of numbers is a value, not a gap.
		for i := range v.Len() {
			walkComplete(t, v.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
	}
}

// sameSession fails unless got holds exactly what want does. Revisions are the store's own
// and are not compared (testStale checks them).
func sameSession(t *testing.T, what string, got, want *flows.Session) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil session", what)
	}
	g, w := *got, *want
	g.Rev, w.Rev = 0, 0
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got  %s\n want %s", what, dump(got), dump(want))
	}
}

func dump(s *flows.Session) string {
	b, err := json.Marshal(s)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
