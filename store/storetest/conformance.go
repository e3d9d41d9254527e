package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Store is what the conformance suite drives: a crm.Store that can be seeded with reference
// data, as every real store can.
type Store interface {
	crm.Store
	Seed(ctx context.Context, d crm.RefData) error
}

// SlotSetter is the operator's write to a slot row: opening more places than the default, or
// closing a slot with capacity 0. The suite checks that such a row wins over the capacity a
// booking brings when the store offers it, and skips that check otherwise.
type SlotSetter interface {
	SetSlotCapacity(ctx context.Context, centre, service string, day time.Time, start, capacity int) error
}

// Run is the conformance suite every crm.Store must pass. open returns a freshly migrated,
// empty store of its own for each subtest (and cleans it up with t.Cleanup); each subtest
// seeds what it needs, so subtests cannot see each other's rows.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("ReferenceDataRoundTrips", func(t *testing.T) { testReferenceData(t, open(t)) })
	t.Run("SeedTwiceKeepsOperatorEdits", func(t *testing.T) { testSeedTwice(t, open(t)) })
	t.Run("BookRecordsTheAppointment", func(t *testing.T) { testBookRecords(t, open(t)) })
	t.Run("ConcurrentBookingsNeverOverbook", func(t *testing.T) { testConcurrentBookings(t, open(t)) })
	t.Run("AlreadyBookedSameServiceSameDay", func(t *testing.T) { testAlreadyBooked(t, open(t)) })
	t.Run("CancelledPlaceIsBookableAgain", func(t *testing.T) { testCancelFreesPlace(t, open(t)) })
	t.Run("CancelTwiceFreesOnePlace", func(t *testing.T) { testCancelTwice(t, open(t)) })
	t.Run("CancelNotYours", func(t *testing.T) { testCancelNotYours(t, open(t)) })
	t.Run("RescheduleMoves", func(t *testing.T) { testRescheduleMoves(t, open(t)) })
	t.Run("RescheduleRefusals", func(t *testing.T) { testRescheduleRefusals(t, open) })
	t.Run("IdempotencyKeySequential", func(t *testing.T) { testIdempotentSequential(t, open(t)) })
	t.Run("IdempotencyKeyConcurrent", func(t *testing.T) { testIdempotentConcurrent(t, open) })
	t.Run("ReferenceCollision", func(t *testing.T) { testReferenceCollision(t, open(t)) })
	t.Run("ZeroCapacity", func(t *testing.T) { testZeroCapacity(t, open) })
	t.Run("Upcoming", func(t *testing.T) { testUpcoming(t, open(t)) })
	t.Run("Language", func(t *testing.T) { testLanguage(t, open(t)) })
	t.Run("FullSlots", func(t *testing.T) { testFullSlots(t, open(t)) })
	t.Run("SavedReplies", func(t *testing.T) { testSavedReplies(t, open(t)) }) // replies.go
	t.Run("CaseViewers", func(t *testing.T) { testCaseViewers(t, open(t)) })   // presence.go
	t.Run("RequestsOfPhone", func(t *testing.T) { testRequestsOfPhone(t, open(t)) })
	t.Run("LoginFailures", func(t *testing.T) { testLoginFailures(t, open(t)) }) // logins.go
	t.Run("LoginPurge", func(t *testing.T) { testLoginPurge(t, open(t)) })
	runRequests(t, open) // requests.go: tracked requests, agencies, the outbox
	runCases(t, open)    // cases.go: users, tokens, cases, assignment, escalation writes
	runNotify(t, open)   // notify.go: booking notifications, inbound SMS, opt-outs, reminders
	runSending(t, open)  // sending.go: the outbox worker's claims, settling, delivery reports
	runCalls(t, open)    // calls.go: call records merged from voice callbacks, recordings on cases
	runRights(t, open)   // rights.go: a citizen's records, their erasure, retention, case views
}

