package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// runRequests is the conformance suite for tracked requests, agencies and the outbox.
func runRequests(t *testing.T, open func(t *testing.T) Store) {
	t.Run("RequestRoundTrips", func(t *testing.T) { testRequestRoundTrip(t, open(t)) })
	t.Run("CreateRequestRetry", func(t *testing.T) { testCreateRequestRetry(t, open) })
	t.Run("AddRequestEvent", func(t *testing.T) { testAddRequestEvent(t, open(t)) })
	t.Run("AddRequestEventStaleVersion", func(t *testing.T) { testAddRequestEventStale(t, open(t)) })
	t.Run("AddRequestEventIdempotencyKey", func(t *testing.T) { testAddRequestEventIdempotent(t, open(t)) })
	t.Run("AddRequestEventConcurrentSameKey", func(t *testing.T) { testAddRequestEventConcurrent(t, open(t)) })
	t.Run("UnknownRequest", func(t *testing.T) { testUnknownRequest(t, open(t)) })
	t.Run("Agencies", func(t *testing.T) { testAgencies(t, open(t)) })
	t.Run("NotificationsFilter", func(t *testing.T) { testNotificationsFilter(t, open(t)) })
}

// reqAgency is the code of the suite's agency.
const reqAgency = "NRB"

// nairobi is Nairobi's zone: the suite hands the stores times in it to check that they come back
// as the same instant in UTC.
var nairobi = time.FixedZone("EAT", 3*60*60)

// feb1 is a time on 1 February 2031 in Nairobi, to the microsecond the stores keep.
func feb1(hour, minute, sec, micro int) time.Time {
	return time.Date(2031, time.February, 1, hour, minute, sec, micro*1000, nairobi)
}

// tracked is a request for phone p as an agency registers it, with its first event and the
// citizen's acknowledgement.
func tracked(t testing.TB, p crm.Phone) (crm.Request, crm.RequestEvent, []crm.Notification) {
	ref := newRef(t)
	created := feb1(9, 15, 30, 123456)
	r := crm.Request{
		Ref: ref, Phone: p, Service: service, Centre: centre, Agency: reqAgency,
		Status: crm.RequestReceived, Ready: day0.AddDate(0, 0, 14),
		CreatedAt: created, UpdatedAt: created,
	}
	e := crm.RequestEvent{
		Status: crm.RequestReceived, Ready: r.Ready, Note: "lodged at the counter",
		By: reqAgency, At: created, IdempotencyKey: "register-" + string(ref),
	}
	n := []crm.Notification{statusNote(p, ref, crm.RequestReceived)}
	return r, e, n
}

// statusNote is the citizen's message about a request's new status.
func statusNote(p crm.Phone, ref crm.Reference, st crm.RequestStatus) crm.Notification {
	return crm.Notification{
		Phone: p, Lang: crm.Swahili, Kind: crm.NotifyRequestStatus,
		Params:   map[string]string{"ref": string(ref), "status": string(st)},
		Priority: crm.PriorityNormal, Essential: true, Subject: "request:" + string(ref),
	}
}

func mustCreateRequest(t testing.TB, s Store, r crm.Request, e crm.RequestEvent, n []crm.Notification) crm.Request {
	t.Helper()
	got, created, err := s.CreateRequest(Context(t), r, e, n)
	if err != nil {
		t.Fatalf("CreateRequest(%s): %v", r.Ref, err)
	}
	if !created {
		t.Fatalf("CreateRequest(%s): created=false for a new reference", r.Ref)
	}
	return got
}

func mustRequest(t testing.TB, s Store, ref crm.Reference) crm.Request {
	t.Helper()
	got, err := s.RequestByRef(Context(t), ref)
	if err != nil {
		t.Fatalf("RequestByRef(%s): %v", ref, err)
	}
	return got
}

