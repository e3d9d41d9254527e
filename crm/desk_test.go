package crm_test

import (
	"context"
	"errors"
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
