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

// runCases is the conformance suite for users, tokens, cases and assignment.
func runCases(t *testing.T, open func(t *testing.T) Store) {
	t.Run("CaseRoundTrips", func(t *testing.T) { testCaseRoundTrip(t, open(t)) })
	t.Run("CaseEmptyFieldsRoundTrip", func(t *testing.T) { testCaseEmptyFields(t, open(t)) })
	t.Run("CreateCaseIdempotencyKey", func(t *testing.T) { testCaseIdempotentSequential(t, open(t)) })
	t.Run("CreateCaseIdempotencyKeyConcurrent", func(t *testing.T) { testCaseIdempotentConcurrent(t, open(t)) })
	t.Run("CaseNumberTaken", func(t *testing.T) { testCaseNumberTaken(t, open(t)) })
	t.Run("UpdateCaseWritesTheChange", func(t *testing.T) { testUpdateCase(t, open(t)) })
	t.Run("UpdateCaseStaleVersion", func(t *testing.T) { testUpdateCaseStale(t, open(t)) })
	t.Run("UpdateCaseConcurrent", func(t *testing.T) { testUpdateCaseConcurrent(t, open(t)) })
	t.Run("CasesFilter", func(t *testing.T) { testCasesFilter(t, open(t)) })
	t.Run("AddAudit", func(t *testing.T) { testAddAudit(t, open(t)) })
	t.Run("WatchCases", func(t *testing.T) { testWatchCases(t, open(t)) })
	t.Run("OpenCaseCounts", func(t *testing.T) { testOpenCaseCounts(t, open(t)) })
	t.Run("CasesDefaultLimit", func(t *testing.T) { testCasesDefaultLimit(t, open(t)) })
	t.Run("CaseSearch", func(t *testing.T) { testCaseSearch(t, open(t)) }) // case_search.go
	t.Run("DueCases", func(t *testing.T) { testDueCases(t, open(t)) })
	t.Run("UnassignedCases", func(t *testing.T) { testUnassignedCases(t, open(t)) })
	t.Run("AssignNextRoundRobin", func(t *testing.T) { testAssignRoundRobin(t, open(t)) })
	t.Run("AssignNextLanguage", func(t *testing.T) { testAssignLanguage(t, open(t)) })
	t.Run("AssignNextAvailabilityAndCap", func(t *testing.T) { testAssignAvailabilityAndCap(t, open(t)) })
	t.Run("AssignNextIntegrityQueue", func(t *testing.T) { testAssignIntegrity(t, open(t)) })
	t.Run("AssignNextStaleVersion", func(t *testing.T) { testAssignStale(t, open(t)) })
	t.Run("AssignNextConcurrent", func(t *testing.T) { testAssignConcurrent(t, open(t)) })
	t.Run("RatingSummary", func(t *testing.T) { testRatingSummary(t, open(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open(t)) })
}

// caseT0 is when the suite's cases are lodged: a Monday morning in Nairobi, to the
// microsecond the stores keep. Stores must hand every time back as the same instant in UTC.
var caseT0 = time.Date(2031, time.March, 3, 9, 0, 0, 123456000, time.FixedZone("EAT", 3*60*60))

// caseAt is caseT0 moved by d.
func caseAt(d time.Duration) time.Time { return caseT0.Add(d) }

// complaint is a new complaint from phone p about the suite's centre, as the Office opens
// one: queue, level, deadlines and times set, no assignee.
func complaint(t testing.TB, p crm.Phone) crm.Case {
	return crm.Case{
		Number: newRef(t), Kind: crm.KindComplaint, Category: crm.CategoryLongWait,
		Queue: crm.QueueGeneral, Phone: p, Lang: crm.Swahili, Centre: centre, Service: service,
		Description: "Nilisubiri saa tano — foleni haikusonga",
		Status:      crm.CaseNew, Level: crm.LevelAgent,
		DueAt: caseAt(4 * time.Hour), ResolutionDue: caseAt(72 * time.Hour),
		CreatedAt: caseT0, UpdatedAt: caseT0,
	}
}

// created is the audit entry the Office writes with a new case.
func created(c crm.Case) crm.AuditEntry {
	return crm.AuditEntry{At: c.CreatedAt, Actor: "citizen", Action: "created", To: string(crm.CaseNew), Detail: string(c.Category)}
}

// ack is the citizen's acknowledgement of case c.
func ack(c crm.Case) crm.Notification {
	return crm.Notification{
		Phone: c.Phone, Lang: c.Lang, Kind: crm.NotifyComplaintAck,
		Params:   map[string]string{"case": string(c.Number)},
		Priority: crm.PriorityNormal, Essential: true, Subject: caseSubject(c.Number).Subject,
	}
}

func caseSubject(number crm.Reference) crm.NotificationFilter {
	return crm.NotificationFilter{Subject: crm.CaseSubject(number)}
}

// mustCreateCase stores c with its created entry and acknowledgement and returns it as
// stored.
func mustCreateCase(t testing.TB, s Store, c crm.Case) crm.Case {
	t.Helper()
	got, isNew, err := s.CreateCase(Context(t), c, created(c), []crm.Notification{ack(c)})
	if err != nil {
		t.Fatalf("CreateCase(%s): %v", c.Number, err)
	}
	if !isNew {
		t.Fatalf("CreateCase(%s): created=false for a new case", c.Number)
	}
	return got
}

func mustCase(t testing.TB, s Store, id int64) crm.Case {
	t.Helper()
	c, err := s.Case(Context(t), id)
	if err != nil {
		t.Fatalf("Case(%d): %v", id, err)
	}
	return c
}

func mustUpdateCase(t testing.TB, s Store, c crm.Case, ch crm.CaseChange) crm.Case {
	t.Helper()
	got, err := s.UpdateCase(Context(t), c, ch)
	if err != nil {
		t.Fatalf("UpdateCase(%d at v%d): %v", c.ID, c.Version, err)
	}
	return got
}

func mustTimeline(t testing.TB, s Store, id int64) ([]crm.AuditEntry, []crm.Note) {
	t.Helper()
	audit, notes, err := s.Timeline(Context(t), id)
	if err != nil {
		t.Fatalf("Timeline(%d): %v", id, err)
	}
	return audit, notes
}

func mustCases(t testing.TB, s Store, f crm.CaseFilter) []crm.Case {
	t.Helper()
	list, err := s.Cases(Context(t), f)
	if err != nil {
		t.Fatalf("Cases(%+v): %v", f, err)
	}
	return list
}

// caseTimes lists a case's times, for the helpers that render and normalise them.
func caseTimes(c *crm.Case) []*time.Time {
	return []*time.Time{&c.Callback.From, &c.Callback.To, &c.DueAt, &c.ResolutionDue,
		&c.FirstResponseAt, &c.PausedAt, &c.ResolvedAt, &c.RatedAt, &c.CreatedAt, &c.UpdatedAt}
}

// showCase renders every field of a case, times by stampOf (so a time handed back in
// another zone than UTC shows differently).
func showCase(c crm.Case) string {
	var stamps []string
	for _, tm := range caseTimes(&c) {
		stamps = append(stamps, stampOf(*tm))
	}
	return fmt.Sprintf("#%d %s %s/%s queue=%s phone=%s lang=%s centre=%q service=%q desc=%q rec=%q asap=%t "+
		"status=%s L%d assignee=%d rating=%q key=%q v%d times=%s",
		c.ID, c.Number, c.Kind, c.Category, c.Queue, c.Phone, c.Lang, c.Centre, c.Service, c.Description,
		c.RecordingURL, c.Callback.ASAP, c.Status, c.Level, c.AssigneeID, c.Rating, c.IdempotencyKey, c.Version,
		strings.Join(stamps, ","))
}

func sameCase(t testing.TB, op string, got, want crm.Case) {
	t.Helper()
	if g, w := showCase(got), showCase(want); g != w {
		t.Fatalf("%s:\n got %s\nwant %s", op, g, w)
	}
}

// storedCase is what a store gives back for a case it was handed: times in UTC, the given
// ID and version.
func storedCase(c crm.Case, id int64, version int) crm.Case {
	for _, tm := range caseTimes(&c) {
		*tm = tm.UTC()
	}
	c.ID, c.Version = id, version
	return c
}

func caseIDs(list []crm.Case) []int64 {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	return ids
}

// showAudit and showNote render timeline entries without their IDs.
func showAudit(a crm.AuditEntry) string {
	return fmt.Sprintf("case=%d at=%s actor=%d/%s %s %q→%q %q", a.CaseID, stampOf(a.At), a.ActorID, a.Actor, a.Action, a.From, a.To, a.Detail)
}

func showNote(n crm.Note) string {
	return fmt.Sprintf("case=%d author=%d/%s reply=%t at=%s %q", n.CaseID, n.AuthorID, n.Author, n.Reply, stampOf(n.At), n.Body)
}

// wantTimeline checks a case's timeline against want (times normalised to UTC, CaseIDs
// those of case id), and that IDs are set.
func wantTimeline(t testing.TB, s Store, id int64, wantAudit []crm.AuditEntry, wantNotes []crm.Note) {
	t.Helper()
	audit, notes := mustTimeline(t, s, id)
	var g, w []string
	for _, a := range audit {
		if a.ID == 0 {
			t.Errorf("audit entry without an ID: %s", showAudit(a))
		}
		g = append(g, showAudit(a))
	}
	for _, a := range wantAudit {
		a.CaseID, a.At = id, a.At.UTC()
		w = append(w, showAudit(a))
	}
	if !slices.Equal(g, w) {
		t.Fatalf("Timeline(%d) audit:\n got %s\nwant %s", id, strings.Join(g, "\n     "), strings.Join(w, "\n     "))
	}
	g, w = nil, nil
	for _, n := range notes {
		if n.ID == 0 {
			t.Errorf("note without an ID: %s", showNote(n))
		}
		g = append(g, showNote(n))
	}
	for _, n := range wantNotes {
		n.CaseID, n.At = id, n.At.UTC()
		w = append(w, showNote(n))
	}
	if !slices.Equal(g, w) {
		t.Fatalf("Timeline(%d) notes:\n got %s\nwant %s", id, strings.Join(g, "\n     "), strings.Join(w, "\n     "))
	}
}

// agent is an available general-queue agent who speaks langs.
func agent(username string, langs ...crm.Lang) crm.User {
	return crm.User{
		Username: username, Name: strings.ToUpper(username[:1]) + username[1:], Role: crm.RoleAgent,
		Phone: phone(900), Queue: crm.QueueGeneral, Langs: langs, Available: true,
		PasswordHash: "$2a$10$" + username, CreatedAt: caseAt(-24 * time.Hour),
	}
}

func mustCreateUser(t testing.TB, s Store, u crm.User) crm.User {
	t.Helper()
	got, err := s.CreateUser(Context(t), u)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", u.Username, err)
	}
	if got.ID == 0 {
		t.Fatalf("CreateUser(%s): no ID", u.Username)
	}
	return got
}