func listOutbox(t testing.TB, s Store, f crm.NotificationFilter) []crm.Notification {
	t.Helper()
	list, err := s.Notifications(Context(t), f)
	if err != nil {
		t.Fatalf("Notifications(%+v): %v", f, err)
	}
	return list
}

// stampOf shows a time as the suite expects the stores to give it back: the zone must be UTC,
// so a time read back in another zone shows differently even at the same instant.
func stampOf(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format(time.RFC3339Nano) + "[" + t.Location().String() + "]"
}

// showRequest renders every field of a request and its events, times by stampOf.
func showRequest(r crm.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s phone=%s service=%s centre=%s agency=%s status=%s reason=%q ready=%s v%d created=%s updated=%s",
		r.Ref, r.Phone, r.Service, r.Centre, r.Agency, r.Status, r.Reason, stampOf(r.Ready), r.Version,
		stampOf(r.CreatedAt), stampOf(r.UpdatedAt))
	for i, e := range r.Events {
		fmt.Fprintf(&b, "\n  event %d: status=%s reason=%q ready=%s note=%q by=%s at=%s key=%q",
			i, e.Status, e.Reason, stampOf(e.Ready), e.Note, e.By, stampOf(e.At), e.IdempotencyKey)
	}
	return b.String()
}

func sameRequest(t testing.TB, op string, got, want crm.Request) {
	t.Helper()
	if g, w := showRequest(got), showRequest(want); g != w {
		t.Fatalf("%s:\n got %s\nwant %s", op, g, w)
	}
}

// stored is what a store gives back for a request it was handed: times in UTC, the given
// version and events.
func stored(r crm.Request, version int, events ...crm.RequestEvent) crm.Request {
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.Version = version
	r.Events = nil
	for _, e := range events {
		e.At = e.At.UTC()
		r.Events = append(r.Events, e)
	}
	return r
}

// showNotification renders a notification without its ID and CreatedAt, which the caller
// checks on their own.
func showNotification(n crm.Notification) string {
	keys := slices.Sorted(maps.Keys(n.Params))
	var params []string
	for _, k := range keys {
		params = append(params, k+"="+n.Params[k])
	}
	return fmt.Sprintf("%s %s %s {%s} p%d essential=%t subject=%q status=%q",
		n.Phone, n.Lang, n.Kind, strings.Join(params, ","), n.Priority, n.Essential, n.Subject, n.Status)
}

// wantOutbox checks the outbox rows the filter selects against want (queued, in
// order), with IDs increasing.
func wantOutbox(t testing.TB, s Store, f crm.NotificationFilter, want []crm.Notification) []crm.Notification {
	t.Helper()
	got := listOutbox(t, s, f)
	var g, w []string
	for _, n := range got {
		g = append(g, showNotification(n))
	}
	for _, n := range want {
		n.Status = "queued"
		w = append(w, showNotification(n))
	}
	if !slices.Equal(g, w) {
		t.Fatalf("Notifications(%+v):\n got %s\nwant %s", f, strings.Join(g, "\n     "), strings.Join(w, "\n     "))
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Fatalf("Notifications(%+v): IDs %d then %d, want increasing", f, got[i-1].ID, got[i].ID)
		}
	}
	return got
}

func requestSubject(ref crm.Reference) crm.NotificationFilter {
	return crm.NotificationFilter{Subject: "request:" + string(ref)}
}

