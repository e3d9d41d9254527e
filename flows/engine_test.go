package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// citizen drives the menus the way a channel does: one Start, then one Step per input.
type citizen struct {
	t *testing.T
	w *flowstest.World
	s *flows.Session
}

var sessionSeq int

func dial(t *testing.T, w *flowstest.World, phone crm.Phone, resumable *flows.Session) *citizen {
	t.Helper()
	sessionSeq++
	s := &flows.Session{ID: "test-" + phone.Masked() + "-" + time.Now().Format("150405.000000") + string(rune('a'+sessionSeq%26)), Phone: phone}
	if err := w.Engine.Start(context.Background(), s, resumable); err != nil {
		t.Fatal(err)
	}
	return &citizen{t: t, w: w, s: s}
}

func (c *citizen) press(input string) *citizen {
	c.t.Helper()
	if err := c.w.Engine.Step(context.Background(), c.s, input); err != nil {
		c.t.Fatalf("step %q at %s: %v", input, c.s.State, err)
	}
	return c
}

func (c *citizen) pick(value string) *citizen {
	c.t.Helper()
	return c.press(flowstest.Pick(c.t, c.s, value))
}

func (c *citizen) at(state string) *citizen {
	c.t.Helper()
	if c.s.State != state {
		c.t.Fatalf("at %s (error %q), want %s", c.s.State, c.s.Error, state)
	}
	return c
}

// toConfirm walks a citizen who already chose a language from the main menu to the
// confirmation of the first free time on the first open day for the service at the centre.
func (c *citizen) toConfirm(county, centre, service string) *citizen {
	c.t.Helper()
	return c.at("main").pick("book").at("book_county").pick(county).at("book_centre").
		pick(centre).at("book_service").pick(service).at("book_day").press("1").at("book_time").
		press("1").at("book_confirm")
}

func TestBookingJourneyInBothLanguages(t *testing.T) {
	tests := []struct {
		lang    crm.Lang
		service string
		want    []string
	}{
		{crm.English, "BIRTH-CERT", []string{"Booked! Ref ", "Birth certificate", "Huduma Centre Kisumu", "Tue 24 Nov at 08:00"}},
		{crm.Swahili, "BIRTH-CERT", []string{"Miadi imewekwa! Nambari ", "Cheti cha kuzaliwa", "Kituo cha Huduma Kisumu", "Jumanne 24 Nov saa 2:00 asubuhi (08:00)"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			w := flowstest.New(t, 10)
			phone := crm.Phone("+254712000001")
			c := dial(t, w, phone, nil).at("language")
			c.pick(string(tt.lang)).toConfirm("Kisumu", "KSM", tt.service).pick("yes").at("book_done")
			if !c.s.Screen.End {
				t.Fatal("booking confirmation is not a final screen")
			}
			for _, want := range tt.want {
				if !strings.Contains(c.s.Screen.Text, want) {
					t.Errorf("confirmation %q lacks %q", c.s.Screen.Text, want)
				}
			}
			list, err := w.Desk.Upcoming(context.Background(), phone)
			if err != nil || len(list) != 1 {
				t.Fatalf("upcoming = %v, %v", list, err)
			}
			if !strings.Contains(c.s.Screen.Text, list[0].Ref.Grouped()) || list[0].Service != tt.service || list[0].Centre != "KSM" {
				t.Fatalf("stored %+v does not match the screen %q", list[0], c.s.Screen.Text)
			}
		})
	}
}

func TestLanguageIsRememberedPerPhone(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712000002")
	dial(t, w, phone, nil).at("language").pick("sw").at("main")
	again := dial(t, w, phone, nil).at("main")
	if again.s.Lang != crm.Swahili || again.s.Screen.Options[0].Label != "Weka miadi" {
		t.Fatalf("second session in %q: %q", again.s.Lang, again.s.Screen.Text)
	}
	again.pick("language").at("language").pick("en").at("main")
	if third := dial(t, w, phone, nil); third.s.Lang != crm.English {
		t.Fatalf("language change not remembered: %q", third.s.Lang)
	}
	if other := dial(t, w, "+254712000003", nil); other.s.State != "language" {
		t.Fatalf("a new phone starts at %s, want the language choice", other.s.State)
	}
}