func mustUser(t testing.TB, s Store, id int64) crm.User {
	t.Helper()
	u, err := s.User(Context(t), id)
	if err != nil {
		t.Fatalf("User(%d): %v", id, err)
	}
	return u
}

func showUser(u crm.User) string {
	return fmt.Sprintf("#%d %s %q %s phone=%s centre=%q queue=%q langs=%v available=%t hash=%q created=%s last=%s console=%q disabled=%t",
		u.ID, u.Username, u.Name, u.Role, u.Phone, u.Centre, u.Queue, u.Langs, u.Available,
		u.PasswordHash, stampOf(u.CreatedAt), stampOf(u.LastAssignedAt), u.ConsoleLang, u.Disabled)
}

func sameUser(t testing.TB, op string, got, want crm.User) {
	t.Helper()
	want.CreatedAt, want.LastAssignedAt = want.CreatedAt.UTC(), want.LastAssignedAt.UTC()
	if g, w := showUser(got), showUser(want); g != w {
		t.Fatalf("%s:\n got %s\nwant %s", op, g, w)
	}
}

func mustAssign(t testing.TB, s Store, c crm.Case, limit int, now time.Time) (crm.Case, crm.User) {
	t.Helper()
	got, u, err := s.AssignNext(Context(t), c, limit, now)
	if err != nil {
		t.Fatalf("AssignNext(%d): %v", c.ID, err)
	}
	return got, u
}

func testCaseRoundTrip(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("achieng", crm.Swahili))
	c := complaint(t, phone(1))
	// Every field set, each to a different value, so a column swapped or dropped shows.
	c.Category, c.Kind = crm.CategoryStaffConduct, crm.KindCallback
	c.Callback = crm.CallbackWindow{From: caseAt(time.Hour), To: caseAt(2 * time.Hour), ASAP: true}
	c.Status, c.Level, c.AssigneeID = crm.CaseResolved, crm.LevelManager, a.ID
	c.FirstResponseAt, c.PausedAt = caseAt(10*time.Minute), caseAt(20*time.Minute)
	c.ResolvedAt, c.Rating, c.RatedAt = caseAt(30*time.Minute), crm.RatingGood, caseAt(40*time.Minute)
	c.IdempotencyKey = "ussd:sess-1:7"
	c.RecordingURL = "https://voice.africastalking.com/recordings/ATVId_round-trip.mp3"
	c.UpdatedAt = caseAt(50 * time.Minute)

	got := mustCreateCase(t, s, c)
	if got.ID == 0 {
		t.Fatal("CreateCase: the case has no ID")
	}
	want := storedCase(c, got.ID, 1)
	sameCase(t, "CreateCase", got, want)
	sameCase(t, "Case", mustCase(t, s, got.ID), want)
	byNumber, err := s.CaseByNumber(Context(t), c.Number)
	if err != nil {
		t.Fatalf("CaseByNumber: %v", err)
	}
	sameCase(t, "CaseByNumber", byNumber, want)
	wantTimeline(t, s, got.ID, []crm.AuditEntry{created(c)}, nil)
	wantOutbox(t, s, caseSubject(c.Number), []crm.Notification{ack(c)})

	// A second case gets another ID.
	other := mustCreateCase(t, s, complaint(t, phone(2)))
	if other.ID == got.ID {
		t.Fatalf("two cases share ID %d", got.ID)
	}

	_, err = s.Case(Context(t), got.ID+other.ID+100)
	wantErr(t, "Case of an unknown ID", err, crm.ErrNotFound)
	_, err = s.CaseByNumber(Context(t), newRef(t))
	wantErr(t, "CaseByNumber of an unknown number", err, crm.ErrNotFound)
	_, _, err = s.Timeline(Context(t), got.ID+other.ID+100)
	wantErr(t, "Timeline of an unknown case", err, crm.ErrNotFound)
}

// A case with nothing optional set keeps its zero times, no assignee, no rating and no key,
// and a note or audit entry by the system keeps actor 0.
func testCaseEmptyFields(t *testing.T, s Store) {
	c := complaint(t, phone(1))
	c.Centre, c.Service, c.Description = "", "", ""
	c.DueAt, c.ResolutionDue = time.Time{}, time.Time{}
	got, isNew, err := s.CreateCase(Context(t), c, created(c), nil)
	if err != nil || !isNew {
		t.Fatalf("CreateCase: created=%t, %v", isNew, err)
	}
	want := storedCase(c, got.ID, 1)
	sameCase(t, "CreateCase", got, want)
	sameCase(t, "Case", mustCase(t, s, got.ID), want)
	wantOutbox(t, s, caseSubject(c.Number), nil)

	// Set everything, then clear it again: the columns go back to NULL.
	full := got
	full.Callback = crm.CallbackWindow{From: caseAt(time.Hour), To: caseAt(2 * time.Hour), ASAP: true}
	full.DueAt, full.ResolvedAt, full.Rating, full.RatedAt = caseAt(time.Hour), caseAt(time.Hour), crm.RatingPoor, caseAt(time.Hour)
	full.UpdatedAt = caseAt(time.Minute)
	full = mustUpdateCase(t, s, full, crm.CaseChange{})
	cleared := full
	cleared.Callback, cleared.DueAt, cleared.ResolvedAt, cleared.Rating, cleared.RatedAt = crm.CallbackWindow{}, time.Time{}, time.Time{}, "", time.Time{}
	cleared.UpdatedAt = caseAt(2 * time.Minute)
	back := mustUpdateCase(t, s, cleared, crm.CaseChange{})
	sameCase(t, "UpdateCase clearing every optional field", back, storedCase(cleared, got.ID, 3))
	sameCase(t, "Case after clearing", mustCase(t, s, got.ID), storedCase(cleared, got.ID, 3))
}