// The suite books at a real centre and services so a seeded store would accept the same
// rows, on days far enough ahead never to be in the past.
const (
	centre   = "KSM"
	service  = "ID-NEW"
	service2 = "BIRTH-CERT"
	service3 = "KRA-PIN"
)

var day0 = time.Date(2031, time.March, 3, 0, 0, 0, 0, time.UTC) // a Monday

// phone is the i-th test number: +254712000001, +254712000002, …
func phone(i int) crm.Phone { return crm.Phone(fmt.Sprintf("+254712%06d", i)) }

func newRef(t testing.TB) crm.Reference {
	t.Helper()
	r, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// booking is a request for the suite's centre and service on day0, at 09:00 for 10.
func booking(t testing.TB, p crm.Phone) crm.NewAppointment {
	return crm.NewAppointment{
		Ref: newRef(t), Phone: p, Centre: centre, Service: service,
		Day: day0, Start: 9 * 60, Capacity: 10,
		CreatedAt: time.Date(2031, time.February, 1, 7, 30, 15, 123456000, time.UTC),
	}
}

func mustBook(t testing.TB, s Store, a crm.NewAppointment) crm.Appointment {
	t.Helper()
	got, err := s.Book(Context(t), a)
	if err != nil {
		t.Fatalf("Book(%s %s %s %d): %v", a.Centre, a.Service, a.Day.Format(time.DateOnly), a.Start, err)
	}
	return got
}

func mustCancel(t testing.TB, s Store, p crm.Phone, ref crm.Reference) crm.Appointment {
	t.Helper()
	got, err := s.Cancel(Context(t), p, ref)
	if err != nil {
		t.Fatalf("Cancel(%s): %v", ref, err)
	}
	return got
}

func wantErr(t testing.TB, op string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: error %v, want %v", op, got, want)
	}
}

// slot is one slot's state: booked places and capacity; exists false when it has no row.
type slot struct {
	Booked, Capacity int
	Exists           bool
}

func slotAt(t testing.TB, s Store, svc string, day time.Time, start int) slot {
	t.Helper()
	usage, err := s.SlotUsage(Context(t), centre, svc, day)
	if err != nil {
		t.Fatalf("SlotUsage: %v", err)
	}
	for _, u := range usage {
		if u.Start == start {
			return slot{Booked: u.Booked, Capacity: u.Capacity, Exists: true}
		}
	}
	return slot{}
}

// wantBooked checks a slot's booked count; a slot without a row counts as 0 booked.
func wantBooked(t testing.TB, s Store, svc string, day time.Time, start, want int) {
	t.Helper()
	if got := slotAt(t, s, svc, day, start); got.Booked != want {
		t.Fatalf("slot %s %s %s: booked %d, want %d", svc, day.Format(time.DateOnly), crm.FormatMinute(start), got.Booked, want)
	}
}

func upcoming(t testing.TB, s Store, p crm.Phone) []crm.Appointment {
	t.Helper()
	list, err := s.Upcoming(Context(t), p, day0.AddDate(0, 0, -7))
	if err != nil {
		t.Fatalf("Upcoming: %v", err)
	}
	return list
}

func defaultRefData(t testing.TB) crm.RefData {
	t.Helper()
	d, err := crm.DefaultRefData()
	if err != nil {
		t.Fatalf("DefaultRefData: %v", err)
	}
	return d
}

func seed(t testing.TB, s Store, d crm.RefData) {
	t.Helper()
	if err := s.Seed(Context(t), d); err != nil {
		t.Fatalf("Seed: %v", err)
	}
}

func referenceData(t testing.TB, s Store) crm.RefData {
	t.Helper()
	d, err := s.ReferenceData(Context(t))
	if err != nil {
		t.Fatalf("ReferenceData: %v", err)
	}
	return d
}