func TestWrongInputKeepsTheCitizensPlace(t *testing.T) {
	w := flowstest.New(t, 10)
	c := dial(t, w, "+254712000004", nil).pick("en").pick("book").pick("Kisumu").pick("KSM").at("book_service")
	before := *c.s
	for _, input := range []string{"x", "😀", "99", "", "1*2", "-1", "1.5", "0001", strings.Repeat("9", 500)} {
		c.press(input).at("book_service")
		if c.s.Error != "Invalid choice, try again." {
			t.Errorf("input %q: error line %q", input, c.s.Error)
		}
		if c.s.Draft != before.Draft || len(c.s.Screen.Options) != len(before.Screen.Options) {
			t.Fatalf("input %q changed the session: %+v", input, c.s.Draft)
		}
	}
	c.pick("BIRTH-CERT").at("book_day")
	if c.s.Error != "" {
		t.Fatalf("error line %q survived a good input", c.s.Error)
	}
}

func TestBackAndMainMenuFromEveryBookingStep(t *testing.T) {
	w := flowstest.New(t, 10)
	c := dial(t, w, "+254712000005", nil).pick("en").toConfirm("Nairobi", "GPO", "ID-NEW")
	for _, want := range []string{"book_time", "book_day", "book_service", "book_centre", "book_county", "main"} {
		c.press("0").at(want)
	}
	c.toConfirm("Nairobi", "GPO", "ID-NEW").press("00").at("main")
	if c.s.Draft != (flows.Draft{}) {
		t.Fatalf("main menu kept a draft: %+v", c.s.Draft)
	}
	c.press("0").at("main") // no way back from the main menu: 0 is just a wrong choice
	if c.s.Error == "" {
		t.Fatal("0 on the main menu should re-prompt")
	}
}