func testCaseIdempotentSequential(t *testing.T, s Store) {
	c := complaint(t, phone(1))
	c.IdempotencyKey = "ussd:sess-9:4"
	first := mustCreateCase(t, s, c)

	// The aggregator repeats the hop: the Office draws a new number, the key is the same.
	again := complaint(t, phone(1))
	again.IdempotencyKey, again.Description = c.IdempotencyKey, "the same complaint, sent twice"
	got, isNew, err := s.CreateCase(Context(t), again, created(again), []crm.Notification{ack(again)})
	if err != nil {
		t.Fatalf("CreateCase with a taken key: %v", err)
	}
	if isNew {
		t.Fatal("CreateCase with a taken key: created=true, want the first case back")
	}
	sameCase(t, "CreateCase with a taken key", got, first)
	// Nothing of the repeat was written.
	if list := mustCases(t, s, crm.CaseFilter{}); len(list) != 1 {
		t.Fatalf("%d cases after a repeated key, want 1", len(list))
	}
	wantTimeline(t, s, first.ID, []crm.AuditEntry{created(c)}, nil)
	wantOutbox(t, s, caseSubject(again.Number), nil)
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}, []crm.Notification{ack(c)})
	_, err = s.CaseByNumber(Context(t), again.Number)
	wantErr(t, "CaseByNumber of the repeat's number", err, crm.ErrNotFound)

	// Cases without a key never collide.
	mustCreateCase(t, s, complaint(t, phone(2)))
	mustCreateCase(t, s, complaint(t, phone(2)))
	if list := mustCases(t, s, crm.CaseFilter{}); len(list) != 3 {
		t.Fatalf("%d cases, want 3", len(list))
	}
}

func testCaseIdempotentConcurrent(t *testing.T, s Store) {
	const callers = 20
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		cases = make([]crm.Case, callers)
		got   = make([]crm.Case, callers)
		isNew = make([]bool, callers)
		errs  = make([]error, callers)
		ctx   = Context(t)
	)
	for i := range callers {
		cases[i] = complaint(t, phone(1))
		cases[i].IdempotencyKey = "sms:msg-42"
		wg.Go(func() {
			<-start
			got[i], isNew[i], errs[i] = s.CreateCase(ctx, cases[i], created(cases[i]), []crm.Notification{ack(cases[i])})
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if isNew[i] {
			if winner >= 0 {
				t.Fatalf("callers %d and %d both created a case", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no caller created the case")
	}
	want := storedCase(cases[winner], got[winner].ID, 1)
	for i := range callers {
		sameCase(t, fmt.Sprintf("caller %d", i), got[i], want)
	}
	if list := mustCases(t, s, crm.CaseFilter{}); len(list) != 1 {
		t.Fatalf("%d cases, want 1", len(list))
	}
	wantTimeline(t, s, want.ID, []crm.AuditEntry{created(cases[winner])}, nil)
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}, []crm.Notification{ack(cases[winner])})
}

func testCaseNumberTaken(t *testing.T, s Store) {
	first := mustCreateCase(t, s, complaint(t, phone(1)))
	for _, key := range []string{"", "ussd:other:1"} {
		c := complaint(t, phone(2))
		c.Number, c.IdempotencyKey = first.Number, key
		_, _, err := s.CreateCase(Context(t), c, created(c), []crm.Notification{ack(c)})
		wantErr(t, fmt.Sprintf("CreateCase with a taken number (key %q)", key), err, crm.ErrReferenceTaken)
	}
	if list := mustCases(t, s, crm.CaseFilter{}); len(list) != 1 {
		t.Fatalf("%d cases, want 1", len(list))
	}
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(2)}, nil)
	wantTimeline(t, s, first.ID, []crm.AuditEntry{created(complaint(t, phone(1)))}, nil)
	// The key of a refused case stays free.
	c := complaint(t, phone(2))
	c.IdempotencyKey = "ussd:other:1"
	mustCreateCase(t, s, c)
}

func testUpdateCase(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("achieng", crm.Swahili))
	c := mustCreateCase(t, s, complaint(t, phone(1)))

	next := c
	next.Status, next.AssigneeID, next.Level = crm.CaseInProgress, a.ID, crm.LevelSupervisor
	next.FirstResponseAt, next.DueAt, next.UpdatedAt = caseAt(time.Hour), caseAt(9*time.Hour), caseAt(time.Hour)
	audit := []crm.AuditEntry{
		{At: caseAt(time.Hour), ActorID: a.ID, Actor: a.Username, Action: "status", From: "new", To: "in_progress"},
		{At: caseAt(time.Hour), ActorID: a.ID, Actor: a.Username, Action: "reply", Detail: "asked for the ticket"},
	}
	notes := []crm.Note{
		{AuthorID: a.ID, Author: a.Username, Body: "Citizen was at counter 4", At: caseAt(time.Hour)},
		{AuthorID: a.ID, Author: a.Username, Body: "Tafadhali tuma nambari ya tiketi", Reply: true, At: caseAt(time.Hour)},
	}
	reply := crm.Notification{
		Phone: c.Phone, Lang: c.Lang, Kind: crm.NotifyCaseReply,
		Params:   map[string]string{"case": string(c.Number), "body": notes[1].Body},
		Priority: crm.PriorityUrgent, Essential: true, Subject: caseSubject(c.Number).Subject,
	}
	got := mustUpdateCase(t, s, next, crm.CaseChange{Audit: audit, Notes: notes, Notifications: []crm.Notification{reply}})
	want := storedCase(next, c.ID, 2)
	sameCase(t, "UpdateCase", got, want)
	sameCase(t, "Case after UpdateCase", mustCase(t, s, c.ID), want)
	wantTimeline(t, s, c.ID, append([]crm.AuditEntry{created(c)}, audit...), notes)
	wantOutbox(t, s, caseSubject(c.Number), []crm.Notification{ack(c), reply})

	// Once more from the new version; an entry without a time gets the change's. The
	// system's entries keep actor 0.
	later := got
	later.Status, later.UpdatedAt = crm.CaseResolved, caseAt(2*time.Hour)
	got = mustUpdateCase(t, s, later, crm.CaseChange{
		Audit: []crm.AuditEntry{{Actor: "system", Action: "status", From: "in_progress", To: "resolved"}},
		Notes: []crm.Note{{Author: "system", Body: "auto-closed"}},
	})
	sameCase(t, "second UpdateCase", got, storedCase(later, c.ID, 3))
	wantTimeline(t, s, c.ID,
		append([]crm.AuditEntry{created(c)}, append(audit,
			crm.AuditEntry{At: later.UpdatedAt, Actor: "system", Action: "status", From: "in_progress", To: "resolved"})...),
		append(notes, crm.Note{Author: "system", Body: "auto-closed", At: later.UpdatedAt}))

	// The number, key and creation time are the case's for good.
	moved := got
	moved.Number, moved.CreatedAt, moved.IdempotencyKey, moved.UpdatedAt = newRef(t), caseAt(time.Minute), "other", caseAt(3*time.Hour)
	got = mustUpdateCase(t, s, moved, crm.CaseChange{})
	keep := storedCase(moved, c.ID, 4)
	keep.Number, keep.CreatedAt, keep.IdempotencyKey = c.Number, c.CreatedAt, c.IdempotencyKey
	sameCase(t, "UpdateCase of the number, key and creation time", got, keep)

	ghost := c
	ghost.ID = c.ID + 1000
	_, err := s.UpdateCase(Context(t), ghost, crm.CaseChange{})
	wantErr(t, "UpdateCase of an unknown case", err, crm.ErrNotFound)
}

func testUpdateCaseStale(t *testing.T, s Store) {
	c := mustCreateCase(t, s, complaint(t, phone(1)))
	next := c
	next.Status, next.UpdatedAt = crm.CaseInProgress, caseAt(time.Hour)
	current := mustUpdateCase(t, s, next, crm.CaseChange{})

	// A second writer still holds version 1.
	stale := c
	stale.Level, stale.Description, stale.UpdatedAt = crm.LevelSupervisor, "overwritten", caseAt(2*time.Hour)
	_, err := s.UpdateCase(Context(t), stale, crm.CaseChange{
		Audit:         []crm.AuditEntry{{At: caseAt(2 * time.Hour), Actor: "system", Action: "escalated", From: "1", To: "2"}},
		Notes:         []crm.Note{{Author: "system", Body: "should not be written", At: caseAt(2 * time.Hour)}},
		Notifications: []crm.Notification{{Phone: phone(7), Lang: crm.English, Kind: crm.NotifyEscalation, Subject: caseSubject(c.Number).Subject}},
	})
	wantErr(t, "UpdateCase from a stale version", err, crm.ErrConflict)
	sameCase(t, "Case after the refused update", mustCase(t, s, c.ID), current)
	wantTimeline(t, s, c.ID, []crm.AuditEntry{created(c)}, nil)
	wantOutbox(t, s, caseSubject(c.Number), []crm.Notification{ack(c)})
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(7)}, nil)
}

