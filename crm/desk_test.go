package crm_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestDeskRefusesWhatCannotBeBooked(t *testing.T) {
	w := flowstest.New(t, 10) // the clock: Tue 24 Nov 2026, 07:00 in Nairobi
	tests := []struct {
		name    string
		centre  string
		service string
		day     string
		start   int
	}{
		{"a Sunday", "KSM", "BIRTH-CERT", "2026-11-29", 9 * 60},
		{"a Saturday (closed unless configured)", "KSM", "BIRTH-CERT", "2026-11-28", 9 * 60},
		{"Christmas", "KSM", "BIRTH-CERT", "2026-12-25", 9 * 60},
		{"before opening", "KSM", "BIRTH-CERT", "2026-11-25", 7*60 + 30},
		{"the last half hour after closing", "KSM", "BIRTH-CERT", "2026-11-25", 17 * 60},
		{"off the half-hour grid", "KSM", "BIRTH-CERT", "2026-11-25", 9*60 + 10},
		{"yesterday", "KSM", "BIRTH-CERT", "2026-11-23", 9 * 60},
		{"a county service the centre has no desk for", "KBR", "CG-PARKING", "2026-11-25", 9 * 60},
		{"an unknown centre", "XXX", "BIRTH-CERT", "2026-11-25", 9 * 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.Desk.Book(context.Background(), crm.Booking{Phone: "+254712000100", Centre: tt.centre, Service: tt.service, Day: day(tt.day), Start: tt.start})
			if !errors.Is(err, crm.ErrNotBookable) {
				t.Fatalf("err = %v, want ErrNotBookable", err)
			}
		})
	}
	if list, _ := w.Desk.Upcoming(context.Background(), "+254712000100"); len(list) != 0 {
		t.Fatalf("refused bookings left %v", list)
	}
}

func TestOpenDaysAndFreeTimes(t *testing.T) {
	w := flowstest.New(t, 10)
	var got []string
	for _, d := range w.Desk.OpenDays(10) {
		got = append(got, d.Format(time.DateOnly))
	}
	want := []string{"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30",
		"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07"}
	if len(got) != len(want) {
		t.Fatalf("open days %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("open days %v, want %v", got, want)
		}
	}
	times, err := w.Desk.FreeTimes(context.Background(), "KSM", "BIRTH-CERT", day("2026-11-24"))
	if err != nil || len(times) != 18 || times[0] != 8*60 {
		t.Fatalf("free times %v, %v", times, err)
	}
}

// The holiday table is the operator's: a holiday added to the store (a gazette notice) is
// honoured once the catalogue reloads, without a restart.
func TestAddedHolidayIsHonouredAfterReload(t *testing.T) {
	w := flowstest.New(t, 10)
	ctx := context.Background()
	gazetted := day("2026-11-26")
	if err := w.Store.Seed(ctx, crm.RefData{Holidays: []crm.Holiday{{Day: gazetted, Name: "Special holiday (Gazette Notice)"}}}); err != nil {
		t.Fatal(err)
	}
	booking := crm.Booking{Phone: "+254712000101", Centre: "KSM", Service: "BIRTH-CERT", Day: gazetted, Start: 9 * 60}
	if _, err := w.Desk.Book(ctx, booking); err != nil {
		t.Fatalf("before the reload the day is still open: %v", err)
	}
	if err := w.Desk.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range w.Desk.OpenDays(10) {
		if d.Equal(gazetted) {
			t.Fatal("the gazetted holiday is still offered")
		}
	}
	booking.Phone = "+254712000102"
	if _, err := w.Desk.Book(ctx, booking); !errors.Is(err, crm.ErrNotBookable) {
		t.Fatalf("booking on the holiday: %v", err)
	}
}

func TestDeskReschedule(t *testing.T) {
	w := flowstest.New(t, 1)
	ctx := context.Background()
	a, err := w.Desk.Book(ctx, crm.Booking{Phone: "+254712000103", Centre: "KSM", Service: "BIRTH-CERT", Day: day("2026-11-25"), Start: 9 * 60})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := w.Desk.Reschedule(ctx, a.Phone, a.Ref, "KSM", "BIRTH-CERT", day("2026-11-26"), 10*60)
	if err != nil || moved.Ref != a.Ref || moved.Start != 10*60 {
		t.Fatalf("reschedule: %+v, %v", moved, err)
	}
	if _, err := w.Desk.Reschedule(ctx, a.Phone, a.Ref, "KSM", "BIRTH-CERT", day("2026-11-29"), 10*60); !errors.Is(err, crm.ErrNotBookable) {
		t.Fatalf("reschedule to a Sunday: %v", err)
	}
	// The old place is free again for someone else.
	if _, err := w.Desk.Book(ctx, crm.Booking{Phone: "+254712000104", Centre: "KSM", Service: "BIRTH-CERT", Day: day("2026-11-25"), Start: 9 * 60}); err != nil {
		t.Fatalf("old place not freed: %v", err)
	}
}

// OpenDays is worked out once and kept (every booking asks), but never past the moment its
// answer changes: today drops off when its last slot can no longer be reached, and the list
// moves on at midnight. At each step it must answer what a desk asked for the first time does.
func TestOpenDaysFollowTheClock(t *testing.T) {
	w := flowstest.New(t, 10)
	var now time.Time
	desk := func() *crm.Desk {
		d, err := crm.NewDesk(context.Background(), w.Store, crm.DeskConfig{
			Calendar: crm.DefaultCalendar(flowstest.Nairobi), SlotCapacity: 10, LeadTime: 30 * time.Minute,
			Now: func() time.Time { return now },
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	kept := desk()
	list := func(d *crm.Desk) (out []string) {
		for _, day := range d.OpenDays(10) {
			out = append(out, day.Format(time.DateOnly))
		}
		return out
	}
	// From Tuesday 24 November 2026; the last slot of a weekday starts at 16:30.
	for _, step := range []struct {
		at    time.Time
		first string
	}{
		{time.Date(2026, 11, 24, 9, 0, 0, 0, flowstest.Nairobi), "2026-11-24"},
		{time.Date(2026, 11, 24, 16, 0, 0, 0, flowstest.Nairobi), "2026-11-24"},   // 16:30 is just reachable
		{time.Date(2026, 11, 24, 16, 0, 1, 0, flowstest.Nairobi), "2026-11-25"},   // and now it is not
		{time.Date(2026, 11, 27, 23, 59, 59, 0, flowstest.Nairobi), "2026-11-30"}, // Friday night
		{time.Date(2026, 11, 28, 0, 0, 0, 0, flowstest.Nairobi), "2026-11-30"},    // Saturday: one more day at the end
		{time.Date(2026, 11, 24, 9, 0, 0, 0, flowstest.Nairobi), "2026-11-24"},    // a clock set back
	} {
		now = step.at
		got, want := list(kept), list(desk())
		if !slices.Equal(got, want) || got[0] != step.first {
			t.Fatalf("at %s: open days %v, want %v starting %s", step.at.Format(time.DateTime), got, want, step.first)
		}
	}
}