func TestSlotTakenWhileConfirming(t *testing.T) {
	w := flowstest.New(t, 1)
	a := dial(t, w, "+254712000006", nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT")
	b := dial(t, w, "+254712000007", nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT")
	b.pick("yes").at("book_done")
	a.pick("yes").at("book_time")
	if a.s.Error != "That time was just taken." {
		t.Fatalf("error line %q", a.s.Error)
	}
	if a.s.Screen.Options[0].Label == "08:00" {
		t.Fatal("the taken time is still offered")
	}
	a.press("1").pick("yes").at("book_done")
}

func TestOneAppointmentPerServicePerDay(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712000008")
	dial(t, w, phone, nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("yes").at("book_done")
	c := dial(t, w, phone, nil).toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("yes").at("book_duplicate")
	if !c.s.Screen.End || !strings.Contains(c.s.Screen.Text, "You already have a Birth certificate appointment on Tue 24 Nov") {
		t.Fatalf("duplicate screen: %q", c.s.Screen.Text)
	}
	if list, err := w.Desk.Upcoming(context.Background(), phone); err != nil || len(list) != 1 {
		t.Fatalf("%d appointments after a refused duplicate (%v)", len(list), err)
	}
}

func TestFullyBookedDayIsRefused(t *testing.T) {
	w := flowstest.New(t, 1)
	day := w.Desk.OpenDays(1)[0]
	times, err := w.Desk.FreeTimes(context.Background(), "KSM", "BIRTH-CERT", day)
	if err != nil {
		t.Fatal(err)
	}
	for i, start := range times {
		phone := crm.Phone("+2547120001" + string(rune('0'+i/10)) + string(rune('0'+i%10)))
		if _, err := w.Desk.Book(context.Background(), crm.Booking{Phone: phone, Centre: "KSM", Service: "BIRTH-CERT", Day: day, Start: start}); err != nil {
			t.Fatal(err)
		}
	}
	c := dial(t, w, "+254712000009", nil).pick("en").pick("book").pick("Kisumu").pick("KSM").pick("BIRTH-CERT")
	c.press("1").at("book_day")
	if c.s.Error != "That day is fully booked." {
		t.Fatalf("error line %q", c.s.Error)
	}
	c.press("2").at("book_time")
}

func TestMyAppointmentsShowAndCancel(t *testing.T) {
	w := flowstest.New(t, 1)
	phone := crm.Phone("+254712000010")
	c := dial(t, w, phone, nil).pick("en").pick("appointments").at("appointments")
	if c.s.Screen.Key != "appts.none" {
		t.Fatalf("no appointments yet, screen %q", c.s.Screen.Text)
	}
	c.pick("book").at("book_county")

	dial(t, w, phone, nil).toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("yes").at("book_done")
	list, err := w.Desk.Upcoming(context.Background(), phone)
	if err != nil || len(list) != 1 {
		t.Fatalf("appointments %v (%v), want the one booked", list, err)
	}
	ref := list[0].Ref
	c = dial(t, w, phone, nil).pick("appointments").at("appointments")
	if got := c.s.Screen.Options[0].Label; got != "Tue 24 Nov 08:00 Birth certificate" {
		t.Fatalf("list item %q", got)
	}
	c.pick(string(ref)).at("appointment")
	if !strings.Contains(c.s.Screen.Text, ref.Grouped()) {
		t.Fatalf("appointment screen %q lacks the reference", c.s.Screen.Text)
	}
	c.press("1").at("appointment_cancel").pick("no").at("appointment").press("1").pick("yes").at("appointment_cancelled")
	if !c.s.Screen.End || !strings.Contains(c.s.Screen.Text, ref.Grouped()) {
		t.Fatalf("cancelled screen %q", c.s.Screen.Text)
	}
	if list, err := w.Desk.Upcoming(context.Background(), phone); err != nil || len(list) != 0 {
		t.Fatalf("still upcoming after cancel: %v (%v)", list, err)
	}
	// The place is free again: another citizen books the same single-place slot.
	dial(t, w, "+254712000011", nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("yes").at("book_done")
}

func TestCancelledElsewhereWhileViewing(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712000012")
	dial(t, w, phone, nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("yes")
	list, err := w.Desk.Upcoming(context.Background(), phone)
	if err != nil || len(list) != 1 {
		t.Fatalf("appointments %v (%v), want the one booked", list, err)
	}
	c := dial(t, w, phone, nil).pick("appointments").pick(string(list[0].Ref)).press("1").at("appointment_cancel")
	if _, err := w.Desk.Cancel(context.Background(), phone, list[0].Ref, ""); err != nil {
		t.Fatal(err)
	}
	// Cancelling again is harmless: the citizen is told it is cancelled.
	c.pick("yes").at("appointment_cancelled")
}

func TestDroppedBookingCanBeResumed(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712000013")
	dropped := dial(t, w, phone, nil).pick("sw").pick("book").pick("Kisumu").pick("KSM").pick("BIRTH-CERT").at("book_day")
	if !w.Engine.Resumable(dropped.s) {
		t.Fatal("a session mid-booking is not resumable")
	}
	offer := dial(t, w, phone, dropped.s).at("resume")
	if !strings.Contains(offer.s.Screen.Text, "Cheti cha kuzaliwa, Kisumu") {
		t.Fatalf("resume offer %q does not say what was chosen", offer.s.Screen.Text)
	}
	// Dropped again on the offer itself: the next dial still offers to continue.
	if !w.Engine.Resumable(offer.s) {
		t.Fatal("the resume offer is not itself resumable")
	}
	offer = dial(t, w, phone, offer.s).at("resume")
	offer.pick("continue").at("book_day")
	if offer.s.Draft.Centre != "KSM" || offer.s.Draft.Service != "BIRTH-CERT" {
		t.Fatalf("draft lost: %+v", offer.s.Draft)
	}
	offer.press("1").press("1").pick("yes").at("book_done")

	fresh := dial(t, w, phone, dropped.s).at("resume").pick("restart").at("main")
	if fresh.s.Draft != (flows.Draft{}) {
		t.Fatalf("restart kept %+v", fresh.s.Draft)
	}
	if ended := dial(t, w, phone, offer.s).at("main"); ended.s.Draft != (flows.Draft{}) {
		t.Fatal("a finished booking was offered for resuming")
	}
	if w.Engine.Resumable(dial(t, w, phone, nil).pick("book").at("book_county").s) {
		t.Fatal("nothing chosen yet, yet resumable")
	}
}

func TestStepAfterTheEnd(t *testing.T) {
	w := flowstest.New(t, 10)
	c := dial(t, w, "+254712000014", nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("no").at("book_aborted")
	if err := w.Engine.Step(context.Background(), c.s, "1"); err != flows.ErrEnded {
		t.Fatalf("step after END: %v", err)
	}
}

// countingStore passes every call to the real store and counts reads of reference data.
type countingStore struct {
	crm.Store
	refReads int
}

func (c *countingStore) ReferenceData(ctx context.Context) (crm.RefData, error) {
	c.refReads++
	return c.Store.ReferenceData(ctx)
}

// Static data (centres, services, holidays) comes from the in-memory catalogue on every hop:
// a whole booking journey reads it from the store no more than the one time the desk loaded it.
func TestHopsDoNotReadStaticDataFromTheStore(t *testing.T) {
	var counter *countingStore
	w := flowstest.NewObserved(t, 10, func(s crm.Store) crm.Store { counter = &countingStore{Store: s}; return counter })
	dial(t, w, "+254712000015", nil).pick("en").toConfirm("Kisumu", "KSM", "BIRTH-CERT").pick("yes").at("book_done")
	dial(t, w, "+254712000015", nil).pick("appointments").press("1").press("1").pick("yes").at("appointment_cancelled")
	if counter.refReads != 1 {
		t.Fatalf("reference data read %d times from the store; want once, at start-up", counter.refReads)
	}
}