// Two replicas' schedulers escalate the same breach from the same read: exactly one write
// wins, so the case climbs one level and its people are alerted once.
func testUpdateCaseConcurrent(t *testing.T, s Store) {
	c := mustCreateCase(t, s, complaint(t, phone(1)))
	const callers = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		got   = make([]crm.Case, callers)
		errs  = make([]error, callers)
		ctx   = Context(t)
	)
	for i := range callers {
		next := c
		next.Level, next.Description, next.UpdatedAt = crm.LevelSupervisor, fmt.Sprintf("escalated by replica %d", i), caseAt(time.Hour)
		ch := crm.CaseChange{
			Audit: []crm.AuditEntry{{At: caseAt(time.Hour), Actor: "system", Action: "escalated", From: "1", To: "2", Detail: next.Description}},
			Notifications: []crm.Notification{{Phone: phone(50), Lang: crm.English, Kind: crm.NotifyEscalation,
				Params: map[string]string{"replica": fmt.Sprint(i)}, Subject: caseSubject(c.Number).Subject}},
		}
		wg.Go(func() {
			<-start
			got[i], errs[i] = s.UpdateCase(ctx, next, ch)
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i := range callers {
		switch {
		case errs[i] == nil:
			if winner >= 0 {
				t.Fatalf("replicas %d and %d both escalated", winner, i)
			}
			winner = i
		case !errors.Is(errs[i], crm.ErrConflict):
			t.Fatalf("replica %d: %v, want nil or ErrConflict", i, errs[i])
		}
	}
	if winner < 0 {
		t.Fatal("no replica escalated")
	}
	desc := fmt.Sprintf("escalated by replica %d", winner)
	now := mustCase(t, s, c.ID)
	if now.Version != 2 || now.Description != desc || got[winner].Version != 2 {
		t.Fatalf("case after the race: v%d %q (winner got v%d), want v2 %q", now.Version, now.Description, got[winner].Version, desc)
	}
	wantTimeline(t, s, c.ID, []crm.AuditEntry{created(c),
		{At: caseAt(time.Hour), Actor: "system", Action: "escalated", From: "1", To: "2", Detail: desc}}, nil)
	if n := listOutbox(t, s, crm.NotificationFilter{Phone: phone(50)}); len(n) != 1 || n[0].Params["replica"] != fmt.Sprint(winner) {
		t.Fatalf("escalation alerts %+v, want the winner's one", n)
	}
}

func testCasesFilter(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("achieng", crm.Swahili))
	b := mustCreateUser(t, s, agent("baraka", crm.English))
	c1 := mkCase(t, s, phone(1), "KSM", crm.CategoryLongWait, crm.LevelAgent, crm.CaseNew, 0, 3*time.Hour)
	c2 := mkCase(t, s, phone(2), "NRB", crm.CategoryCorruption, crm.LevelSupervisor, crm.CaseAssigned, a.ID, time.Hour)
	c3 := mkCase(t, s, phone(1), "KSM", crm.CategoryStaffConduct, crm.LevelManager, crm.CasePendingCitizen, b.ID, 2*time.Hour)
	c4 := mkCase(t, s, phone(3), "", crm.CategoryOther, crm.LevelAgent, crm.CaseResolved, a.ID, 0)
	c5 := mkCase(t, s, phone(2), "KSM", crm.CategoryLongWait, crm.LevelDirector, crm.CaseInProgress, b.ID, 0)
	c6 := mkCase(t, s, phone(4), "NRB", crm.CategoryWrongInfo, crm.LevelAgent, crm.CaseClosed, 0, 30*time.Minute)
	c7 := mkCase(t, s, phone(4), "NRB", crm.CategoryNotOffered, crm.LevelAgent, crm.CaseNew, 0, time.Hour) // ties with c2
	for _, tc := range []struct {
		name string
		f    crm.CaseFilter
		want []crm.Case
	}{
		{"none", crm.CaseFilter{}, []crm.Case{c6, c2, c7, c3, c1, c4, c5}},
		{"status", crm.CaseFilter{Status: []crm.CaseStatus{crm.CaseNew, crm.CaseAssigned}}, []crm.Case{c2, c7, c1}},
		{"one status", crm.CaseFilter{Status: []crm.CaseStatus{crm.CaseResolved}}, []crm.Case{c4}},
		{"centre", crm.CaseFilter{Centre: "KSM"}, []crm.Case{c3, c1, c5}},
		{"category", crm.CaseFilter{Category: crm.CategoryLongWait}, []crm.Case{c1, c5}},
		{"level", crm.CaseFilter{Level: crm.LevelAgent}, []crm.Case{c6, c7, c1, c4}},
		{"escalated (level 2 and above)", crm.CaseFilter{MinLevel: crm.LevelSupervisor}, []crm.Case{c2, c3, c5}},
		{"level 3 and above, open", crm.CaseFilter{MinLevel: crm.LevelManager, Status: []crm.CaseStatus{crm.CaseInProgress, crm.CasePendingCitizen}}, []crm.Case{c3, c5}},
		{"queue", crm.CaseFilter{Queue: crm.QueueIntegrity}, []crm.Case{c2}},
		{"assignee", crm.CaseFilter{AssigneeID: a.ID}, []crm.Case{c2, c4}},
		{"phone", crm.CaseFilter{Phone: phone(1)}, []crm.Case{c3, c1}},
		// Open cases due before 11:30: the closed c6 and the later c1 are out.
		{"due before", crm.CaseFilter{DueBefore: caseAt(150 * time.Minute)}, []crm.Case{c2, c7, c3}},
		{"due before, strictly", crm.CaseFilter{DueBefore: caseAt(time.Hour)}, nil},
		{"centre and status", crm.CaseFilter{Centre: "KSM", Status: []crm.CaseStatus{crm.CaseNew}}, []crm.Case{c1}},
		{"assignee and centre", crm.CaseFilter{AssigneeID: b.ID, Centre: "KSM", Level: crm.LevelDirector}, []crm.Case{c5}},
		{"nothing matches", crm.CaseFilter{Centre: "MSA"}, nil},
		{"limit", crm.CaseFilter{Limit: 2}, []crm.Case{c6, c2}},
		{"page", crm.CaseFilter{Limit: 2, Offset: 2}, []crm.Case{c7, c3}},
		{"last page", crm.CaseFilter{Offset: 6}, []crm.Case{c5}},
	} {
		got := mustCases(t, s, tc.f)
		if g, w := caseIDs(got), caseIDs(tc.want); !slices.Equal(g, w) {
			t.Errorf("Cases(%s): IDs %v, want %v", tc.name, g, w)
		}
	}
	// The list carries whole cases.
	sameCase(t, "Cases", mustCases(t, s, crm.CaseFilter{Queue: crm.QueueIntegrity})[0], c2)
}

// mkCase stores a complaint with the given fields (due 0 means no deadline) and returns it
// as stored.
func mkCase(t testing.TB, s Store, p crm.Phone, centreCode string, cat crm.Category, lvl crm.Level, st crm.CaseStatus, assignee int64, due time.Duration) crm.Case {
	t.Helper()
	c := complaint(t, p)
	c.Centre, c.Category, c.Queue, c.Level, c.Status, c.AssigneeID = centreCode, cat, crm.QueueFor(cat), lvl, st, assignee
	c.DueAt = time.Time{}
	if due != 0 {
		c.DueAt = caseAt(due)
	}
	return mustCreateCase(t, s, c)
}

func testCasesDefaultLimit(t *testing.T, s Store) {
	const page = crm.DefaultCaseLimit
	const n = page + 5
	for i := range n {
		c := complaint(t, phone(1+i))
		c.DueAt = caseAt(time.Duration(i) * time.Minute)
		mustCreateCase(t, s, c)
	}
	if got := mustCases(t, s, crm.CaseFilter{}); len(got) != page {
		t.Fatalf("Cases without a limit: %d cases, want the default %d", len(got), page)
	}
	rest := mustCases(t, s, crm.CaseFilter{Offset: page})
	if len(rest) != n-page || rest[0].Phone != phone(page+1) {
		t.Fatalf("Cases from offset %d: %d cases starting %v, want %d starting %s", page, len(rest), caseIDs(rest), n-page, phone(page+1))
	}
}

func testDueCases(t *testing.T, s Store) {
	now := caseAt(10 * time.Hour)
	d1 := mkCase(t, s, phone(1), centre, crm.CategoryLongWait, crm.LevelAgent, crm.CaseNew, 0, 8*time.Hour)
	d2 := mkCase(t, s, phone(2), centre, crm.CategoryLongWait, crm.LevelSupervisor, crm.CaseAssigned, 0, 9*time.Hour)
	d3 := mkCase(t, s, phone(3), centre, crm.CategoryLongWait, crm.LevelManager, crm.CaseInProgress, 0, 10*time.Hour) // due at now
	mkCase(t, s, phone(4), centre, crm.CategoryLongWait, crm.LevelAgent, crm.CasePendingCitizen, 0, 7*time.Hour)      // clock paused
	mkCase(t, s, phone(5), centre, crm.CategoryLongWait, crm.LevelAgent, crm.CaseResolved, 0, 6*time.Hour)
	mkCase(t, s, phone(6), centre, crm.CategoryLongWait, crm.LevelAgent, crm.CaseClosed, 0, 5*time.Hour)
	mkCase(t, s, phone(7), centre, crm.CategoryLongWait, crm.LevelAgent, crm.CaseNew, 0, 10*time.Hour+time.Microsecond) // a microsecond ahead
	mkCase(t, s, phone(8), centre, crm.CategoryLongWait, crm.LevelDirector, crm.CaseAssigned, 0, 0)                     // no deadline
	d9 := mkCase(t, s, phone(9), centre, crm.CategoryCorruption, crm.LevelAgent, crm.CaseAssigned, 0, 8*time.Hour)      // ties with d1

	for _, tc := range []struct {
		now   time.Time
		limit int
		want  []crm.Case
	}{
		{now, 100, []crm.Case{d1, d9, d2, d3}},
		{now, 2, []crm.Case{d1, d9}},
		{now.UTC(), 100, []crm.Case{d1, d9, d2, d3}},
		{caseAt(8*time.Hour - time.Microsecond), 100, nil},
	} {
		got, err := s.DueCases(Context(t), tc.now, tc.limit)
		if err != nil {
			t.Fatalf("DueCases: %v", err)
		}
		if g, w := caseIDs(got), caseIDs(tc.want); !slices.Equal(g, w) {
			t.Errorf("DueCases(%s, %d): IDs %v, want %v", tc.now.Format(time.RFC3339Nano), tc.limit, g, w)
		}
	}
	got, err := s.DueCases(Context(t), now, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("DueCases(%s, 1): %d cases (%v), want 1", now.Format(time.RFC3339Nano), len(got), err)
	}
	sameCase(t, "DueCases", got[0], d1)
}

func testUnassignedCases(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("amina", crm.Swahili))
	mk := func(p crm.Phone, st crm.CaseStatus, assignee int64, at time.Duration, lang crm.Lang, q crm.Queue) crm.Case {
		c := complaint(t, p)
		c.Status, c.AssigneeID, c.CreatedAt, c.UpdatedAt, c.Lang, c.Queue = st, assignee, caseAt(at), caseAt(at), lang, q
		if q == crm.QueueIntegrity {
			c.Category = crm.CategoryCorruption
		}
		return mustCreateCase(t, s, c)
	}
	en, gen := crm.English, crm.QueueGeneral
	u1 := mk(phone(1), crm.CaseNew, 0, time.Hour, en, gen)
	u2 := mk(phone(2), crm.CaseNew, 0, 0, en, gen)
	mk(phone(3), crm.CaseNew, a.ID, -time.Hour, en, gen)       // someone holds it
	mk(phone(4), crm.CaseAssigned, 0, -2*time.Hour, en, gen)   // not new
	u5 := mk(phone(5), crm.CaseNew, 0, 0, en, gen)             // ties with u2
	mk(phone(6), crm.CaseResolved, 0, -3*time.Hour, en, gen)   // done
	mk(phone(7), crm.CaseInProgress, 0, -4*time.Hour, en, gen) // being worked
	sw := mk(phone(8), crm.CaseNew, 0, -5*time.Hour, crm.Swahili, gen)
	integrity := mk(phone(9), crm.CaseNew, 0, -6*time.Hour, en, crm.QueueIntegrity)
	for _, tc := range []struct {
		name  string
		queue crm.Queue
		lang  crm.Lang
		limit int
		want  []crm.Case
	}{
		{"general, English", gen, en, 100, []crm.Case{u2, u5, u1}},
		{"a page", gen, en, 2, []crm.Case{u2, u5}},
		{"general, Kiswahili", gen, crm.Swahili, 100, []crm.Case{sw}},
		{"integrity, English", crm.QueueIntegrity, en, 100, []crm.Case{integrity}},
		{"integrity, Kiswahili", crm.QueueIntegrity, crm.Swahili, 100, nil},
	} {
		got, err := s.UnassignedCases(Context(t), tc.queue, tc.lang, tc.limit)
		if err != nil {
			t.Fatalf("UnassignedCases: %v", err)
		}
		if g, w := caseIDs(got), caseIDs(tc.want); !slices.Equal(g, w) {
			t.Errorf("UnassignedCases %s: IDs %v, want %v", tc.name, g, w)
		}
		if len(got) > 0 && len(tc.want) > 0 {
			sameCase(t, "UnassignedCases", got[0], tc.want[0])
		}
	}
}