func testRequestRoundTrip(t *testing.T, s Store) {
	r, e, n := tracked(t, phone(1))
	r.Reason = "bring the original birth certificate"
	r.Status, e.Status = crm.RequestNeedsAction, crm.RequestNeedsAction
	e.Reason = r.Reason
	r.UpdatedAt = feb1(9, 20, 0, 654321)
	// A second message without params and with its own time, for a centre manager.
	manager := crm.Notification{
		Phone: phone(900), Lang: crm.English, Kind: crm.NotifyManagerAlert,
		Priority: crm.PriorityUrgent, Subject: "request:" + string(r.Ref), CreatedAt: feb1(9, 16, 0, 1),
	}
	n = append(n, manager)

	before := time.Now().Add(-time.Second)
	got := mustCreateRequest(t, s, r, e, n)
	after := time.Now().Add(time.Second)
	want := stored(r, 1, e)
	sameRequest(t, "CreateRequest", got, want)
	sameRequest(t, "RequestByRef", mustRequest(t, s, r.Ref), want)

	out := wantOutbox(t, s, requestSubject(r.Ref), n)
	if out[0].CreatedAt.Location() != time.UTC || out[0].CreatedAt.Before(before) || out[0].CreatedAt.After(after) {
		t.Fatalf("notification without a time: created %s, want now in UTC", stampOf(out[0].CreatedAt))
	}
	if g, w := stampOf(out[1].CreatedAt), stampOf(manager.CreatedAt.UTC()); g != w {
		t.Fatalf("notification created %s, want %s", g, w)
	}

	// Unknown ready date, no reason, an event without a key and no notification.
	r2, e2, _ := tracked(t, phone(2))
	r2.Ready, e2.Ready, e2.IdempotencyKey, e2.Note = time.Time{}, time.Time{}, "", ""
	got = mustCreateRequest(t, s, r2, e2, nil)
	want = stored(r2, 1, e2)
	sameRequest(t, "CreateRequest without a ready date", got, want)
	sameRequest(t, "RequestByRef without a ready date", mustRequest(t, s, r2.Ref), want)
	wantOutbox(t, s, requestSubject(r2.Ref), nil)
}

func testCreateRequestRetry(t *testing.T, open func(t *testing.T) Store) {
	t.Run("SameRequest", func(t *testing.T) {
		s := open(t)
		r, e, n := tracked(t, phone(1))
		first := mustCreateRequest(t, s, r, e, n)

		// The agency retries: the same request, a later time, another first event.
		again := r
		again.Status, again.CreatedAt, again.UpdatedAt = crm.RequestProcessing, feb1(10, 0, 0, 0), feb1(10, 0, 0, 0)
		e2 := e
		e2.Status, e2.IdempotencyKey = crm.RequestProcessing, "retry"
		got, created, err := s.CreateRequest(Context(t), again, e2, []crm.Notification{statusNote(r.Phone, r.Ref, crm.RequestProcessing)})
		if err != nil {
			t.Fatalf("CreateRequest again: %v", err)
		}
		if created {
			t.Fatal("CreateRequest again: created=true, want false")
		}
		sameRequest(t, "CreateRequest again", got, first)
		sameRequest(t, "RequestByRef after the retry", mustRequest(t, s, r.Ref), first)
		wantOutbox(t, s, crm.NotificationFilter{}, n)
	})

	for _, tc := range []struct {
		name   string
		change func(r *crm.Request)
	}{
		{"OtherPhone", func(r *crm.Request) { r.Phone = phone(2) }},
		{"OtherService", func(r *crm.Request) { r.Service = service2 }},
		{"OtherCentre", func(r *crm.Request) { r.Centre = "NRB-GPO" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			r, e, n := tracked(t, phone(1))
			first := mustCreateRequest(t, s, r, e, n)

			clash := r
			tc.change(&clash)
			e2 := e
			e2.IdempotencyKey = "clash"
			_, _, err := s.CreateRequest(Context(t), clash, e2, []crm.Notification{statusNote(clash.Phone, clash.Ref, clash.Status)})
			wantErr(t, "CreateRequest with a taken reference", err, crm.ErrReferenceTaken)
			sameRequest(t, "RequestByRef after the collision", mustRequest(t, s, r.Ref), first)
			wantOutbox(t, s, crm.NotificationFilter{}, n)
		})
	}
}