// sameRefData compares reference data as the catalogue uses it: centres, offerings and
// holidays as sets (the catalogue sorts them), services in order (menus keep it), holidays
// by civil date.
func sameRefData(t testing.TB, got, want crm.RefData) {
	t.Helper()
	sortCentres := func(cs []crm.Centre) []crm.Centre {
		cs = slices.Clone(cs)
		slices.SortFunc(cs, func(a, b crm.Centre) int { return strings.Compare(a.Code, b.Code) })
		return cs
	}
	if g, w := sortCentres(got.Centres), sortCentres(want.Centres); !slices.Equal(g, w) {
		t.Errorf("centres differ:\n got %v\nwant %v", g, w)
	}
	if !slices.Equal(got.Services, want.Services) {
		t.Errorf("services differ (or are out of order):\n got %v\nwant %v", got.Services, want.Services)
	}
	sortOfferings := func(os []crm.Offering) []crm.Offering {
		os = slices.Clone(os)
		slices.SortFunc(os, func(a, b crm.Offering) int {
			return strings.Compare(a.Centre+"/"+a.Service, b.Centre+"/"+b.Service)
		})
		return os
	}
	if g, w := sortOfferings(got.Offerings), sortOfferings(want.Offerings); !slices.Equal(g, w) {
		t.Errorf("offerings differ:\n got %v\nwant %v", g, w)
	}
	holidays := func(hs []crm.Holiday) []string {
		var out []string
		for _, h := range hs {
			out = append(out, crm.DateOf(h.Day).Format(time.DateOnly)+" "+h.Name)
		}
		slices.Sort(out)
		return out
	}
	if g, w := holidays(got.Holidays), holidays(want.Holidays); !slices.Equal(g, w) {
		t.Errorf("holidays differ:\n got %v\nwant %v", g, w)
	}
}

func testReferenceData(t *testing.T, s Store) {
	want := defaultRefData(t)
	seed(t, s, want)
	got := referenceData(t, s)

	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"centres", len(got.Centres), 52},
		{"services", len(got.Services), 67},
		{"offerings", len(got.Offerings), len(want.Offerings)},
		{"holidays", len(got.Holidays), len(want.Holidays)},
	} {
		if c.got != c.want {
			t.Errorf("%d %s, want %d", c.got, c.what, c.want)
		}
	}
	if len(want.Offerings) == 0 || len(want.Holidays) == 0 {
		t.Fatal("the embedded reference data has no offerings or holidays; the round trip proves nothing")
	}
	sameRefData(t, got, want)
	for _, h := range got.Holidays {
		if !h.Day.Equal(crm.DateOf(h.Day)) {
			t.Errorf("holiday %s: day %v is not midnight UTC (see crm.DateOf)", h.Name, h.Day)
		}
	}

	// What the store gives back builds the same catalogue, menu order included.
	gotCat, wantCat := crm.NewCatalog(got), crm.NewCatalog(want)
	for _, c := range want.Centres {
		if g, w := gotCat.ServicesAt(c.Code), wantCat.ServicesAt(c.Code); !slices.Equal(g, w) {
			t.Errorf("services at %s differ:\n got %v\nwant %v", c.Code, g, w)
		}
	}
}

func testSeedTwice(t *testing.T, s Store) {
	d := defaultRefData(t)
	seed(t, s, d)
	seed(t, s, d)
	sameRefData(t, referenceData(t, s), d)

	// The second seed brings different values for existing rows (as a newer binary's CSVs
	// would after an operator edited the store) and one new holiday. The existing rows keep
	// their values; the new row is added.
	edited := d
	edited.Centres = slices.Clone(d.Centres)
	edited.Centres[0].Name = "Renamed by a newer seed"
	edited.Services = slices.Clone(d.Services)
	edited.Services[0].ShortSW = "Imebadilishwa"
	edited.Holidays = slices.Clone(d.Holidays)
	edited.Holidays[0].Name = "Moved by a newer seed"
	extra := crm.Holiday{Day: time.Date(2031, time.December, 31, 0, 0, 0, 0, time.UTC), Name: "One-off holiday"}
	edited.Holidays = append(edited.Holidays, extra)
	seed(t, s, edited)

	want := d
	want.Holidays = append(slices.Clone(d.Holidays), extra)
	sameRefData(t, referenceData(t, s), want)
}