// newCases stores n new general complaints in lang and returns them as stored.
func newCases(t testing.TB, s Store, n int, lang crm.Lang) []crm.Case {
	var out []crm.Case
	for i := range n {
		c := complaint(t, phone(100+i))
		c.Lang = lang
		out = append(out, mustCreateCase(t, s, c))
	}
	return out
}

func testAssignRoundRobin(t *testing.T, s Store) {
	// Decoys with lower IDs: a supervisor, an agent of no queue, an integrity officer.
	sup := agent("sam", crm.Swahili)
	sup.Role = crm.RoleSupervisor
	mustCreateUser(t, s, sup)
	noQueue := agent("nobody", crm.Swahili)
	noQueue.Queue = ""
	mustCreateUser(t, s, noQueue)
	officer := agent("olive", crm.Swahili)
	officer.Role, officer.Queue = crm.RoleIntegrityOfficer, crm.QueueIntegrity
	mustCreateUser(t, s, officer)
	a := mustCreateUser(t, s, agent("amina", crm.English, crm.Swahili))
	mustCreateUser(t, s, agent("brian", crm.Swahili, crm.English))
	mustCreateUser(t, s, agent("chebet", crm.Swahili))

	cases := newCases(t, s, 7, crm.Swahili)
	cases[6] = mustUpdateCase(t, s, func() crm.Case { c := cases[6]; c.Status = crm.CaseInProgress; return c }(), crm.CaseChange{})
	var order []string
	for i, c := range cases {
		now := caseAt(time.Duration(i+1) * time.Minute)
		got, u := mustAssign(t, s, c, 10, now)
		order = append(order, u.Username)
		if got.AssigneeID != u.ID {
			t.Fatalf("AssignNext: case assigned to %d, user %d returned", got.AssigneeID, u.ID)
		}
		if !u.LastAssignedAt.Equal(now) || u.LastAssignedAt.Location() != time.UTC {
			t.Fatalf("AssignNext: user's LastAssignedAt %s, want %s in UTC", stampOf(u.LastAssignedAt), stampOf(now.UTC()))
		}
		if back := mustUser(t, s, u.ID); !back.LastAssignedAt.Equal(now) {
			t.Fatalf("User after AssignNext: LastAssignedAt %s, want %s", stampOf(back.LastAssignedAt), stampOf(now))
		}
		want := c
		want.AssigneeID, want.UpdatedAt = u.ID, now
		want.Status = crm.CaseAssigned
		if c.Status == crm.CaseInProgress {
			want.Status = crm.CaseInProgress // only a new case changes status
		}
		want = storedCase(want, c.ID, c.Version+1)
		sameCase(t, fmt.Sprintf("AssignNext #%d", i+1), got, want)
		sameCase(t, fmt.Sprintf("Case after AssignNext #%d", i+1), mustCase(t, s, c.ID), want)
		wantTimeline(t, s, c.ID, []crm.AuditEntry{created(c),
			{At: now, Actor: "system", Action: "assigned", To: u.Username}}, nil)
	}
	if want := []string{"amina", "brian", "chebet", "amina", "brian", "chebet", "amina"}; !slices.Equal(order, want) {
		t.Fatalf("AssignNext order %v, want %v", order, want)
	}
	sameUser(t, "the first agent after three rounds", mustUser(t, s, a.ID), func() crm.User {
		u := a
		u.LastAssignedAt = caseAt(7 * time.Minute)
		return u
	}())
}

func testAssignLanguage(t *testing.T, s Store) {
	mustCreateUser(t, s, agent("amina", crm.English))
	b := mustCreateUser(t, s, agent("brian", crm.Swahili))
	sw := newCases(t, s, 2, crm.Swahili)
	en := newCases(t, s, 1, crm.English)
	for i, step := range []struct {
		c    crm.Case
		want string
	}{
		{sw[0], "brian"}, // amina is first in turn but speaks no Kiswahili
		{en[0], "amina"},
		{sw[1], "brian"},
	} {
		_, u := mustAssign(t, s, step.c, 10, caseAt(time.Duration(i+1)*time.Minute))
		if u.Username != step.want {
			t.Fatalf("AssignNext of a %s case: %s, want %s", step.c.Lang, u.Username, step.want)
		}
	}
	// Nobody left who speaks it.
	b.Available = false
	if err := s.UpdateUser(Context(t), b); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	c := newCases(t, s, 1, crm.Swahili)[0]
	_, _, err := s.AssignNext(Context(t), c, 10, caseAt(time.Hour))
	wantErr(t, "AssignNext with no agent who speaks the language", err, crm.ErrNoAgent)
}

