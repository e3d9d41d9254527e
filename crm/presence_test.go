package crm_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Who else has a case open: a page's record names its person to the others (never to
// themselves, and once however many tabs they have), stops counting once not refreshed for
// ViewerTTL or once closed, and a case someone may not see leaves no record of them.
func TestOthersViewingACase(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		ctx := storetest.Context(t)
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		akinyi := o.addUser(t, "akinyi", crm.RoleAgent, "", 1, crm.English)
		baraka := o.addUser(t, "baraka", crm.RoleAgent, "", 2, crm.English)
		faith := o.addUser(t, "faith", crm.RoleIntegrityOfficer, "", 3, crm.English)
		c := o.complain(t, "+254712000001", crm.CategoryLongWait, "KSM")
		others := func(u crm.User) []string {
			t.Helper()
			names, err := o.OthersViewing(ctx, u, c.ID)
			if err != nil {
				t.Fatalf("OthersViewing: %v", err)
			}
			return names
		}
		want := func(got []string, want ...string) {
			t.Helper()
			if !slices.Equal(got, want) {
				t.Fatalf("others viewing = %q, want %q", got, want)
			}
		}
		for _, tab := range []string{"a-1", "a-2"} {
			if err := o.OpenCase(ctx, akinyi, c.ID, tab); err != nil {
				t.Fatalf("OpenCase: %v", err)
			}
		}
		want(others(akinyi))
		want(others(baraka), "akinyi")

		if err := o.OpenCase(ctx, baraka, c.ID, "b-1"); err != nil {
			t.Fatal(err)
		}
		want(others(akinyi), "baraka")

		// Akinyi's pages go quiet (a closed laptop): after ViewerTTL they no longer count,
		// while Baraka's, refreshed, still does.
		o.clock.Advance(crm.ViewerTTL - time.Second)
		if err := o.StillOpen(ctx, baraka, c.ID, "b-1"); err != nil {
			t.Fatal(err)
		}
		o.clock.Advance(2 * time.Second)
		want(others(baraka))
		want(others(akinyi), "baraka")

		if err := o.CloseCase(ctx, "b-1"); err != nil {
			t.Fatal(err)
		}
		want(others(akinyi))

		// A corruption report is the integrity unit's alone: an agent can neither open it
		// (no record) nor ask who has it open.
		r := o.complain(t, "+254712000002", crm.CategoryCorruption, "KSM")
		if err := o.OpenCase(ctx, akinyi, r.ID, "a-3"); !errors.Is(err, crm.ErrNotFound) {
			t.Fatalf("an agent opening a corruption report: %v, want ErrNotFound", err)
		}
		if _, err := o.OthersViewing(ctx, akinyi, r.ID); !errors.Is(err, crm.ErrNotFound) {
			t.Fatalf("an agent asking who reads a corruption report: %v, want ErrNotFound", err)
		}
		names, err := o.OthersViewing(ctx, faith, r.ID)
		if err != nil || len(names) != 0 {
			t.Fatalf("the integrity officer sees %q (%v) on the report nobody else could open", names, err)
		}
	})
}