func testAddRequestEvent(t *testing.T, s Store) {
	r, e, n := tracked(t, phone(1))
	first := mustCreateRequest(t, s, r, e, n)
	other, oe, on := tracked(t, phone(2)) // another request, which must not change
	otherFirst := mustCreateRequest(t, s, other, oe, on)

	// Processing, ready a week later than first said.
	next := first
	next.Status, next.Ready, next.UpdatedAt = crm.RequestProcessing, day0.AddDate(0, 0, 21), feb1(11, 0, 0, 42)
	pe := crm.RequestEvent{
		Status: crm.RequestProcessing, Ready: next.Ready, Note: "printing backlog",
		By: reqAgency, At: feb1(11, 0, 0, 42), IdempotencyKey: "push-1",
	}
	pn := statusNote(r.Phone, r.Ref, crm.RequestProcessing)
	got, added, err := s.AddRequestEvent(Context(t), next, pe, []crm.Notification{pn})
	if err != nil || !added {
		t.Fatalf("AddRequestEvent: added=%t, %v; want added", added, err)
	}
	want := stored(next, 2, e, pe)
	sameRequest(t, "AddRequestEvent", got, want)
	sameRequest(t, "RequestByRef after AddRequestEvent", mustRequest(t, s, r.Ref), want)
	wantOutbox(t, s, requestSubject(r.Ref), append(slices.Clone(n), pn))

	// Needs action, the ready date unknown again, from the version just returned and without
	// a key or a notification.
	next = got
	next.Status, next.Reason, next.Ready, next.UpdatedAt = crm.RequestNeedsAction, "fingerprints unreadable", time.Time{}, feb1(12, 0, 0, 0)
	ne := crm.RequestEvent{Status: crm.RequestNeedsAction, Reason: next.Reason, By: reqAgency, At: feb1(12, 0, 0, 0)}
	got, added, err = s.AddRequestEvent(Context(t), next, ne, nil)
	if err != nil || !added {
		t.Fatalf("second AddRequestEvent: added=%t, %v; want added", added, err)
	}
	want = stored(next, 3, e, pe, ne)
	sameRequest(t, "second AddRequestEvent", got, want)
	sameRequest(t, "RequestByRef after the second AddRequestEvent", mustRequest(t, s, r.Ref), want)
	wantOutbox(t, s, requestSubject(r.Ref), append(slices.Clone(n), pn))

	sameRequest(t, "the other request", mustRequest(t, s, other.Ref), otherFirst)
	wantOutbox(t, s, requestSubject(other.Ref), on)
}

func testAddRequestEventStale(t *testing.T, s Store) {
	r, e, n := tracked(t, phone(1))
	first := mustCreateRequest(t, s, r, e, n)

	next := first
	next.Status, next.UpdatedAt = crm.RequestProcessing, feb1(11, 0, 0, 0)
	pe := crm.RequestEvent{Status: crm.RequestProcessing, By: reqAgency, At: feb1(11, 0, 0, 0), IdempotencyKey: "push-1"}
	pn := statusNote(r.Phone, r.Ref, crm.RequestProcessing)
	current, added, err := s.AddRequestEvent(Context(t), next, pe, []crm.Notification{pn})
	if err != nil || !added {
		t.Fatalf("AddRequestEvent: added=%t, %v; want added", added, err)
	}

	// Pushes that read version 1, which is no longer current, with another key or none.
	for _, key := range []string{"push-2", ""} {
		stale := first
		stale.Status, stale.UpdatedAt = crm.RequestRejected, feb1(11, 30, 0, 0)
		re := crm.RequestEvent{Status: crm.RequestRejected, Reason: "duplicate application", By: reqAgency, At: feb1(11, 30, 0, 0), IdempotencyKey: key}
		_, added, err := s.AddRequestEvent(Context(t), stale, re, []crm.Notification{statusNote(r.Phone, r.Ref, crm.RequestRejected)})
		wantErr(t, fmt.Sprintf("AddRequestEvent at a stale version (key %q)", key), err, crm.ErrConflict)
		if added {
			t.Fatalf("AddRequestEvent at a stale version (key %q): added=true with an error", key)
		}
		sameRequest(t, "RequestByRef after the conflict", mustRequest(t, s, r.Ref), current)
		wantOutbox(t, s, requestSubject(r.Ref), append(slices.Clone(n), pn))
	}
}