func testBookRecords(t *testing.T, s Store) {
	req := booking(t, phone(1))
	req.Day = time.Date(day0.Year(), day0.Month(), day0.Day(), 0, 0, 0, 0, time.UTC)
	got := mustBook(t, s, req)
	want := crm.Appointment{
		Ref: req.Ref, Phone: req.Phone, Centre: req.Centre, Service: req.Service,
		Day: day0, Start: req.Start, Status: crm.StatusBooked, CreatedAt: req.CreatedAt,
	}
	sameAppointment(t, "Book", got, want)
	list := upcoming(t, s, phone(1))
	if len(list) != 1 {
		t.Fatalf("Upcoming: %d appointments, want 1", len(list))
	}
	sameAppointment(t, "Upcoming", list[0], want)
	if got := slotAt(t, s, service, day0, req.Start); got != (slot{Booked: 1, Capacity: 10, Exists: true}) {
		t.Fatalf("slot after first booking: %+v, want booked 1 of 10", got)
	}
}

// sameAppointment compares appointments, times by instant.
func sameAppointment(t testing.TB, op string, got, want crm.Appointment) {
	t.Helper()
	g, w := got, want
	g.Day, w.Day, g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w || !got.Day.Equal(want.Day) || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("%s:\n got %+v\nwant %+v", op, got, want)
	}
}

func testConcurrentBookings(t *testing.T, s Store) {
	const callers, capacity = 200, 20
	var (
		mu             sync.Mutex
		booked, full   int
		unexpected     []error
		wg             sync.WaitGroup
		start          = make(chan struct{})
		bookedByCaller = make([]bool, callers)
		ctx            = Context(t)
	)
	for i := range callers {
		req := booking(t, phone(1+i))
		req.Capacity = capacity
		wg.Go(func() {
			<-start
			_, err := s.Book(ctx, req)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				booked++
				bookedByCaller[i] = true
			case errors.Is(err, crm.ErrSlotFull):
				full++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range unexpected {
		t.Errorf("Book: unexpected error: %v", err)
	}
	if booked != capacity || full != callers-capacity {
		t.Fatalf("%d booked and %d full, want %d and %d", booked, full, capacity, callers-capacity)
	}
	if got := slotAt(t, s, service, day0, 9*60); got != (slot{Booked: capacity, Capacity: capacity, Exists: true}) {
		t.Fatalf("slot: %+v, want booked %d of %d", got, capacity, capacity)
	}
	// Every caller that was told "booked" holds an appointment; no one else does.
	for i, ok := range bookedByCaller {
		want := 0
		if ok {
			want = 1
		}
		if n := len(upcoming(t, s, phone(1+i))); n != want {
			t.Fatalf("caller %d: %d appointments, want %d", i, n, want)
		}
	}
}

func testAlreadyBooked(t *testing.T, s Store) {
	p := phone(1)
	mustBook(t, s, booking(t, p))

	again := booking(t, p)
	again.Start = 10 * 60
	_, err := s.Book(Context(t), again)
	wantErr(t, "second booking of the service that day", err, crm.ErrAlreadyBooked)
	wantBooked(t, s, service, day0, 9*60, 1)
	wantBooked(t, s, service, day0, 10*60, 0)
	if n := len(upcoming(t, s, p)); n != 1 {
		t.Fatalf("%d appointments, want 1", n)
	}

	// The rule is per service and per day.
	other := booking(t, p)
	other.Service = service2
	mustBook(t, s, other)
	nextDay := booking(t, p)
	nextDay.Day = day0.AddDate(0, 0, 1)
	mustBook(t, s, nextDay)
}

func testCancelFreesPlace(t *testing.T, s Store) {
	first := booking(t, phone(1))
	first.Capacity = 1
	a := mustBook(t, s, first)

	second := booking(t, phone(2))
	second.Capacity = 1
	_, err := s.Book(Context(t), second)
	wantErr(t, "booking a full slot", err, crm.ErrSlotFull)

	mustCancel(t, s, phone(1), a.Ref)
	wantBooked(t, s, service, day0, 9*60, 0)
	second.Ref = newRef(t)
	mustBook(t, s, second)
	wantBooked(t, s, service, day0, 9*60, 1)

	// The cancelled citizen can book the same service that day again (elsewhere: this
	// slot is full again).
	rebook := booking(t, phone(1))
	rebook.Start = 10 * 60
	mustBook(t, s, rebook)
}

func testCancelTwice(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))
	mustBook(t, s, booking(t, phone(2)))
	wantBooked(t, s, service, day0, 9*60, 2)

	for i := range 2 {
		got := mustCancel(t, s, phone(1), a.Ref)
		if got.Ref != a.Ref || got.Status != crm.StatusCancelled {
			t.Fatalf("cancel #%d: %+v, want %s cancelled", i+1, got, a.Ref)
		}
	}
	wantBooked(t, s, service, day0, 9*60, 1)
	if n := len(upcoming(t, s, phone(1))); n != 0 {
		t.Fatalf("%d upcoming appointments after cancelling, want 0", n)
	}
}

func testCancelNotYours(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))
	_, err := s.Cancel(Context(t), phone(2), a.Ref)
	wantErr(t, "cancel with another phone", err, crm.ErrNotFound)
	_, err = s.Cancel(Context(t), phone(1), newRef(t))
	wantErr(t, "cancel an unknown reference", err, crm.ErrNotFound)
	wantBooked(t, s, service, day0, 9*60, 1)
	if list := upcoming(t, s, phone(1)); len(list) != 1 || list[0].Status != crm.StatusBooked {
		t.Fatalf("appointment after refused cancels: %+v, want it still booked", list)
	}
}