func testAssignAvailabilityAndCap(t *testing.T, s Store) {
	// A disabled person takes nothing, even marked available.
	gone := agent("zawadi", crm.Swahili) // first in round-robin order, were she not disabled
	gone.Available, gone.Disabled = true, true
	mustCreateUser(t, s, gone)

	home := agent("amina", crm.Swahili)
	home.Available = false
	a := mustCreateUser(t, s, home)
	mustCreateUser(t, s, agent("brian", crm.Swahili))
	mustCreateUser(t, s, agent("chebet", crm.Swahili))
	cases := newCases(t, s, 4, crm.Swahili)
	const limit = 1

	first, u := mustAssign(t, s, cases[0], limit, caseAt(time.Minute))
	if u.Username != "brian" {
		t.Fatalf("first assignment: %s, want brian (amina is not available)", u.Username)
	}
	second, u := mustAssign(t, s, cases[1], limit, caseAt(2*time.Minute))
	if u.Username != "chebet" {
		t.Fatalf("second assignment: %s, want chebet", u.Username)
	}
	_, _, err := s.AssignNext(Context(t), cases[2], limit, caseAt(3*time.Minute))
	wantErr(t, "AssignNext with every available agent at the cap", err, crm.ErrNoAgent)
	// Nothing was written.
	sameCase(t, "case left unassigned", mustCase(t, s, cases[2].ID), cases[2])
	wantTimeline(t, s, cases[2].ID, []crm.AuditEntry{created(cases[2])}, nil)
	if got := mustUser(t, s, a.ID); !got.LastAssignedAt.IsZero() {
		t.Fatalf("an unavailable agent was marked assigned at %s", stampOf(got.LastAssignedAt))
	}

	// A case pending the citizen still counts against the cap; a resolved one does not.
	second.Status, second.UpdatedAt = crm.CasePendingCitizen, caseAt(4*time.Minute)
	mustUpdateCase(t, s, second, crm.CaseChange{})
	_, _, err = s.AssignNext(Context(t), cases[2], limit, caseAt(5*time.Minute))
	wantErr(t, "AssignNext with a case pending the citizen", err, crm.ErrNoAgent)
	first.Status, first.UpdatedAt = crm.CaseResolved, caseAt(6*time.Minute)
	mustUpdateCase(t, s, first, crm.CaseChange{})
	if _, u = mustAssign(t, s, cases[2], limit, caseAt(7*time.Minute)); u.Username != "brian" {
		t.Fatalf("after brian's case was resolved: %s, want brian", u.Username)
	}

	// Back from home, amina is next: she was never assigned.
	a.Available = true
	if err := s.UpdateUser(Context(t), a); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if _, u = mustAssign(t, s, cases[3], limit, caseAt(8*time.Minute)); u.Username != "amina" {
		t.Fatalf("after amina came back: %s, want amina", u.Username)
	}
}

func testAssignIntegrity(t *testing.T, s Store) {
	mustCreateUser(t, s, agent("amina", crm.Swahili))
	sup := agent("sam", crm.Swahili)
	sup.Role, sup.Queue = crm.RoleSupervisor, crm.QueueIntegrity
	mustCreateUser(t, s, sup)
	ivy := agent("ivy", crm.Swahili)
	ivy.Role, ivy.Queue = crm.RoleIntegrityOfficer, crm.QueueIntegrity
	ivy = mustCreateUser(t, s, ivy)
	otieno := agent("otieno", crm.Swahili)
	otieno.Role, otieno.Queue = crm.RoleIntegrityOfficer, "" // officers work the integrity queue whatever theirs says
	otieno = mustCreateUser(t, s, otieno)

	bribe := func(i int) crm.Case {
		c := complaint(t, phone(200+i))
		c.Category, c.Queue = crm.CategoryCorruption, crm.QueueIntegrity
		return mustCreateCase(t, s, c)
	}
	for i, want := range []string{"ivy", "otieno"} {
		if _, u := mustAssign(t, s, bribe(i), 10, caseAt(time.Duration(i+1)*time.Minute)); u.Username != want {
			t.Fatalf("integrity case %d: %s, want %s", i, u.Username, want)
		}
	}
	if _, u := mustAssign(t, s, newCases(t, s, 1, crm.Swahili)[0], 10, caseAt(time.Hour)); u.Username != "amina" {
		t.Fatalf("general case: %s, want amina", u.Username)
	}
	for _, u := range []crm.User{ivy, otieno} {
		u.Available = false
		if err := s.UpdateUser(Context(t), u); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
	}
	_, _, err := s.AssignNext(Context(t), bribe(9), 10, caseAt(2*time.Hour))
	wantErr(t, "AssignNext of an integrity case with no officer available", err, crm.ErrNoAgent)
}

func testAssignStale(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("amina", crm.Swahili))
	c := newCases(t, s, 1, crm.Swahili)[0]
	next := c
	next.Description, next.UpdatedAt = "edited meanwhile", caseAt(time.Minute)
	current := mustUpdateCase(t, s, next, crm.CaseChange{})

	_, _, err := s.AssignNext(Context(t), c, 10, caseAt(2*time.Minute))
	wantErr(t, "AssignNext from a stale version", err, crm.ErrConflict)
	sameCase(t, "case after the refused assignment", mustCase(t, s, c.ID), current)
	wantTimeline(t, s, c.ID, []crm.AuditEntry{created(c)}, nil)
	sameUser(t, "agent after the refused assignment", mustUser(t, s, a.ID), a)
}

// Concurrent assignments (the Office on every replica, the sweep) never hand an agent more
// than the cap: 40 cases for three agents with a cap of 10 give each agent exactly 10 and
// leave 10 cases waiting.
func testAssignConcurrent(t *testing.T, s Store) {
	for _, name := range []string{"amina", "brian", "chebet"} {
		mustCreateUser(t, s, agent(name, crm.Swahili))
	}
	const limit, n = 10, 40
	cases := newCases(t, s, n, crm.Swahili)
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		got   = make([]crm.Case, n)
		users = make([]crm.User, n)
		errs  = make([]error, n)
		ctx   = Context(t)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], users[i], errs[i] = s.AssignNext(ctx, cases[i], limit, caseAt(time.Minute))
		})
	}
	close(start)
	wg.Wait()

	assigned, none := map[string]int{}, 0
	for i := range n {
		switch {
		case errs[i] == nil:
			assigned[users[i].Username]++
			if got[i].AssigneeID != users[i].ID {
				t.Errorf("case %d assigned to %d, user %d returned", i, got[i].AssigneeID, users[i].ID)
			}
		case errors.Is(errs[i], crm.ErrNoAgent):
			none++
		default:
			t.Errorf("AssignNext %d: %v", i, errs[i])
		}
	}
	if want := map[string]int{"amina": limit, "brian": limit, "chebet": limit}; fmt.Sprint(assigned) != fmt.Sprint(want) || none != n-3*limit {
		t.Fatalf("assigned %v and %d without an agent, want %v and %d", assigned, none, want, n-3*limit)
	}
	// The store agrees.
	for _, name := range []string{"amina", "brian", "chebet"} {
		u, err := s.UserByUsername(Context(t), name)
		if err != nil {
			t.Fatalf("UserByUsername: %v", err)
		}
		if held := mustCases(t, s, crm.CaseFilter{AssigneeID: u.ID}); len(held) != limit {
			t.Errorf("%s holds %d cases, want %d", name, len(held), limit)
		}
	}
}

func ratings(key string, r crm.Rating, n int) crm.RatingCount {
	return crm.RatingCount{Key: key, Rating: r, Count: n}
}