func testAddRequestEventIdempotent(t *testing.T, s Store) {
	r, e, n := tracked(t, phone(1))
	first := mustCreateRequest(t, s, r, e, n)

	next := first
	next.Status, next.UpdatedAt = crm.RequestReady, feb1(11, 0, 0, 0)
	pe := crm.RequestEvent{Status: crm.RequestReady, By: reqAgency, At: feb1(11, 0, 0, 0), IdempotencyKey: "push-1"}
	pn := statusNote(r.Phone, r.Ref, crm.RequestReady)
	current, added, err := s.AddRequestEvent(Context(t), next, pe, []crm.Notification{pn})
	if err != nil || !added {
		t.Fatalf("AddRequestEvent: added=%t, %v; want added", added, err)
	}

	// The agency sends the same push again: from the version it read (now stale), and from
	// the current one; even with another status the key decides.
	for _, tc := range []struct {
		name string
		from crm.Request
	}{
		{"FromTheVersionItRead", first},
		{"FromTheCurrentVersion", current},
	} {
		again := tc.from
		again.Status, again.UpdatedAt = crm.RequestReady, feb1(11, 5, 0, 0)
		if tc.from.Version == current.Version {
			again.Status = crm.RequestCollected
		}
		ae := pe
		ae.Status, ae.At = again.Status, feb1(11, 5, 0, 0)
		got, added, err := s.AddRequestEvent(Context(t), again, ae, []crm.Notification{statusNote(r.Phone, r.Ref, again.Status)})
		if err != nil {
			t.Fatalf("%s: AddRequestEvent with a recorded key: %v", tc.name, err)
		}
		if added {
			t.Fatalf("%s: AddRequestEvent with a recorded key: added=true, want false", tc.name)
		}
		sameRequest(t, tc.name+": AddRequestEvent with a recorded key", got, current)
		sameRequest(t, tc.name+": RequestByRef", mustRequest(t, s, r.Ref), current)
		wantOutbox(t, s, requestSubject(r.Ref), append(slices.Clone(n), pn))
	}

	// Keys belong to one request: another request's push with the same key is recorded.
	o, oe, on := tracked(t, phone(2))
	ofirst := mustCreateRequest(t, s, o, oe, on)
	onext := ofirst
	onext.Status, onext.UpdatedAt = crm.RequestReady, feb1(11, 0, 0, 0)
	got, added, err := s.AddRequestEvent(Context(t), onext, pe, nil)
	if err != nil || !added {
		t.Fatalf("another request's push with the same key: added=%t, %v; want added", added, err)
	}
	sameRequest(t, "another request's push with the same key", got, stored(onext, 2, oe, pe))
}

// testAddRequestEventConcurrent sends one push 20 times at once, as an agency retrying a slow
// call does, all from the same read: exactly one records the event; the others are told it
// is recorded (added=false) or that the request changed, never anything else.
func testAddRequestEventConcurrent(t *testing.T, s Store) {
	r, e, n := tracked(t, phone(1))
	first := mustCreateRequest(t, s, r, e, n)

	next := first
	next.Status, next.UpdatedAt = crm.RequestProcessing, feb1(11, 0, 0, 0)
	pe := crm.RequestEvent{Status: crm.RequestProcessing, By: reqAgency, At: feb1(11, 0, 0, 0), IdempotencyKey: "push-7"}
	pn := statusNote(r.Phone, r.Ref, crm.RequestProcessing)
	const callers = 20
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		got   = make([]crm.Request, callers)
		added = make([]bool, callers)
		errs  = make([]error, callers)
		ctx   = Context(t)
	)
	for i := range callers {
		wg.Go(func() {
			<-start
			got[i], added[i], errs[i] = s.AddRequestEvent(ctx, next, pe, []crm.Notification{pn})
		})
	}
	close(start)
	wg.Wait()

	want := stored(next, 2, e, pe)
	winners := 0
	for i := range callers {
		switch {
		case errs[i] == nil && added[i]:
			winners++
			sameRequest(t, fmt.Sprintf("caller %d (added)", i), got[i], want)
		case errs[i] == nil:
			sameRequest(t, fmt.Sprintf("caller %d (already recorded)", i), got[i], want)
		case errors.Is(errs[i], crm.ErrConflict):
			if added[i] {
				t.Errorf("caller %d: added=true with %v", i, errs[i])
			}
		default:
			t.Errorf("caller %d: unexpected error: %v", i, errs[i])
		}
	}
	if winners != 1 {
		t.Fatalf("%d callers added the event, want exactly 1", winners)
	}
	sameRequest(t, "RequestByRef", mustRequest(t, s, r.Ref), want)
	wantOutbox(t, s, requestSubject(r.Ref), append(slices.Clone(n), pn))
}