func testRescheduleMoves(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))
	newDay := day0.AddDate(0, 0, 1)

	// To the same slot: nothing to do.
	got, err := s.Reschedule(Context(t), phone(1), a.Ref, day0, 9*60, 10)
	if err != nil {
		t.Fatalf("Reschedule to the same slot: %v", err)
	}
	sameAppointment(t, "Reschedule to the same slot", got, a)
	wantBooked(t, s, service, day0, 9*60, 1)

	got, err = s.Reschedule(Context(t), phone(1), a.Ref, newDay, 10*60, 10)
	if err != nil {
		t.Fatalf("Reschedule: %v", err)
	}
	want := a
	want.Day, want.Start = newDay, 10*60
	sameAppointment(t, "Reschedule", got, want)
	wantBooked(t, s, service, day0, 9*60, 0)
	wantBooked(t, s, service, newDay, 10*60, 1)
	list := upcoming(t, s, phone(1))
	if len(list) != 1 {
		t.Fatalf("%d appointments after rescheduling, want 1", len(list))
	}
	sameAppointment(t, "Upcoming after rescheduling", list[0], want)

	// Within the same day, too.
	got, err = s.Reschedule(Context(t), phone(1), a.Ref, newDay, 8*60, 10)
	if err != nil {
		t.Fatalf("Reschedule within the day: %v", err)
	}
	want.Start = 8 * 60
	sameAppointment(t, "Reschedule within the day", got, want)
	wantBooked(t, s, service, newDay, 10*60, 0)
	wantBooked(t, s, service, newDay, 8*60, 1)
}

