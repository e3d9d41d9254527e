package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Presence records are one per page (session): touching again moves the record (to another
// case, a later time), the list is a case's records seen since a time with the users' names,
// leaving and forgetting remove them, and leaving twice is harmless.
func testCaseViewers(t *testing.T, s Store) {
	ctx := Context(t)
	baraka := mustCreateUser(t, s, agent("baraka", crm.English))
	akinyi := mustCreateUser(t, s, agent("akinyi", crm.English))
	touch := func(session string, caseID int64, u crm.User, at time.Duration) {
		t.Helper()
		if err := s.TouchViewer(ctx, crm.CaseViewer{Session: session, CaseID: caseID, UserID: u.ID, SeenAt: caseAt(at)}); err != nil {
			t.Fatalf("TouchViewer(%s): %v", session, err)
		}
	}
	viewers := func(caseID int64, since time.Duration) []string {
		t.Helper()
		list, err := s.CaseViewers(ctx, caseID, caseAt(since))
		if err != nil {
			t.Fatalf("CaseViewers(%d): %v", caseID, err)
		}
		var got []string
		for _, v := range list {
			if v.CaseID != caseID {
				t.Fatalf("CaseViewers(%d) gave a record of case %d", caseID, v.CaseID)
			}
			got = append(got, fmt.Sprintf("%s/%s@%s", v.Name, v.Session, v.SeenAt.Sub(caseT0)))
		}
		return got
	}
	want := func(got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("viewers %q, want %q", got, want)
		}
	}
	touch("tab-1", 7, baraka, time.Minute)
	touch("tab-2", 7, akinyi, 2*time.Minute)
	touch("tab-3", 8, akinyi, 2*time.Minute)
	want(viewers(7, 0), "Akinyi/tab-2@2m0s", "Baraka/tab-1@1m0s")
	want(viewers(7, 90*time.Second), "Akinyi/tab-2@2m0s")

	touch("tab-1", 7, baraka, 3*time.Minute) // the page refreshes its record
	want(viewers(7, 90*time.Second), "Akinyi/tab-2@2m0s", "Baraka/tab-1@3m0s")
	touch("tab-3", 7, akinyi, 3*time.Minute) // the same page now shows another case
	want(viewers(8, 0))
	want(viewers(7, 0), "Akinyi/tab-2@2m0s", "Akinyi/tab-3@3m0s", "Baraka/tab-1@3m0s")

	for range 2 {
		if err := s.LeaveViewer(ctx, "tab-1"); err != nil {
			t.Fatalf("LeaveViewer: %v", err)
		}
	}
	want(viewers(7, 0), "Akinyi/tab-2@2m0s", "Akinyi/tab-3@3m0s")
	if err := s.ForgetViewers(ctx, caseAt(3*time.Minute)); err != nil {
		t.Fatalf("ForgetViewers: %v", err)
	}
	want(viewers(7, 0), "Akinyi/tab-3@3m0s")
}

// A phone's requests come newest first, without their events, up to the limit, and never
// another phone's.
func testRequestsOfPhone(t *testing.T, s Store) {
	ctx := Context(t)
	var refs []crm.Reference
	for i := range 3 {
		r, e, n := tracked(t, phone(31))
		r.CreatedAt = r.CreatedAt.Add(time.Duration(i) * time.Hour)
		r.UpdatedAt, e.At = r.CreatedAt, r.CreatedAt
		mustCreateRequest(t, s, r, e, n)
		refs = append(refs, r.Ref)
	}
	other, e, n := tracked(t, phone(32))
	mustCreateRequest(t, s, other, e, n)

	list, err := s.RequestsOfPhone(ctx, phone(31), 2)
	if err != nil {
		t.Fatalf("RequestsOfPhone: %v", err)
	}
	var got []crm.Reference
	for _, r := range list {
		got = append(got, r.Ref)
		if r.Phone != phone(31) || r.Status != crm.RequestReceived || r.Service != service || len(r.Events) != 0 {
			t.Fatalf("request %+v: wrong phone, status or service, or events read", r)
		}
	}
	if want := []crm.Reference{refs[2], refs[1]}; !slices.Equal(got, want) {
		t.Fatalf("RequestsOfPhone = %v, want %v (newest first, limit 2)", got, want)
	}
	none, err := s.RequestsOfPhone(ctx, phone(33), 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("RequestsOfPhone of a phone with none = %v, %v", none, err)
	}
}