func testUnknownRequest(t *testing.T, s Store) {
	ref := newRef(t)
	_, err := s.RequestByRef(Context(t), ref)
	wantErr(t, "RequestByRef of an unknown reference", err, crm.ErrNotFound)

	r, _, _ := tracked(t, phone(1))
	r.Ref, r.Version, r.Status = ref, 1, crm.RequestProcessing
	for _, key := range []string{"push-1", ""} {
		e := crm.RequestEvent{Status: crm.RequestProcessing, By: reqAgency, At: feb1(11, 0, 0, 0), IdempotencyKey: key}
		_, added, err := s.AddRequestEvent(Context(t), r, e, []crm.Notification{statusNote(r.Phone, ref, r.Status)})
		wantErr(t, fmt.Sprintf("AddRequestEvent to an unknown reference (key %q)", key), err, crm.ErrNotFound)
		if added {
			t.Fatal("AddRequestEvent to an unknown reference: added=true with an error")
		}
	}
	wantOutbox(t, s, crm.NotificationFilter{}, nil)
}

func showAgency(a crm.Agency) string {
	return fmt.Sprintf("%s %q services=%q key=%s created=%s", a.Code, a.Name, a.Services, a.KeyHash, stampOf(a.CreatedAt))
}

func testAgencies(t *testing.T, s Store) {
	ctx := Context(t)
	nrb := crm.Agency{
		Code: reqAgency, Name: "National Registration Bureau",
		Services:  []string{service, "ID-REPLACE", service2}, // unsorted: the store sorts
		KeyHash:   strings.Repeat("ab", 32),
		CreatedAt: feb1(8, 0, 0, 777),
	}
	kra := crm.Agency{Code: "KRA", Name: "Kenya Revenue Authority", Services: []string{service3}, KeyHash: strings.Repeat("cd", 32), CreatedAt: feb1(8, 1, 0, 0)}
	bare := crm.Agency{Code: "NEMA", Name: "No services yet", KeyHash: strings.Repeat("ef", 32), CreatedAt: feb1(8, 2, 0, 0)}
	for _, a := range []crm.Agency{nrb, kra, bare} {
		if err := s.CreateAgency(ctx, a); err != nil {
			t.Fatalf("CreateAgency(%s): %v", a.Code, err)
		}
	}

	wantNRB := nrb
	wantNRB.Services = slices.Sorted(slices.Values(nrb.Services))
	wantNRB.CreatedAt = nrb.CreatedAt.UTC()
	wantKRA := kra
	wantKRA.CreatedAt = kra.CreatedAt.UTC()
	wantBare := bare
	wantBare.CreatedAt = bare.CreatedAt.UTC()
	for _, tc := range []struct {
		code, key string
		want      crm.Agency
	}{
		{nrb.Code, nrb.KeyHash, wantNRB},
		{kra.Code, kra.KeyHash, wantKRA},
		{bare.Code, bare.KeyHash, wantBare},
	} {
		got, err := s.Agency(ctx, tc.code)
		if err != nil {
			t.Fatalf("Agency(%s): %v", tc.code, err)
		}
		if g, w := showAgency(got), showAgency(tc.want); g != w {
			t.Fatalf("Agency(%s):\n got %s\nwant %s", tc.code, g, w)
		}
		got, err = s.AgencyByKey(ctx, tc.key)
		if err != nil {
			t.Fatalf("AgencyByKey(%s's key): %v", tc.code, err)
		}
		if g, w := showAgency(got), showAgency(tc.want); g != w {
			t.Fatalf("AgencyByKey(%s's key):\n got %s\nwant %s", tc.code, g, w)
		}
	}

	again := crm.Agency{Code: reqAgency, Name: "Impostor", Services: []string{service3}, KeyHash: strings.Repeat("99", 32)}
	wantErr(t, "CreateAgency with a taken code", s.CreateAgency(ctx, again), crm.ErrExists)
	got, err := s.Agency(ctx, reqAgency)
	if err != nil {
		t.Fatalf("Agency after the refused create: %v", err)
	}
	if g, w := showAgency(got), showAgency(wantNRB); g != w {
		t.Fatalf("Agency after the refused create:\n got %s\nwant %s", g, w)
	}
	_, err = s.AgencyByKey(ctx, again.KeyHash)
	wantErr(t, "AgencyByKey of the refused agency's key", err, crm.ErrNotFound)

	_, err = s.Agency(ctx, "NOPE")
	wantErr(t, "Agency of an unknown code", err, crm.ErrNotFound)
	_, err = s.AgencyByKey(ctx, strings.Repeat("00", 32))
	wantErr(t, "AgencyByKey of an unknown key", err, crm.ErrNotFound)
}