// testRescheduleRefusals checks that each refused reschedule leaves the appointment and both
// slots exactly as they were.
func testRescheduleRefusals(t *testing.T, open func(t *testing.T) Store) {
	target := day0.AddDate(0, 0, 1)
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, s Store, a crm.Appointment)
		phone   crm.Phone
		want    error
		// targetBooked is the target slot's count before and after the refusal.
		targetBooked int
	}{
		{
			name: "IntoFullSlot",
			prepare: func(t *testing.T, s Store, a crm.Appointment) {
				other := booking(t, phone(2))
				other.Day, other.Start, other.Capacity = target, 10*60, 1
				mustBook(t, s, other)
			},
			phone: phone(1), want: crm.ErrSlotFull, targetBooked: 1,
		},
		{
			name: "OntoADayAlreadyBooked",
			prepare: func(t *testing.T, s Store, a crm.Appointment) {
				mine := booking(t, phone(1))
				mine.Day, mine.Start = target, 11*60
				mustBook(t, s, mine)
			},
			phone: phone(1), want: crm.ErrAlreadyBooked, targetBooked: 0,
		},
		{
			name:  "AnotherPhone",
			phone: phone(2), want: crm.ErrNotFound, targetBooked: 0,
		},
		{
			name: "Cancelled",
			prepare: func(t *testing.T, s Store, a crm.Appointment) {
				mustCancel(t, s, phone(1), a.Ref)
			},
			phone: phone(1), want: crm.ErrAppointmentEnded, targetBooked: 0,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			a := mustBook(t, s, booking(t, phone(1)))
			if tc.prepare != nil {
				tc.prepare(t, s, a)
			}
			before := slotAt(t, s, service, day0, 9*60)
			mine := upcoming(t, s, phone(1))

			_, err := s.Reschedule(Context(t), tc.phone, a.Ref, target, 10*60, 1)
			wantErr(t, "Reschedule", err, tc.want)

			if after := slotAt(t, s, service, day0, 9*60); after != before {
				t.Fatalf("old slot changed: %+v, was %+v", after, before)
			}
			wantBooked(t, s, service, target, 10*60, tc.targetBooked)
			after := upcoming(t, s, phone(1))
			if len(after) != len(mine) {
				t.Fatalf("appointments changed: %+v, were %+v", after, mine)
			}
			for i := range mine {
				sameAppointment(t, "appointment after a refused reschedule", after[i], mine[i])
			}
		})
	}
}

func testIdempotentSequential(t *testing.T, s Store) {
	req := booking(t, phone(1))
	req.IdempotencyKey = "ussd-session-1/hop-4"
	first := mustBook(t, s, req)

	req.Ref = newRef(t) // a retried request draws a fresh reference
	second := mustBook(t, s, req)
	sameAppointment(t, "repeated request", second, first)
	wantBooked(t, s, service, day0, 9*60, 1)
	if n := len(upcoming(t, s, phone(1))); n != 1 {
		t.Fatalf("%d appointments, want 1", n)
	}

	// Another key is another action: here the same citizen again, so already booked.
	req.Ref, req.IdempotencyKey = newRef(t), "ussd-session-2/hop-4"
	_, err := s.Book(Context(t), req)
	wantErr(t, "new key, same booking", err, crm.ErrAlreadyBooked)
}

// testIdempotentConcurrent sends one action 20 times at once, as an aggregator retrying a
// slow request does. With capacity 1 the duplicates also meet a full slot; they must still
// get the first appointment back, not "slot full".
func testIdempotentConcurrent(t *testing.T, open func(t *testing.T) Store) {
	for _, capacity := range []int{20, 1} {
		t.Run(fmt.Sprintf("Capacity%d", capacity), func(t *testing.T) {
			s := open(t)
			const callers = 20
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				refs  = make([]crm.Reference, callers)
				errs  = make([]error, callers)
				ctx   = Context(t)
			)
			for i := range callers {
				req := booking(t, phone(1))
				req.Capacity = capacity
				req.IdempotencyKey = "ussd-session-7/hop-3"
				wg.Go(func() {
					<-start
					a, err := s.Book(ctx, req)
					refs[i], errs[i] = a.Ref, err
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("caller %d: %v", i, err)
				}
				if refs[i] != refs[0] {
					t.Fatalf("caller %d got reference %s, caller 0 got %s", i, refs[i], refs[0])
				}
			}
			wantBooked(t, s, service, day0, 9*60, 1)
			if list := upcoming(t, s, phone(1)); len(list) != 1 || list[0].Ref != refs[0] {
				t.Fatalf("appointments %+v, want just %s", list, refs[0])
			}
		})
	}
}