func testRatingSummary(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("amina", crm.Swahili))
	b := mustCreateUser(t, s, agent("brian", crm.Swahili))
	for i, r := range []struct {
		centre   string
		rating   crm.Rating
		assignee int64
	}{
		{"KSM", crm.RatingGood, a.ID},
		{"KSM", crm.RatingGood, b.ID},
		{"KSM", crm.RatingPoor, a.ID},
		{"NRB", crm.RatingExcellent, b.ID},
		{"", crm.RatingGood, a.ID},         // not about a centre
		{"KSM", "", a.ID},                  // not rated
		{"NRB", crm.RatingAcceptable, 0},   // nobody's
		{"MSA", "", 0},                     // neither
		{"KSM", crm.RatingExcellent, a.ID}, // another rating at KSM
		{"KSM", crm.RatingPoor, b.ID},      // a corruption report: the integrity queue's
	} {
		c := complaint(t, phone(1+i))
		c.Centre, c.Rating, c.AssigneeID, c.Status = r.centre, r.rating, r.assignee, crm.CaseClosed
		if i == 9 {
			c.Category, c.Queue = crm.CategoryCorruption, crm.QueueIntegrity
		}
		if r.rating != "" {
			c.RatedAt = caseAt(time.Hour)
		}
		mustCreateCase(t, s, c)
	}
	general := crm.CaseFilter{Queue: crm.QueueGeneral}
	for _, tc := range []struct {
		by   string
		f    crm.CaseFilter
		want []crm.RatingCount
	}{
		{"centre", general, []crm.RatingCount{
			ratings("KSM", crm.RatingExcellent, 1), ratings("KSM", crm.RatingGood, 2), ratings("KSM", crm.RatingPoor, 1),
			ratings("NRB", crm.RatingExcellent, 1), ratings("NRB", crm.RatingAcceptable, 1),
		}},
		{"agent", general, []crm.RatingCount{
			ratings("amina", crm.RatingExcellent, 1), ratings("amina", crm.RatingGood, 2), ratings("amina", crm.RatingPoor, 1),
			ratings("brian", crm.RatingExcellent, 1), ratings("brian", crm.RatingGood, 1),
		}},
		{"centre", crm.CaseFilter{Queue: crm.QueueGeneral, Centre: "NRB"}, []crm.RatingCount{
			ratings("NRB", crm.RatingExcellent, 1), ratings("NRB", crm.RatingAcceptable, 1),
		}},
		{"centre", crm.CaseFilter{Queue: crm.QueueIntegrity}, []crm.RatingCount{ratings("KSM", crm.RatingPoor, 1)}},
		{"agent", crm.CaseFilter{Queue: crm.QueueIntegrity}, []crm.RatingCount{ratings("brian", crm.RatingPoor, 1)}},
	} {
		got, err := s.RatingSummary(Context(t), tc.by, tc.f)
		if err != nil {
			t.Fatalf("RatingSummary(%s, %+v): %v", tc.by, tc.f, err)
		}
		// The order is not part of the contract.
		order := func(a, b crm.RatingCount) int {
			return strings.Compare(a.Key+"/"+string(a.Rating), b.Key+"/"+string(b.Rating))
		}
		slices.SortFunc(got, order)
		slices.SortFunc(tc.want, order)
		if !slices.Equal(got, tc.want) {
			t.Errorf("RatingSummary(%s, %s/%s):\n got %v\nwant %v", tc.by, tc.f.Queue, tc.f.Centre, got, tc.want)
		}
	}
	if _, err := s.RatingSummary(Context(t), "county", general); err == nil {
		t.Error("RatingSummary by an unknown grouping: no error")
	}
}

func testUsers(t *testing.T, s Store) {
	manager := crm.User{
		Username: "wanjiku", Name: "Wanjiku Mwangi", Role: crm.RoleCentreManager, Phone: phone(5),
		Centre: "KSM", Langs: []crm.Lang{crm.Swahili, crm.English}, Available: false,
		PasswordHash: "$2a$10$abc", CreatedAt: caseT0, ConsoleLang: crm.Swahili,
	}
	got := mustCreateUser(t, s, manager)
	want := manager
	want.ID = got.ID
	sameUser(t, "CreateUser", got, want)
	sameUser(t, "User", mustUser(t, s, got.ID), want)
	byName, err := s.UserByUsername(Context(t), "wanjiku")
	if err != nil {
		t.Fatalf("UserByUsername: %v", err)
	}
	sameUser(t, "UserByUsername", byName, want)

	// The console's language is kept, and changed, with the person.
	changed := mustUser(t, s, got.ID)
	changed.ConsoleLang, changed.Disabled = crm.English, true
	if err := s.UpdateUser(Context(t), changed); err != nil {
		t.Fatal(err)
	}
	if again := mustUser(t, s, got.ID); again.ConsoleLang != crm.English || !again.Disabled {
		t.Fatalf("after UpdateUser: console language %q, disabled %t", again.ConsoleLang, again.Disabled)
	}
	got = mustUser(t, s, got.ID)

	dup := agent("wanjiku", crm.English)
	_, err = s.CreateUser(Context(t), dup)
	wantErr(t, "CreateUser with a taken username", err, crm.ErrUsernameTaken)

	amina := mustCreateUser(t, s, agent("amina", crm.English))
	sup := agent("sam", crm.Swahili)
	sup.Role = crm.RoleSupervisor
	sam := mustCreateUser(t, s, sup)
	off := agent("ivy", crm.Swahili)
	off.Role, off.Queue = crm.RoleIntegrityOfficer, crm.QueueIntegrity
	ivy := mustCreateUser(t, s, off)
	root := mustCreateUser(t, s, crm.User{Username: "root", Name: "Admin", Role: crm.RoleAdmin, PasswordHash: "x", CreatedAt: caseT0})
	if len(root.Langs) != 0 || !root.LastAssignedAt.IsZero() || root.Available {
		t.Fatalf("a user with nothing optional set: %s", showUser(root))
	}
	for _, tc := range []struct {
		f    crm.UserFilter
		want []crm.User
	}{
		{crm.UserFilter{}, []crm.User{got, amina, sam, ivy, root}},
		{crm.UserFilter{Role: crm.RoleAgent}, []crm.User{amina}},
		{crm.UserFilter{Centre: "KSM"}, []crm.User{got}},
		{crm.UserFilter{Queue: crm.QueueGeneral}, []crm.User{amina, sam}},
		{crm.UserFilter{Role: crm.RoleSupervisor, Queue: crm.QueueGeneral}, []crm.User{sam}},
		{crm.UserFilter{Role: crm.RoleCentreManager, Centre: "NRB"}, nil},
		{crm.UserFilter{Phone: phone(5)}, []crm.User{got}},
		{crm.UserFilter{Phone: phone(900), Role: crm.RoleSupervisor}, []crm.User{sam}},
		{crm.UserFilter{Phone: phone(6)}, nil},
	} {
		list, err := s.Users(Context(t), tc.f)
		if err != nil {
			t.Fatalf("Users(%+v): %v", tc.f, err)
		}
		var g, w []string
		for _, u := range list {
			g = append(g, showUser(u))
		}
		for _, u := range tc.want {
			w = append(w, showUser(u))
		}
		if !slices.Equal(g, w) {
			t.Errorf("Users(%+v):\n got %s\nwant %s", tc.f, strings.Join(g, "\n     "), strings.Join(w, "\n     "))
		}
	}

	// Every field changes but the ID, the username and the creation time.
	edit := amina
	edit.Username, edit.CreatedAt = "renamed", caseAt(time.Hour)
	edit.Name, edit.Role, edit.Phone, edit.Centre, edit.Queue = "Amina W.", crm.RoleSupervisor, phone(6), "NRB", crm.QueueIntegrity
	edit.Langs, edit.Available, edit.PasswordHash, edit.LastAssignedAt = []crm.Lang{crm.Swahili}, false, "$2a$10$new", caseAt(2*time.Hour)
	if err := s.UpdateUser(Context(t), edit); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	want = edit
	want.Username, want.CreatedAt = amina.Username, amina.CreatedAt
	sameUser(t, "User after UpdateUser", mustUser(t, s, amina.ID), want)
	// And back: the last assignment can be cleared, the languages emptied.
	edit.LastAssignedAt, edit.Langs, edit.Available = time.Time{}, nil, true
	if err := s.UpdateUser(Context(t), edit); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	want.LastAssignedAt, want.Langs, want.Available = time.Time{}, nil, true
	sameUser(t, "User after clearing", mustUser(t, s, amina.ID), want)

	ghost := amina
	ghost.ID = root.ID + 100
	wantErr(t, "UpdateUser of an unknown user", s.UpdateUser(Context(t), ghost), crm.ErrNotFound)
	_, err = s.User(Context(t), root.ID+100)
	wantErr(t, "User of an unknown ID", err, crm.ErrNotFound)
	_, err = s.UserByUsername(Context(t), "nobody")
	wantErr(t, "UserByUsername of an unknown name", err, crm.ErrNotFound)
}