func testNotificationsFilter(t *testing.T, s Store) {
	r1, e1, _ := tracked(t, phone(1))
	r2, e2, _ := tracked(t, phone(2))
	sub1, sub2 := "request:"+string(r1.Ref), "request:"+string(r2.Ref)
	a := statusNote(phone(1), r1.Ref, crm.RequestReceived)
	b := crm.Notification{Phone: phone(9), Lang: crm.English, Kind: crm.NotifyManagerAlert, Priority: crm.PriorityUrgent, Subject: sub1}
	c := statusNote(phone(2), r2.Ref, crm.RequestReceived)
	d := crm.Notification{Phone: phone(9), Lang: crm.English, Kind: crm.NotifyManagerAlert, Priority: crm.PriorityUrgent, Subject: sub2}
	mustCreateRequest(t, s, r1, e1, []crm.Notification{a, b})
	mustCreateRequest(t, s, r2, e2, []crm.Notification{c, d})

	for _, tc := range []struct {
		name string
		f    crm.NotificationFilter
		want []crm.Notification
	}{
		{"All", crm.NotificationFilter{}, []crm.Notification{a, b, c, d}},
		{"Phone", crm.NotificationFilter{Phone: phone(9)}, []crm.Notification{b, d}},
		{"Kind", crm.NotificationFilter{Kind: crm.NotifyRequestStatus}, []crm.Notification{a, c}},
		{"Subject", crm.NotificationFilter{Subject: sub2}, []crm.Notification{c, d}},
		{"PhoneAndSubject", crm.NotificationFilter{Phone: phone(9), Subject: sub1}, []crm.Notification{b}},
		{"KindAndPhone", crm.NotificationFilter{Kind: crm.NotifyManagerAlert, Phone: phone(1)}, nil},
		{"NoMatch", crm.NotificationFilter{Subject: "case:000"}, nil},
		{"StatusQueued", crm.NotificationFilter{Status: "queued"}, []crm.Notification{a, b, c, d}},
		{"StatusFailed", crm.NotificationFilter{Status: "failed"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { wantOutbox(t, s, tc.f, tc.want) })
	}
}