func testReferenceCollision(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))

	clash := booking(t, phone(2))
	clash.Ref = a.Ref
	clash.Service = service2
	_, err := s.Book(Context(t), clash)
	wantErr(t, "booking with a taken reference", err, crm.ErrReferenceTaken)
	wantBooked(t, s, service2, day0, 9*60, 0)
	if n := len(upcoming(t, s, phone(2))); n != 0 {
		t.Fatalf("%d appointments for the colliding phone, want 0", n)
	}
	// The same request with a fresh reference (what the desk retries) books.
	clash.Ref = newRef(t)
	mustBook(t, s, clash)
	wantBooked(t, s, service2, day0, 9*60, 1)
}

func testZeroCapacity(t *testing.T, open func(t *testing.T) Store) {
	t.Run("NoRowAndNoCapacity", func(t *testing.T) {
		s := open(t)
		req := booking(t, phone(1))
		req.Capacity = 0
		_, err := s.Book(Context(t), req)
		wantErr(t, "Book with capacity 0", err, crm.ErrSlotFull)
		if got := slotAt(t, s, service, day0, 9*60); got.Exists {
			t.Fatalf("a refused booking left a slot row: %+v", got)
		}
	})
	for _, tc := range []struct {
		name         string
		operatorCap  int // the row the operator wrote
		requestCap   int // the desk's default capacity the bookings bring
		wantBookings int
	}{
		{"OperatorClosedSlot", 0, 20, 0},
		{"OperatorOpenedMorePlaces", 3, 1, 3},
		{"OperatorRowWithDefaultZero", 2, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			op, ok := s.(SlotSetter)
			if !ok {
				t.Skipf("%T has no SetSlotCapacity: the operator's slot rows are not tested", s)
			}
			if err := op.SetSlotCapacity(Context(t), centre, service, day0, 9*60, tc.operatorCap); err != nil {
				t.Fatalf("SetSlotCapacity: %v", err)
			}
			for i := range tc.wantBookings {
				req := booking(t, phone(1+i))
				req.Capacity = tc.requestCap
				mustBook(t, s, req)
			}
			req := booking(t, phone(100))
			req.Capacity = tc.requestCap
			_, err := s.Book(Context(t), req)
			wantErr(t, "booking past the operator's capacity", err, crm.ErrSlotFull)
			want := slot{Booked: tc.wantBookings, Capacity: tc.operatorCap, Exists: true}
			if got := slotAt(t, s, service, day0, 9*60); got != want {
				t.Fatalf("slot %+v, want %+v", got, want)
			}
		})
	}
}

func testUpcoming(t *testing.T, s Store) {
	p := phone(1)
	at := func(svc string, day time.Time, start int) crm.Appointment {
		req := booking(t, p)
		req.Service, req.Day, req.Start = svc, day, start
		return mustBook(t, s, req)
	}
	later := at(service, day0.AddDate(0, 0, 2), 9*60)
	second := at(service, day0, 10*60)
	first := at(service2, day0, 8*60)
	at(service3, day0.AddDate(0, 0, -1), 8*60) // before from: past
	cancelled := at(service3, day0.AddDate(0, 0, 1), 8*60)
	mustCancel(t, s, p, cancelled.Ref)
	other := booking(t, phone(2)) // someone else's
	mustBook(t, s, other)

	list, err := s.Upcoming(Context(t), p, day0)
	if err != nil {
		t.Fatalf("Upcoming: %v", err)
	}
	var got []crm.Reference
	for _, a := range list {
		got = append(got, a.Ref)
	}
	if want := []crm.Reference{first.Ref, second.Ref, later.Ref}; !slices.Equal(got, want) {
		t.Fatalf("Upcoming: %v, want %v (08:00 and 10:00 on the day, then two days later)", got, want)
	}

	none, err := s.Upcoming(Context(t), phone(3), day0)
	if err != nil || len(none) != 0 {
		t.Fatalf("Upcoming for a phone without appointments: %v, %v; want none", none, err)
	}
}