func testTokens(t *testing.T, s Store) {
	u := mustCreateUser(t, s, agent("amina", crm.Swahili))
	live := crm.Token{Hash: strings.Repeat("ab", 32), UserID: u.ID, Expires: caseAt(8 * time.Hour)}
	expired := crm.Token{Hash: strings.Repeat("cd", 32), UserID: u.ID, Expires: caseAt(-time.Hour)}
	for _, tok := range []crm.Token{live, expired} {
		if err := s.CreateToken(Context(t), tok); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
	}
	for _, tok := range []crm.Token{live, expired} { // expiry is the domain's to check
		gotTok, gotUser, err := s.TokenUser(Context(t), tok.Hash)
		if err != nil {
			t.Fatalf("TokenUser: %v", err)
		}
		if gotTok.Hash != tok.Hash || gotTok.UserID != u.ID || !gotTok.Expires.Equal(tok.Expires) || gotTok.Expires.Location() != time.UTC {
			t.Fatalf("TokenUser: token %+v, want %+v (expiry in UTC)", gotTok, tok)
		}
		sameUser(t, "TokenUser", gotUser, u)
	}
	_, _, err := s.TokenUser(Context(t), strings.Repeat("ef", 32))
	wantErr(t, "TokenUser of an unknown hash", err, crm.ErrNotFound)

	// Ending every session of one person leaves the others'.
	other := mustCreateUser(t, s, agent("baraka", crm.English))
	theirs := crm.Token{Hash: strings.Repeat("34", 32), UserID: other.ID, Expires: caseAt(8 * time.Hour)}
	mine := crm.Token{Hash: strings.Repeat("56", 32), UserID: u.ID, Expires: caseAt(8 * time.Hour)}
	for _, tok := range []crm.Token{theirs, mine} {
		if err := s.CreateToken(Context(t), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteUserTokens(Context(t), other.ID); err != nil || n != 1 {
		t.Fatalf("DeleteUserTokens: %d, %v", n, err)
	}
	if _, _, err := s.TokenUser(Context(t), theirs.Hash); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("a token of the user whose sessions ended: %v", err)
	}
	if _, _, err := s.TokenUser(Context(t), mine.Hash); err != nil {
		t.Fatalf("another user's token went too: %v", err)
	}

	// When a token was last used: as created, then as touched, in UTC.
	seen := crm.Token{Hash: strings.Repeat("12", 32), UserID: u.ID, Expires: caseAt(8 * time.Hour), LastSeen: caseAt(0)}
	if err := s.CreateToken(Context(t), seen); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{caseAt(0), caseAt(20 * time.Minute)} {
		if !at.Equal(caseAt(0)) {
			if err := s.TouchToken(Context(t), seen.Hash, at); err != nil {
				t.Fatalf("TouchToken: %v", err)
			}
		}
		got, _, err := s.TokenUser(Context(t), seen.Hash)
		if err != nil || !got.LastSeen.Equal(at) || got.LastSeen.Location() != time.UTC {
			t.Fatalf("last seen %v (%v), want %v in UTC", got.LastSeen, err, at)
		}
	}
	if got, _, err := s.TokenUser(Context(t), live.Hash); err != nil || !got.LastSeen.IsZero() {
		t.Fatalf("a token never touched was last seen %v (%v)", got.LastSeen, err)
	}

	if err := s.DeleteToken(Context(t), live.Hash); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	_, _, err = s.TokenUser(Context(t), live.Hash)
	wantErr(t, "TokenUser after DeleteToken", err, crm.ErrNotFound)
	if _, _, err := s.TokenUser(Context(t), expired.Hash); err != nil {
		t.Fatalf("DeleteToken deleted another token too: %v", err)
	}
	if err := s.DeleteToken(Context(t), live.Hash); err != nil {
		t.Fatalf("DeleteToken of a deleted token: %v", err)
	}
	if err := s.CreateToken(Context(t), crm.Token{Hash: strings.Repeat("01", 32), UserID: u.ID + 100, Expires: caseT0}); err == nil {
		t.Fatal("CreateToken for an unknown user: no error")
	}
}

// AddAudit records something that happened to a case without changing it: the entry is in
// the timeline, the case and its version are as they were, and a case that does not exist is
// ErrNotFound with nothing written.
func testAddAudit(t *testing.T, s Store) {
	u := mustCreateUser(t, s, agent("faith", crm.English))
	c := mkCase(t, s, phone(70), "KSM", crm.CategoryCorruption, crm.LevelAgent, crm.CaseNew, 0, time.Hour)
	view := crm.AuditEntry{At: caseAt(2 * time.Hour), ActorID: u.ID, Actor: u.Username, Action: "viewed"}
	if err := s.AddAudit(Context(t), c.ID, view); err != nil {
		t.Fatal(err)
	}
	if got := mustCase(t, s, c.ID); got.Version != c.Version || !got.UpdatedAt.Equal(c.UpdatedAt) {
		t.Fatalf("the case changed: v%d at %v, was v%d at %v", got.Version, got.UpdatedAt, c.Version, c.UpdatedAt)
	}
	wantTimeline(t, s, c.ID, []crm.AuditEntry{created(c), view}, nil)
	if err := s.AddAudit(Context(t), c.ID+1000, view); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("audit entry for no case: %v, want ErrNotFound", err)
	}
}

// WatchCases announces each committed creation and change, with what deciding who may see it
// needs; an audit entry alone (a view) is no change; a listener whose context ends has its
// channel closed.
func testWatchCases(t *testing.T, s Store) {
	ctx, cancel := context.WithCancel(Context(t))
	events, err := s.WatchCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := func(what string) crm.CaseEvent {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("no event for %s", what)
		}
		return crm.CaseEvent{}
	}
	c := mkCase(t, s, phone(80), "KSM", crm.CategoryCorruption, crm.LevelAgent, crm.CaseNew, 0, time.Hour)
	if ev := next("a new case"); ev != (crm.CaseEvent{ID: c.ID, Version: 1, Queue: crm.QueueIntegrity, Centre: "KSM", Status: crm.CaseNew}) {
		t.Fatalf("event for a new case: %+v", ev)
	}
	if err := s.AddAudit(Context(t), c.ID, crm.AuditEntry{Actor: "faith", Action: "viewed"}); err != nil {
		t.Fatal(err)
	}
	u := mustCreateUser(t, s, agent("amani", crm.English))
	c.Status, c.AssigneeID = crm.CaseAssigned, u.ID
	if _, err := s.UpdateCase(Context(t), c, crm.CaseChange{}); err != nil {
		t.Fatal(err)
	}
	if ev := next("a change"); ev != (crm.CaseEvent{ID: c.ID, Version: 2, Queue: crm.QueueIntegrity, Centre: "KSM", Status: crm.CaseAssigned, AssigneeID: u.ID}) {
		t.Fatalf("event for a change (after a view, which is none): %+v", ev)
	}
	cancel()
	for range events { // drained, then closed
	}
}

// OpenCaseCounts groups the open cases by queue, level, language and assignee; resolved and
// closed cases are not counted.
func testOpenCaseCounts(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("achieng", crm.Swahili))
	mkCase(t, s, phone(1), "KSM", crm.CategoryLongWait, crm.LevelAgent, crm.CaseNew, 0, time.Hour)
	mkCase(t, s, phone(2), "KSM", crm.CategoryLongWait, crm.LevelAgent, crm.CaseNew, 0, time.Hour)
	mkCase(t, s, phone(3), "KSM", crm.CategoryStaffConduct, crm.LevelSupervisor, crm.CaseAssigned, a.ID, time.Hour)
	mkCase(t, s, phone(4), "KSM", crm.CategoryLongWait, crm.LevelAgent, crm.CasePendingCitizen, a.ID, time.Hour)
	mkCase(t, s, phone(5), "NRB", crm.CategoryCorruption, crm.LevelAgent, crm.CaseNew, 0, time.Hour)
	mkCase(t, s, phone(6), "KSM", crm.CategoryLongWait, crm.LevelAgent, crm.CaseResolved, a.ID, 0)
	mkCase(t, s, phone(7), "KSM", crm.CategoryLongWait, crm.LevelAgent, crm.CaseClosed, 0, 0)
	got, err := s.OpenCaseCounts(Context(t))
	if err != nil {
		t.Fatal(err)
	}
	lang := complaint(t, phone(1)).Lang
	want := []crm.CaseCount{
		{Queue: crm.QueueGeneral, Level: crm.LevelAgent, Lang: lang, Count: 2},
		{Queue: crm.QueueGeneral, Level: crm.LevelSupervisor, Lang: lang, AssigneeID: a.ID, Count: 1},
		{Queue: crm.QueueGeneral, Level: crm.LevelAgent, Lang: lang, AssigneeID: a.ID, Count: 1},
		{Queue: crm.QueueIntegrity, Level: crm.LevelAgent, Lang: lang, Count: 1},
	}
	key := func(c crm.CaseCount) string {
		return fmt.Sprintf("%s/%d/%s/%d", c.Queue, c.Level, c.Lang, c.AssigneeID)
	}
	slices.SortFunc(got, func(x, y crm.CaseCount) int { return strings.Compare(key(x), key(y)) })
	slices.SortFunc(want, func(x, y crm.CaseCount) int { return strings.Compare(key(x), key(y)) })
	if !slices.Equal(got, want) {
		t.Fatalf("open case counts\n got %+v\nwant %+v", got, want)
	}
}
