package crm_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/internal/testkit"
)

// slotReads passes every call to the real store and counts the reads of slots.
type slotReads struct {
	crm.Store
	usage, full atomic.Int32
}

func (s *slotReads) SlotUsage(ctx context.Context, centre, service string, day time.Time) ([]crm.SlotUsage, error) {
	s.usage.Add(1)
	return s.Store.SlotUsage(ctx, centre, service, day)
}

func (s *slotReads) FullSlots(ctx context.Context, from, to time.Time) ([]crm.SlotKey, error) {
	s.full.Add(1)
	return s.Store.FullSlots(ctx, from, to)
}

// replica is a second desk on the world's store, as another gateway process on the same
// database, with its own copy of the full slots refreshed every `every`, at the world's
// fixed time.
func replica(t *testing.T, w *flowstest.World, capacity int, every time.Duration) (*crm.Desk, *slotReads) {
	t.Helper()
	return replicaOn(t, w, testkit.NewClock(flowstest.Now), capacity, every)
}

// replicaOn is replica with a clock the test moves.
func replicaOn(t *testing.T, w *flowstest.World, clock *testkit.Clock, capacity int, every time.Duration) (*crm.Desk, *slotReads) {
	t.Helper()
	reads := &slotReads{Store: w.Store}
	d, err := crm.NewDesk(context.Background(), reads, crm.DeskConfig{
		Calendar: crm.DefaultCalendar(flowstest.Nairobi), SlotCapacity: capacity, LeadTime: 30 * time.Minute,
		Now: clock.Now, FullSlotsRefresh: every,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d, reads
}

func offers(t *testing.T, d *crm.Desk, service string, on time.Time, start int) bool {
	t.Helper()
	times, err := d.FreeTimes(context.Background(), "KSM", service, on)
	if err != nil {
		t.Fatalf("FreeTimes: %v", err)
	}
	return slices.Contains(times, start)
}

// Asking for free times is not a read of the day's slots: a whole booking window of days and
// services is answered from one read of the full slots.
func TestFreeTimesReadTheFullSlotsOnce(t *testing.T) {
	w := flowstest.New(t, 1)
	d, reads := replica(t, w, 1, time.Hour)
	for _, on := range d.OpenDays(10) {
		for _, svc := range []string{"BIRTH-CERT", "ID-NEW", "KRA-PIN"} {
			if !offers(t, d, svc, on, 16*60) {
				t.Fatalf("16:00 on %s not offered for %s", on.Format(time.DateOnly), svc)
			}
		}
	}
	if u, f := reads.usage.Load(), reads.full.Load(); u != 0 || f != 1 {
		t.Fatalf("30 questions read the day's slots %d times and the full slots %d times; want 0 and 1", u, f)
	}
}

// What this process books, cancels or reschedules is offered as it is now, whatever its copy
// of full slots says. The copy here is read after another process filled the slot and is
// not read again for an hour, so only this process's own changes can make it right.
func TestFreeTimesFollowThisProcesssChanges(t *testing.T) {
	ctx := context.Background()
	on, later := day("2026-11-25"), day("2026-11-26")
	book := func(t *testing.T, w *flowstest.World, phone crm.Phone) crm.Appointment {
		a, err := w.Desk.Book(ctx, crm.Booking{Phone: phone, Centre: "KSM", Service: "BIRTH-CERT", Day: on, Start: 9 * 60})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	t.Run("Book", func(t *testing.T) {
		w := flowstest.New(t, 1)
		d, _ := replica(t, w, 1, time.Hour)
		if !offers(t, d, "BIRTH-CERT", on, 9*60) {
			t.Fatal("09:00 not offered before any booking")
		}
		if _, err := d.Book(ctx, crm.Booking{Phone: "+254712000201", Centre: "KSM", Service: "BIRTH-CERT", Day: on, Start: 9 * 60}); err != nil {
			t.Fatal(err)
		}
		if offers(t, d, "BIRTH-CERT", on, 9*60) {
			t.Fatal("the place just booked (capacity 1) is still offered")
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		w := flowstest.New(t, 1)
		a := book(t, w, "+254712000204") // through another process
		d, _ := replica(t, w, 1, time.Hour)
		if offers(t, d, "BIRTH-CERT", on, 9*60) {
			t.Fatal("a full slot is offered (this test's premise)")
		}
		if _, err := d.Cancel(ctx, a.Phone, a.Ref, crm.English); err != nil {
			t.Fatal(err)
		}
		if !offers(t, d, "BIRTH-CERT", on, 9*60) {
			t.Fatal("the place just cancelled here is not offered again")
		}
	})
	t.Run("Reschedule", func(t *testing.T) {
		w := flowstest.New(t, 1)
		a := book(t, w, "+254712000205")
		d, _ := replica(t, w, 1, time.Hour)
		if offers(t, d, "BIRTH-CERT", on, 9*60) {
			t.Fatal("a full slot is offered (this test's premise)")
		}
		if _, err := d.Reschedule(ctx, a.Phone, a.Ref, "KSM", "BIRTH-CERT", later, 10*60); err != nil {
			t.Fatal(err)
		}
		if !offers(t, d, "BIRTH-CERT", on, 9*60) {
			t.Fatal("the place the appointment left is not offered again")
		}
		if offers(t, d, "BIRTH-CERT", later, 10*60) {
			t.Fatal("the place the appointment moved to is still offered")
		}
	})
}

// A slot filled through another process is offered until this one's copy catches up. Booking
// it then fails, as a race for the last place does, and from then on this process no longer
// offers it; after the refresh interval every process has caught up.
func TestFreeTimesCatchUpWithAnotherProcess(t *testing.T) {
	w := flowstest.New(t, 1)
	ctx := context.Background()
	on := day("2026-11-25")
	clock := testkit.NewClock(flowstest.Now)
	stale, _ := replicaOn(t, w, clock, 1, time.Hour)
	fresh, _ := replicaOn(t, w, clock, 1, time.Minute)
	if !offers(t, stale, "BIRTH-CERT", on, 9*60) || !offers(t, fresh, "BIRTH-CERT", on, 9*60) {
		t.Fatal("09:00 not offered before any booking")
	}
	if _, err := w.Desk.Book(ctx, crm.Booking{Phone: "+254712000202", Centre: "KSM", Service: "BIRTH-CERT", Day: on, Start: 9 * 60}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute) // fresh's copy is due again, stale's is not
	if offers(t, fresh, "BIRTH-CERT", on, 9*60) {
		t.Fatal("a process whose copy is due again still offers the slot filled elsewhere")
	}
	if !offers(t, stale, "BIRTH-CERT", on, 9*60) {
		t.Fatal("the copy was read again before its interval (this test's premise)")
	}
	_, err := stale.Book(ctx, crm.Booking{Phone: "+254712000203", Centre: "KSM", Service: "BIRTH-CERT", Day: on, Start: 9 * 60})
	if !errors.Is(err, crm.ErrSlotFull) {
		t.Fatalf("booking the slot filled elsewhere: %v, want ErrSlotFull", err)
	}
	if offers(t, stale, "BIRTH-CERT", on, 9*60) {
		t.Fatal("after ErrSlotFull the full slot is offered again")
	}
}