func testLanguage(t *testing.T, s Store) {
	ctx := Context(t)
	for _, step := range []struct {
		set  crm.Lang // "" reads only
		p    crm.Phone
		want crm.Lang
	}{
		{"", phone(1), ""},
		{crm.Swahili, phone(1), crm.Swahili},
		{crm.English, phone(1), crm.English},
		{"", phone(2), ""},
	} {
		if step.set != "" {
			if err := s.SetLanguage(ctx, step.p, step.set); err != nil {
				t.Fatalf("SetLanguage(%s): %v", step.set, err)
			}
		}
		got, err := s.Language(ctx, step.p)
		if err != nil {
			t.Fatalf("Language: %v", err)
		}
		if got != step.want {
			t.Fatalf("Language after setting %q: %q, want %q", step.set, got, step.want)
		}
	}
}

// testFullSlots: the slots with no place left are listed, booked up or closed by the
// operator, within the days asked for and no others, and a cancellation takes a slot off.
func testFullSlots(t *testing.T, s Store) {
	ctx := Context(t)
	full := func(from, to time.Time) []crm.SlotKey {
		t.Helper()
		got, err := s.FullSlots(ctx, from, to)
		if err != nil {
			t.Fatalf("FullSlots: %v", err)
		}
		slices.SortFunc(got, func(a, b crm.SlotKey) int {
			return strings.Compare(fmt.Sprint(a.Day.Format(time.DateOnly), a.Service, a.Start),
				fmt.Sprint(b.Day.Format(time.DateOnly), b.Service, b.Start))
		})
		return got
	}
	bookAt := func(p crm.Phone, svc string, day time.Time, start, capacity int) crm.Appointment {
		req := booking(t, p)
		req.Service, req.Day, req.Start, req.Capacity = svc, day, start, capacity
		return mustBook(t, s, req)
	}
	day1 := day0.AddDate(0, 0, 1)
	// Booked up: two places of two.
	last := bookAt(phone(1), service, day0, 9*60, 2)
	bookAt(phone(2), service, day0, 9*60, 2)
	// A place left: one of two.
	bookAt(phone(3), service2, day0, 10*60, 2)
	// Booked up on the next day, outside a one-day window.
	bookAt(phone(4), service, day1, 9*60, 1)
	want := []crm.SlotKey{{Centre: centre, Service: service, Day: day0, Start: 9 * 60}}
	if op, ok := s.(SlotSetter); ok {
		// Closed by the operator, with nothing booked.
		if err := op.SetSlotCapacity(ctx, centre, service3, day0, 11*60, 0); err != nil {
			t.Fatalf("SetSlotCapacity: %v", err)
		}
		want = append(want, crm.SlotKey{Centre: centre, Service: service3, Day: day0, Start: 11 * 60})
	}
	if got := full(day0, day0); !slices.Equal(got, want) {
		t.Fatalf("FullSlots(day0) = %+v, want %+v", got, want)
	}
	if got := full(day0, day1); len(got) != len(want)+1 || !got[len(got)-1].Day.Equal(day1) {
		t.Fatalf("FullSlots(day0…day1) = %+v, want those of day0 and the one of day1", got)
	}
	mustCancel(t, s, phone(1), last.Ref)
	if got := full(day0, day0); slices.Contains(got, want[0]) {
		t.Fatalf("FullSlots after a cancellation still lists %+v: %+v", want[0], got)
	}
}
