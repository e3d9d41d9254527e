package ussd

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// The complaint's confirmation sums up the category, the centre and the service: for every
// centre, every service it offers and every category, in both languages, it is one page that
// fits with the longest error line above it.
func TestEveryComplaintSummaryFits(t *testing.T) {
	w := flowstest.New(t, 10)
	r := newRenderer(w.Msgs)
	// The longest error line of each language: a re-prompt is in the session's language.
	longestErr := map[crm.Lang]string{}
	for _, k := range w.Msgs.Keys() {
		for _, l := range []crm.Lang{crm.English, crm.Swahili} {
			if e := w.Msgs.Text(l, k); strings.HasPrefix(k, "err.") && utf8.RuneCountInString(e) > utf8.RuneCountInString(longestErr[l]) {
				longestErr[l] = e
			}
		}
	}
	cat := w.Desk.Catalog()
	ctx := context.Background()
	checked := 0
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		for _, county := range cat.Counties() {
			for _, centre := range cat.CentresIn(county) {
				services := append([]crm.Service{{}}, cat.ServicesAt(centre.Code)...)
				for _, svc := range services {
					for _, category := range crm.ComplaintCategories {
						s := &flows.Session{ID: "summary", Phone: "+254712000000", Lang: l, State: "complaint_describe",
							Screen: flows.Screen{Input: flows.InputText, Nav: true},
							Draft:  flows.Draft{County: county, Centre: centre.Code, Service: svc.Code, Category: category}}
						if err := w.Engine.Step(ctx, s, "Foleni ndefu"); err != nil || s.State != "complaint_confirm" {
							t.Fatalf("step: %v, at %s", err, s.State)
						}
						s.Error = longestErr[l]
						if r.morePages(s) {
							t.Fatalf("the summary takes more than one page:\n%s", r.render(s))
						}
						if reply := r.render(s); utf8.RuneCountInString(reply) > MaxReply {
							t.Fatalf("%d characters:\n%s", utf8.RuneCountInString(reply), reply)
						}
						checked++
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

// Every screen of a booking (the confirmation, the booked screen, the appointment and the
// question before cancelling it) for every service of every centre, in both languages, at the
// longest date and time either language writes (a Thursday, "Alhamisi", at 16:30, "10:30
// alasiri"), is one page that fits with the language's longest error line above it.
func TestEveryBookingScreenFits(t *testing.T) {
	w := flowstest.New(t, 10)
	r := newRenderer(w.Msgs)
	longestErr := map[crm.Lang]string{}
	for _, k := range w.Msgs.Keys() {
		for _, l := range []crm.Lang{crm.English, crm.Swahili} {
			if e := w.Msgs.Text(l, k); strings.HasPrefix(k, "err.") && utf8.RuneCountInString(e) > utf8.RuneCountInString(longestErr[l]) {
				longestErr[l] = e
			}
		}
	}
	const day, at = "2026-11-26", "990" // Thursday, 16:30
	ctx := context.Background()
	cat := w.Desk.Catalog()
	n := 0
	fits := func(s *flows.Session, withError bool) {
		t.Helper()
		if withError {
			s.Error = longestErr[s.Lang]
			defer func() { s.Error = "" }()
		}
		if r.morePages(s) {
			t.Fatalf("%s takes more than one page:\n%s", s.State, r.render(s))
		}
		if reply := r.render(s); utf8.RuneCountInString(reply) > MaxReply {
			t.Fatalf("%s: %d characters:\n%s", s.State, utf8.RuneCountInString(reply), reply)
		}
	}
	step := func(s *flows.Session, input, want string) {
		t.Helper()
		if err := w.Engine.Step(ctx, s, input); err != nil || s.State != want {
			t.Fatalf("step %q: %v, at %s (%s), want %s", input, err, s.State, s.Error, want)
		}
	}
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		for _, county := range cat.Counties() {
			for _, centre := range cat.CentresIn(county) {
				for _, svc := range cat.ServicesAt(centre.Code) {
					n++
					s := &flows.Session{ID: fmt.Sprintf("fit-%d", n), Phone: crm.Phone(fmt.Sprintf("+2547110%05d", n)), Lang: l,
						State:  "book_time",
						Screen: flows.Screen{Input: flows.InputChoice, Nav: true, Options: []flows.Option{{Label: "x", Value: at}}},
						Draft:  flows.Draft{County: county, Centre: centre.Code, Service: svc.Code, Day: day}}
					step(s, "1", "book_confirm")
					fits(s, true)
					step(s, "1", "book_done")
					fits(s, false)
					s.State, s.Screen = "appointments", flows.Screen{Input: flows.InputChoice, Nav: true,
						Options: []flows.Option{{Label: "x", Value: string(s.Draft.Appointment)}}}
					step(s, "1", "appointment")
					fits(s, true)
					step(s, "1", "appointment_cancel")
					fits(s, true)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("nothing checked")
	}
}
