package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// TextFinder is the stores' own check that an erasure left nothing: every text column of every
// table, from the database's catalogue, scanned for given strings. Every real store offers it;
// the erasure test fails on one that does not.
type TextFinder interface {
	TextColumns(ctx context.Context) ([]string, error)
	FindText(ctx context.Context, needles []string) ([]crm.TextMatch, error)
}

// runRights is the conformance suite of the citizen's rights: a phone's records in one read,
// their erasure, the retention schedule's batches and the record of case views.
func runRights(t *testing.T, open func(t *testing.T) Store) {
	t.Run("CitizenRecords", func(t *testing.T) { testCitizenRecords(t, open(t)) })
	t.Run("EraseCitizenLeavesNoTrace", func(t *testing.T) { testEraseCitizen(t, open(t)) })
	t.Run("EraseCitizenTwice", func(t *testing.T) { testEraseTwice(t, open(t)) })
	t.Run("AnonymiseClosedCases", func(t *testing.T) { testAnonymiseClosedCases(t, open(t)) })
	t.Run("DropRecordings", func(t *testing.T) { testDropRecordings(t, open(t)) })
	t.Run("ForgetMessageBodies", func(t *testing.T) { testForgetMessageBodies(t, open(t)) })
	t.Run("ForgetAppointmentPhones", func(t *testing.T) { testForgetAppointmentPhones(t, open(t)) })
	t.Run("CaseViews", func(t *testing.T) { testCaseViews(t, open(t)) })
}

// citizenWorld is one citizen's records of every kind, and a bystander's, as the erasure and
// export tests build them.
type citizenWorld struct {
	phone, other crm.Phone
	// The citizen's free text, each in one record: none may survive an erasure.
	texts []string
	// The citizen's cases: a complaint (open, assigned), a corruption report and a voice
	// callback; the bystander's complaint.
	complaint, corruption, callback, othersCase crm.Case
	// The citizen's appointments: upcoming (booked), cancelled, and past (booked on a day
	// gone).
	upcoming, cancelled, past crm.Appointment
	request                   crm.Request
	// A message to the citizen a worker holds (claimed, not yet sent).
	claimed crm.ClaimedNotification
}

// The day an erasure runs: day0 (the upcoming appointment) is after it, the past one before.
var eraseToday = day0.AddDate(0, 0, -2)

// recording is a recording link of the citizen's.
func recording(name string) string {
	return "https://voice.africastalking.com/rec/" + name + ".mp3"
}

func newCitizenWorld(t *testing.T, s Store) citizenWorld {
	t.Helper()
	ctx := Context(t)
	w := citizenWorld{phone: phone(1), other: phone(2)}
	p := w.phone
	text := func(s string) string { w.texts = append(w.texts, s); return s }
	staff := mustCreateUser(t, s, agent("baraka", crm.Swahili))

	if err := s.SetLanguage(ctx, p, crm.Swahili); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLanguage(ctx, w.other, crm.English); err != nil {
		t.Fatal(err)
	}
	if err := s.OptOut(ctx, p, caseT0); err != nil {
		t.Fatal(err)
	}

	// Appointments, each with its confirmation.
	confirm := func(b crm.NewAppointment) crm.NewAppointment {
		b.Notifications = []crm.Notification{{Phone: b.Phone, Lang: crm.Swahili, Kind: crm.NotifyBookingConfirmed,
			Params:   crm.AppointmentParams(crm.Appointment{Ref: b.Ref, Centre: b.Centre, Service: b.Service, Day: b.Day, Start: b.Start}),
			Priority: crm.PriorityNormal, Essential: true, Subject: crm.AppointmentSubject(b.Ref)}}
		return b
	}
	w.upcoming = mustBook(t, s, confirm(booking(t, p)))
	b := booking(t, p)
	b.Service, b.Start = service2, 10*60
	w.cancelled = mustBook(t, s, confirm(b))
	w.cancelled = mustCancel(t, s, p, w.cancelled.Ref)
	b = booking(t, p)
	b.Day = day0.AddDate(0, 0, -20)
	w.past = mustBook(t, s, confirm(b))
	mustBook(t, s, confirm(booking(t, w.other)))

	// A tracked request with a note, and a push with a reason.
	r, e, n := tracked(t, p)
	e.Note = text("Alileta nakala ya cheti cha mama yake")
	w.request = mustCreateRequest(t, s, r, e, n)
	next := w.request
	next.Status, next.Reason, next.UpdatedAt = crm.RequestNeedsAction, text("Picha ya pasipoti haionekani vizuri"), feb1(10, 0, 0, 0)
	got, _, err := s.AddRequestEvent(ctx, next, crm.RequestEvent{Status: crm.RequestNeedsAction, Reason: next.Reason,
		Note: text("Alama za vidole hazikusomeka"), By: reqAgency, At: next.UpdatedAt}, []crm.Notification{statusNote(p, r.Ref, crm.RequestNeedsAction)})
	if err != nil {
		t.Fatalf("AddRequestEvent: %v", err)
	}
	w.request = got
	or, oe, on := tracked(t, w.other)
	mustCreateRequest(t, s, or, oe, on)

	// Cases: a complaint being worked, with a reply, an internal note and a status note.
	c := complaint(t, p)
	c.Description = text("Mhudumu wa dirisha la tatu alinitukana mbele ya watu")
	c.IdempotencyKey = "session:ATUid_erase:complaint"
	w.complaint = mustCreateCase(t, s, c)
	w.complaint.AssigneeID, w.complaint.Status, w.complaint.UpdatedAt = staff.ID, crm.CaseInProgress, caseAt(time.Hour)
	reply := text("Pole sana, tumemwandikia meneja wa kituo")
	w.complaint = mustUpdateCase(t, s, w.complaint, crm.CaseChange{
		Audit: []crm.AuditEntry{{ActorID: staff.ID, Actor: staff.Username, Action: "status", From: "new", To: "in_progress",
			Detail: text("Alipigiwa simu, anasema alikuwa na mtoto mgonjwa")}},
		Notes: []crm.Note{
			{AuthorID: staff.ID, Author: staff.Username, Body: reply, Reply: true},
			{AuthorID: staff.ID, Author: staff.Username, Body: text("Mlalamikaji anafahamika kwa meneja")},
		},
		Notifications: []crm.Notification{{Phone: p, Lang: crm.Swahili, Kind: crm.NotifyCaseReply, Priority: crm.PriorityUrgent,
			Essential: true, Subject: crm.CaseSubject(w.complaint.Number), Params: map[string]string{"case": string(w.complaint.Number), "body": reply}}},
	})
	cc := complaint(t, p)
	cc.Category, cc.Queue = crm.CategoryCorruption, crm.QueueIntegrity
	cc.Description = text("Afisa aliomba hongo ya shilingi elfu mbili")
	w.corruption = mustCreateCase(t, s, cc)
	cb := complaint(t, p)
	cb.Kind, cb.Category, cb.Description, cb.Centre, cb.Service = crm.KindCallback, crm.CategoryCallback, "", "", ""
	cb.RecordingURL = text(recording("ATVId_erase_message"))
	cb.Callback = crm.CallbackWindow{ASAP: true}
	cb.Status, cb.ResolvedAt = crm.CaseResolved, caseAt(2*time.Hour)
	w.callback = mustCreateCase(t, s, cb)
	oc := complaint(t, w.other)
	oc.Description = "Foleni ndefu sana leo"
	w.othersCase = mustCreateCase(t, s, oc)

	// Calls: the citizen's recorded call on the callback case, the bystander's call.
	mustRecordCall(t, s, crm.CallEvent{SessionID: "ATVId_erase_message", Direction: crm.CallInbound, Phone: p, Lang: crm.Swahili,
		CaseID: w.callback.ID, Outcome: crm.CallMessage, RecordingURL: recording("ATVId_erase_message"), At: callAt(0)})
	mustRecordCall(t, s, crm.CallEvent{SessionID: "ATVId_erase_other", Direction: crm.CallInbound, Phone: w.other, Lang: crm.English,
		Outcome: crm.CallInMenu, At: callAt(time.Minute)})

	// SMS: the citizen's own, answered.
	mustRecordInbound(t, s, crm.Inbound{ID: "ATXid_erase_1", Phone: p, Text: text("MALALAMIKO foleni imekaa saa sita Kisumu"),
		ReceivedAt: caseAt(3 * time.Hour), Replies: []crm.Notification{{Phone: p, Lang: crm.Swahili, Kind: crm.NotifyKeywordHelp,
			Priority: crm.PriorityUrgent, Essential: true, Subject: "sms:ATXid_erase_1", Params: map[string]string{}}}})
	mustRecordInbound(t, s, crm.Inbound{ID: "ATXid_erase_2", Phone: w.other, Text: "HALI", ReceivedAt: caseAt(3 * time.Hour)})

	// The outbox: one message sent (with a delivery failure text), one held by a worker,
	// the rest queued.
	claims, err := s.ClaimNotifications(ctx, caseAt(4*time.Hour), 100, time.Minute, false)
	if err != nil {
		t.Fatalf("ClaimNotifications: %v", err)
	}
	var sent bool
	for _, cl := range claims {
		switch {
		case cl.Phone != p:
			if err := s.Release(ctx, cl.Claim, time.Time{}, caseAt(4*time.Hour)); err != nil {
				t.Fatal(err)
			}
		case !sent:
			sent = true
			if err := s.MarkSent(ctx, cl.Claim, "ATXid_sent_erase", "KES 0.8000", caseAt(4*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordDelivery(ctx, "ATXid_sent_erase", "Failed", text("Rejected: "+string(p)+" is in the blacklist"), caseAt(5*time.Hour)); err != nil {
				t.Fatal(err)
			}
		case w.claimed.ID == 0:
			w.claimed = cl
		default:
			if err := s.Release(ctx, cl.Claim, time.Time{}, caseAt(4*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !sent || w.claimed.ID == 0 {
		t.Fatalf("the world needs one message sent and one held; claimed %d", len(claims))
	}
	return w
}

// national is the phone's nine digits after the country code: in every form it is written in
// (+2547…, 2547…, 07…).
func national(p crm.Phone) string { return strings.TrimPrefix(string(p), "+254") }

func testCitizenRecords(t *testing.T, s Store) {
	w := newCitizenWorld(t, s)
	rec, err := s.CitizenRecords(Context(t), w.phone)
	if err != nil {
		t.Fatalf("CitizenRecords: %v", err)
	}
	if rec.Lang != crm.Swahili || rec.LangSetAt.IsZero() || !rec.OptedOutAt.Equal(caseT0) {
		t.Errorf("citizen: lang %q set %v, opted out %v", rec.Lang, rec.LangSetAt, rec.OptedOutAt)
	}
	var refs []crm.Reference
	for _, a := range rec.Appointments {
		refs = append(refs, a.Ref)
	}
	if want := []crm.Reference{w.past.Ref, w.upcoming.Ref, w.cancelled.Ref}; !slices.Equal(refs, want) {
		t.Errorf("appointments %v, want %v (by day and time, every status)", refs, want)
	}
	if len(rec.Requests) != 1 || rec.Requests[0].Ref != w.request.Ref || len(rec.Requests[0].Events) != 2 {
		t.Errorf("requests: %+v", rec.Requests)
	}
	var ids []int64
	for _, c := range rec.Cases {
		ids = append(ids, c.ID)
	}
	if want := []int64{w.complaint.ID, w.corruption.ID, w.callback.ID}; !slices.Equal(ids, want) {
		t.Errorf("cases %v, want %v", ids, want)
	}
	var notes []string
	for _, n := range rec.Notes {
		notes = append(notes, fmt.Sprintf("%d %t %s", n.CaseID, n.Reply, n.Body))
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "Pole sana") {
		t.Errorf("notes: %q", notes)
	}
	var actions []string
	for _, a := range rec.Audit {
		actions = append(actions, fmt.Sprintf("%d %s", a.CaseID, a.Action))
	}
	if len(actions) != 4 { // created ×3, status
		t.Errorf("audit: %q", actions)
	}
	if len(rec.Inbound) != 1 || rec.Inbound[0].ID != "ATXid_erase_1" || !strings.HasPrefix(rec.Inbound[0].Text, "MALALAMIKO") {
		t.Errorf("inbound: %+v", rec.Inbound)
	}
	statuses := map[string]int{}
	for _, m := range rec.Messages {
		if m.Phone != w.phone {
			t.Errorf("message %d to %s", m.ID, m.Phone.Masked())
		}
		statuses[m.Status]++
	}
	if len(rec.Messages) < 8 || statuses[crm.OutboxSent] != 1 || statuses[crm.OutboxSending] != 1 {
		t.Errorf("messages: %d, by status %v", len(rec.Messages), statuses)
	}
	if len(rec.Calls) != 1 || rec.Calls[0].RecordingURL != recording("ATVId_erase_message") {
		t.Errorf("calls: %+v", rec.Calls)
	}

	none, err := s.CitizenRecords(Context(t), phone(3))
	if err != nil {
		t.Fatal(err)
	}
	if none.Lang != "" || len(none.Appointments)+len(none.Requests)+len(none.Cases)+len(none.Inbound)+len(none.Messages)+len(none.Calls) != 0 {
		t.Errorf("a phone with no records: %+v", none)
	}
}

// caseCounts counts every case by centre, category and month created: the statistics an
// erasure must leave as they were.
func caseCounts(t testing.TB, s Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range mustCases(t, s, crm.CaseFilter{Limit: 10000}) {
		out[fmt.Sprintf("%s/%s/%s/%s", c.Queue, c.Centre, c.Category, c.CreatedAt.UTC().Format("2006-01"))]++
	}
	return out
}

// personalColumns are columns that hold a citizen's phone or words: the catalogue scan must
// list every one of them, or a scan that found nothing proves nothing.
var personalColumns = []string{
	"appointments.phone", "calls.phone", "calls.recording_url", "cases.phone", "cases.description",
	"cases.recording_url", "case_notes.body", "case_audit.detail", "citizens.phone", "inbound_messages.phone",
	"inbound_messages.text", "opt_outs.phone", "outbox.phone", "outbox.params", "outbox.failure_reason",
	"requests.phone", "requests.reason", "request_events.note", "request_events.reason",
	"erasures.reason", "case_views.username",
}

func finder(t *testing.T, s Store) TextFinder {
	t.Helper()
	f, ok := s.(TextFinder)
	if !ok {
		t.Fatalf("%T has no TextColumns and FindText: the erasure cannot be checked", s)
	}
	cols, err := f.TextColumns(Context(t))
	if err != nil {
		t.Fatalf("TextColumns: %v", err)
	}
	for _, c := range personalColumns {
		if !slices.Contains(cols, c) {
			t.Errorf("TextColumns lists no %s (it lists %d columns)", c, len(cols))
		}
	}
	return f
}

func testEraseCitizen(t *testing.T, s Store) {
	ctx := Context(t)
	w := newCitizenWorld(t, s)
	f := finder(t, s)
	needles := append([]string{national(w.phone)}, w.texts...)

	// Every needle is somewhere before: the scan sees the columns it must.
	found, err := f.FindText(ctx, needles)
	if err != nil {
		t.Fatalf("FindText: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range found {
		seen[m.Needle] = true
	}
	for _, n := range needles {
		if !seen[n] {
			t.Errorf("before the erasure, FindText does not find %q", n)
		}
	}
	countsBefore := caseCounts(t, s)
	otherBefore := mustCase(t, s, w.othersCase.ID)
	otherRec, err := s.CitizenRecords(ctx, w.other)
	if err != nil {
		t.Fatal(err)
	}

	token, err := crm.NewErasureToken()
	if err != nil {
		t.Fatal(err)
	}
	at := caseAt(6 * time.Hour)
	e, err := s.EraseCitizen(ctx, crm.EraseRequest{Phone: w.phone, Today: eraseToday,
		Erasure: crm.Erasure{Token: token, At: at, ByID: 42, By: "dpo", Reason: "letter DPO/2031/17"}})
	if err != nil {
		t.Fatalf("EraseCitizen: %v", err)
	}
	want := map[string]int{"appointments": 3, "calls": 1, "case_audit": 4, "case_notes": 2, "cases": 3, "citizens": 1,
		"inbound_messages": 1, "opt_outs": 1, "request_events": 2, "requests": 1}
	for k, n := range want {
		if e.Counts[k] != n {
			t.Errorf("erasure counts %s: %d, want %d (all %v)", k, e.Counts[k], n, e.Counts)
		}
	}
	if e.ID == 0 || e.Counts["outbox"] < 8 {
		t.Errorf("erasure: %+v", e)
	}

	// Nothing of the citizen is left in any text column of any table.
	found, err = f.FindText(ctx, needles)
	if err != nil {
		t.Fatalf("FindText: %v", err)
	}
	for _, m := range found {
		t.Errorf("after the erasure, %s.%s holds %q in %d rows", m.Table, m.Column, m.Needle, m.Rows)
	}

	// The cases still count as they did, the corruption report included.
	if got := caseCounts(t, s); !maps.Equal(got, countsBefore) {
		t.Errorf("case counts by queue, centre, category and month:\n got %v\nwant %v", got, countsBefore)
	}
	for _, c := range []crm.Case{w.complaint, w.corruption, w.callback} {
		got := mustCase(t, s, c.ID)
		if string(got.Phone) != token || got.Version != c.Version+1 || got.RecordingURL != "" {
			t.Errorf("case %d after the erasure: phone %q, version %d (was %d), recording %q", c.ID, got.Phone, got.Version, c.Version, got.RecordingURL)
		}
		if got.Number != c.Number || got.Queue != c.Queue || got.Centre != c.Centre || got.Category != c.Category || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("case %d lost what it is counted by: %s", c.ID, showCase(got))
		}
		if c.Status.Open() && (got.Status != crm.CaseClosed || !got.DueAt.IsZero()) {
			t.Errorf("open case %d after the erasure: %s, due %v; want closed, no deadline", c.ID, got.Status, got.DueAt)
		}
		if !c.Status.Open() && got.Status != c.Status {
			t.Errorf("case %d was %s, now %s", c.ID, c.Status, got.Status)
		}
		audit, _ := mustTimeline(t, s, c.ID)
		last := audit[len(audit)-1]
		if last.Action != "erased" || last.ActorID != 42 || last.Actor != "dpo" || last.From != string(c.Status) || last.To != string(got.Status) {
			t.Errorf("case %d's last audit entry: %s", c.ID, showAudit(last))
		}
	}
	// An agent's change read before the erasure cannot write the phone back.
	stale := w.complaint
	stale.Status = crm.CasePendingCitizen
	_, err = s.UpdateCase(ctx, stale, crm.CaseChange{})
	wantErr(t, "UpdateCase read before the erasure", err, crm.ErrConflict)
	staleReq := w.request
	staleReq.Status = crm.RequestReady
	_, _, err = s.AddRequestEvent(ctx, staleReq, crm.RequestEvent{Status: crm.RequestReady, By: reqAgency, At: feb1(12, 0, 0, 0)}, nil)
	wantErr(t, "AddRequestEvent read before the erasure", err, crm.ErrConflict)

	// The upcoming appointment is cancelled and its place freed; the others keep their status.
	wantBooked(t, s, service, day0, 9*60, 1) // the bystander's
	erased, err := s.CitizenRecords(ctx, crm.Phone(token))
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[crm.Reference]crm.AppointmentStatus{}
	for _, a := range erased.Appointments {
		statuses[a.Ref] = a.Status
	}
	if want := map[crm.Reference]crm.AppointmentStatus{w.past.Ref: crm.StatusBooked, w.upcoming.Ref: crm.StatusCancelled,
		w.cancelled.Ref: crm.StatusCancelled}; !maps.Equal(statuses, want) {
		t.Errorf("the erased appointments: %v, want %v", statuses, want)
	}
	// Nothing more goes to the phone: what was queued or held is cancelled.
	msgs, err := s.Notifications(ctx, crm.NotificationFilter{Phone: crm.Phone(token)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Status == crm.OutboxQueued || m.Status == crm.OutboxSending || len(m.Params) != 0 {
			t.Errorf("message %d after the erasure: %s, params %v", m.ID, m.Status, m.Params)
		}
	}
	wantErr(t, "MarkSent by the worker that held a message", s.MarkSent(ctx, w.claimed.Claim, "ATXid_late", "KES 0.8000", at), crm.ErrClaimLost)
	if claims, err := s.ClaimNotifications(ctx, caseAt(24*time.Hour), 100, time.Minute, false); err != nil {
		t.Fatal(err)
	} else {
		for _, cl := range claims {
			if cl.Phone.Erased() {
				t.Errorf("a worker claimed message %d to the erased phone", cl.ID)
			}
		}
	}
	if l, err := s.Language(ctx, w.phone); err != nil || l != "" {
		t.Errorf("Language after the erasure: %q, %v", l, err)
	}
	if out, err := s.OptedOut(ctx, w.phone); err != nil || out {
		t.Errorf("OptedOut after the erasure: %t, %v", out, err)
	}

	// The bystander's records are as they were.
	sameCase(t, "the bystander's case", mustCase(t, s, w.othersCase.ID), otherBefore)
	otherAfter, err := s.CitizenRecords(ctx, w.other)
	if err != nil {
		t.Fatal(err)
	}
	if len(otherAfter.Appointments) != len(otherRec.Appointments) || len(otherAfter.Requests) != 1 || len(otherAfter.Inbound) != 1 ||
		len(otherAfter.Calls) != 1 || len(otherAfter.Messages) != len(otherRec.Messages) || otherAfter.Lang != crm.English {
		t.Errorf("the bystander's records changed:\nbefore %+v\nafter  %+v", otherRec, otherAfter)
	}

	// The erasure is on record, without the phone.
	list, err := s.Erasures(ctx, 10)
	if err != nil {
		t.Fatalf("Erasures: %v", err)
	}
	if len(list) != 1 || list[0].ID != e.ID || list[0].Token != token || !list[0].At.Equal(at) || list[0].ByID != 42 ||
		list[0].By != "dpo" || list[0].Reason != "letter DPO/2031/17" || !maps.Equal(list[0].Counts, e.Counts) {
		t.Errorf("Erasures: %+v, want %+v", list, e)
	}

	// The phone comes back as a new citizen: nothing links it to what was erased.
	again := mustBook(t, s, booking(t, w.phone))
	rec, err := s.CitizenRecords(ctx, w.phone)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Appointments) != 1 || rec.Appointments[0].Ref != again.Ref || len(rec.Cases)+len(rec.Requests)+len(rec.Inbound)+len(rec.Calls) != 0 {
		t.Errorf("the returning citizen's records: %+v", rec)
	}
}

func testEraseTwice(t *testing.T, s Store) {
	ctx := Context(t)
	w := newCitizenWorld(t, s)
	var erasures []crm.Erasure
	for i := range 2 {
		token, err := crm.NewErasureToken()
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.EraseCitizen(ctx, crm.EraseRequest{Phone: w.phone, Today: eraseToday,
			Erasure: crm.Erasure{Token: token, At: caseAt(time.Duration(6+i) * time.Hour), By: "cli:root", Reason: "asked twice"}})
		if err != nil {
			t.Fatalf("erasure %d: %v", i+1, err)
		}
		erasures = append(erasures, e)
	}
	if erasures[0].Total() == 0 || erasures[1].Total() != 0 {
		t.Errorf("rows changed: first %v, second %v; want some, then none", erasures[0].Counts, erasures[1].Counts)
	}
	// The second token replaced nothing: the first one's rows keep it.
	if got := mustCase(t, s, w.complaint.ID); string(got.Phone) != erasures[0].Token {
		t.Errorf("the case's phone is %q, want the first erasure's token", got.Phone)
	}
	list, err := s.Erasures(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != erasures[1].ID || list[0].ByID != 0 || list[0].By != "cli:root" {
		t.Errorf("Erasures: %+v", list)
	}
}

// resolvedCase stores a case of phone p resolved at `at`, with a reply, an internal note, a
// status note in its audit and a message sent about it.
func resolvedCase(t *testing.T, s Store, p crm.Phone, status crm.CaseStatus, at time.Time) crm.Case {
	t.Helper()
	c := complaint(t, p)
	c.CreatedAt, c.UpdatedAt = at.Add(-time.Hour), at.Add(-time.Hour)
	c.RecordingURL = recording("ATVId_" + string(c.Number))
	c = mustCreateCase(t, s, c)
	c.Status, c.ResolvedAt, c.DueAt, c.UpdatedAt = status, at, time.Time{}, at
	if !status.Open() {
		c.FirstResponseAt = at
	} else {
		c.ResolvedAt = time.Time{}
	}
	return mustUpdateCase(t, s, c, crm.CaseChange{
		Audit: []crm.AuditEntry{{Actor: "baraka", Action: "status", From: "new", To: string(status), Detail: "Tatizo limetatuliwa"}},
		Notes: []crm.Note{{Author: "baraka", Body: "Tumeongea na meneja", Reply: true}, {Author: "baraka", Body: "Ndani tu"}},
	})
}

func testAnonymiseClosedCases(t *testing.T, s Store) {
	ctx := Context(t)
	cutoff := caseT0.AddDate(0, -24, 0)
	old := resolvedCase(t, s, phone(1), crm.CaseClosed, cutoff.Add(-time.Hour))
	oldResolved := resolvedCase(t, s, phone(2), crm.CaseResolved, cutoff.Add(-time.Minute))
	recent := resolvedCase(t, s, phone(3), crm.CaseClosed, cutoff.Add(time.Hour))
	open := resolvedCase(t, s, phone(4), crm.CaseInProgress, cutoff.Add(-48*time.Hour))
	mustRecordCall(t, s, crm.CallEvent{SessionID: "ATVId_old", Direction: crm.CallInbound, Phone: phone(1), CaseID: old.ID,
		Outcome: crm.CallMessage, At: cutoff.Add(-2 * time.Hour)})
	ackOld, err := s.Notifications(ctx, caseSubject(old.Number))
	if err != nil || len(ackOld) != 1 {
		t.Fatalf("the old case's acknowledgement: %v %v", ackOld, err)
	}
	settle(t, s, phone(1))
	countsBefore := caseCounts(t, s)

	now := caseT0
	n, err := s.AnonymiseClosedCases(ctx, cutoff, now, 1)
	if err != nil || n != 1 {
		t.Fatalf("first batch of 1: %d, %v", n, err)
	}
	n, err = s.AnonymiseClosedCases(ctx, cutoff, now, 10)
	if err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	n, err = s.AnonymiseClosedCases(ctx, cutoff, now, 10)
	if err != nil || n != 0 {
		t.Fatalf("a run after the last: %d, %v; want nothing left", n, err)
	}
	for _, c := range []crm.Case{old, oldResolved} {
		got := mustCase(t, s, c.ID)
		if got.Phone != crm.AnonymisedMarker || got.Description != crm.AnonymisedMarker || got.RecordingURL != "" || got.Version != c.Version+1 {
			t.Errorf("case %d: %s", c.ID, showCase(got))
		}
		if got.Status != c.Status || !got.ResolvedAt.Equal(c.ResolvedAt) {
			t.Errorf("case %d changed status: %s", c.ID, showCase(got))
		}
		audit, notes := mustTimeline(t, s, c.ID)
		for _, a := range audit {
			if a.Detail != "" && a.Detail != crm.AnonymisedMarker && a.Action != "created" {
				t.Errorf("case %d keeps the audit detail %q", c.ID, a.Detail)
			}
		}
		if last := audit[len(audit)-1]; last.Action != "anonymised" || last.Actor != "system" || !last.At.Equal(now) {
			t.Errorf("case %d's last audit entry: %s", c.ID, showAudit(last))
		}
		for _, n := range notes {
			if n.Body != crm.AnonymisedMarker {
				t.Errorf("case %d keeps the note %q", c.ID, n.Body)
			}
		}
	}
	for _, c := range []crm.Case{recent, open} {
		if got := mustCase(t, s, c.ID); got.Phone != c.Phone || got.Description != c.Description || got.Version != c.Version {
			t.Errorf("case %d (not due) changed: %s", c.ID, showCase(got))
		}
	}
	msgs, err := s.Notifications(ctx, caseSubject(old.Number))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Phone != crm.AnonymisedMarker || len(m.Params) != 0 {
			t.Errorf("the old case's message %d: to %s, params %v", m.ID, m.Phone, m.Params)
		}
	}
	if c := mustCall(t, s, "ATVId_old"); c.Phone != crm.AnonymisedMarker {
		t.Errorf("the old case's call is still from %s", c.Phone.Masked())
	}
	if got := caseCounts(t, s); !maps.Equal(got, countsBefore) {
		t.Errorf("case counts changed: %v, want %v", got, countsBefore)
	}
}

// settle sends every queued message to p, so that the retention schedule may touch them.
func settle(t *testing.T, s Store, p crm.Phone) {
	t.Helper()
	claims, err := s.ClaimNotifications(Context(t), caseAt(1000*24*time.Hour), 1000, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, cl := range claims {
		if cl.Phone != p {
			if err := s.Release(Context(t), cl.Claim, time.Time{}, caseT0); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := s.MarkSent(Context(t), cl.Claim, fmt.Sprintf("ATXid_settle_%d", i), "KES 0.8000", caseT0); err != nil {
			t.Fatal(err)
		}
	}
}

func testDropRecordings(t *testing.T, s Store) {
	ctx := Context(t)
	cutoff := callAt(0)
	for i, at := range []time.Time{cutoff.Add(-2 * time.Hour), cutoff.Add(-time.Hour), cutoff.Add(time.Hour)} {
		mustRecordCall(t, s, crm.CallEvent{SessionID: fmt.Sprintf("ATVId_rec_%d", i), Direction: crm.CallInbound, Phone: phone(1),
			Outcome: crm.CallMessage, RecordingURL: recording(fmt.Sprintf("ATVId_rec_%d", i)), At: at})
	}
	oldCase := complaint(t, phone(1))
	oldCase.RecordingURL, oldCase.CreatedAt = recording("case_old"), cutoff.Add(-time.Minute)
	oldCase = mustCreateCase(t, s, oldCase)
	newCase := complaint(t, phone(1))
	newCase.RecordingURL, newCase.CreatedAt = recording("case_new"), cutoff.Add(time.Minute)
	newCase = mustCreateCase(t, s, newCase)

	n, err := s.DropRecordings(ctx, cutoff, 1)
	if err != nil || n != 2 { // one call and one case
		t.Fatalf("first batch: %d, %v", n, err)
	}
	if n, err = s.DropRecordings(ctx, cutoff, 10); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	if n, err = s.DropRecordings(ctx, cutoff, 10); err != nil || n != 0 {
		t.Fatalf("a run after the last: %d, %v", n, err)
	}
	for i, want := range []string{"", "", recording("ATVId_rec_2")} {
		if got := mustCall(t, s, fmt.Sprintf("ATVId_rec_%d", i)).RecordingURL; got != want {
			t.Errorf("call %d's recording %q, want %q", i, got, want)
		}
	}
	if got := mustCase(t, s, oldCase.ID); got.RecordingURL != "" || got.Phone != oldCase.Phone || got.Version != oldCase.Version {
		t.Errorf("the old case: %s", showCase(got))
	}
	if got := mustCase(t, s, newCase.ID); got.RecordingURL != recording("case_new") {
		t.Errorf("the new case lost its recording: %s", showCase(got))
	}
}

func testForgetMessageBodies(t *testing.T, s Store) {
	ctx := Context(t)
	r, e, _ := tracked(t, phone(1))
	body := func(i int, at time.Time) crm.Notification {
		n := statusNote(phone(1), r.Ref, crm.RequestProcessing)
		n.Params["reason"], n.CreatedAt = fmt.Sprintf("body %d", i), at
		return n
	}
	cutoff := feb1(12, 0, 0, 0)
	mustCreateRequest(t, s, r, e, []crm.Notification{
		body(0, cutoff.Add(-2*time.Hour)), body(1, cutoff.Add(-time.Hour)), body(2, cutoff.Add(-30*time.Minute)), body(3, cutoff.Add(time.Hour)),
	})
	// 0 and 1 are sent, 2 is still queued (a retry), 3 is sent but recent.
	claims, err := s.ClaimNotifications(ctx, cutoff.Add(2*time.Hour), 10, time.Minute, false)
	if err != nil || len(claims) != 4 {
		t.Fatalf("claims: %d, %v", len(claims), err)
	}
	for _, cl := range claims {
		if cl.Params["reason"] == "body 2" {
			if err := s.MarkRetry(ctx, cl.Claim, cutoff.Add(3*time.Hour), "throttled", cutoff); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := s.MarkSent(ctx, cl.Claim, "ATXid_"+cl.Params["reason"], "KES 0.8000", cutoff); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.ForgetMessageBodies(ctx, cutoff, 1)
	if err != nil || n != 1 {
		t.Fatalf("first batch: %d, %v", n, err)
	}
	if n, err = s.ForgetMessageBodies(ctx, cutoff, 10); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	if n, err = s.ForgetMessageBodies(ctx, cutoff, 10); err != nil || n != 0 {
		t.Fatalf("a run after the last: %d, %v", n, err)
	}
	msgs, err := s.Notifications(ctx, crm.NotificationFilter{Phone: phone(1)})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, m := range msgs {
		if len(m.Params) > 0 {
			kept = append(kept, m.Params["reason"])
		}
		if m.Phone != phone(1) || m.Kind != crm.NotifyRequestStatus {
			t.Errorf("message %d lost more than its body: %+v", m.ID, m)
		}
	}
	if want := []string{"body 2", "body 3"}; !slices.Equal(kept, want) {
		t.Errorf("bodies kept: %q, want %q (the queued one and the recent one)", kept, want)
	}
}

func testForgetAppointmentPhones(t *testing.T, s Store) {
	ctx := Context(t)
	var appts []crm.Appointment
	for i, d := range []int{-3, -2, -1, 0} {
		b := booking(t, phone(1+i%2)) // two citizens, and the same one twice on two days
		b.Day = day0.AddDate(0, 0, d)
		b.Notifications = []crm.Notification{{Phone: b.Phone, Lang: crm.Swahili, Kind: crm.NotifyBookingConfirmed,
			Params: map[string]string{"ref": string(b.Ref)}, Priority: crm.PriorityNormal, Essential: true, Subject: crm.AppointmentSubject(b.Ref)}}
		appts = append(appts, mustBook(t, s, b))
	}
	mustCancel(t, s, phone(1), appts[0].Ref)
	settle(t, s, phone(1))
	settle(t, s, phone(2))

	n, err := s.ForgetAppointmentPhones(ctx, day0.AddDate(0, 0, -1), 1)
	if err != nil || n != 1 {
		t.Fatalf("first batch: %d, %v", n, err)
	}
	if n, err = s.ForgetAppointmentPhones(ctx, day0.AddDate(0, 0, -1), 10); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	if n, err = s.ForgetAppointmentPhones(ctx, day0.AddDate(0, 0, -1), 10); err != nil || n != 0 {
		t.Fatalf("a run after the last: %d, %v", n, err)
	}
	rec, err := s.CitizenRecords(ctx, phone(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Appointments) != 1 || rec.Appointments[0].Ref != appts[2].Ref {
		t.Errorf("phone 1's appointments after: %+v, want only the one of day -1", rec.Appointments)
	}
	for _, m := range rec.Messages {
		if m.Subject == crm.AppointmentSubject(appts[0].Ref) {
			t.Errorf("the forgotten appointment's message %d still goes to the phone", m.ID)
		}
	}
	msgs, err := s.Notifications(ctx, crm.NotificationFilter{Subject: crm.AppointmentSubject(appts[1].Ref)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if want := crm.Phone(crm.AnonymisedMarker + ":" + string(appts[1].Ref)); m.Phone != want || len(m.Params) != 0 {
			t.Errorf("message %d: to %q, params %v; want to %q, none", m.ID, m.Phone, m.Params, want)
		}
	}
}

func testCaseViews(t *testing.T, s Store) {
	ctx := Context(t)
	a := mustCreateUser(t, s, agent("baraka", crm.Swahili))
	b := mustCreateUser(t, s, agent("chebet", crm.English))
	general := mustCreateCase(t, s, complaint(t, phone(1)))
	c := complaint(t, phone(2))
	c.Category, c.Queue = crm.CategoryCorruption, crm.QueueIntegrity
	integrity := mustCreateCase(t, s, c)
	views := []crm.CaseView{
		{CaseID: general.ID, UserID: a.ID, Username: a.Username, At: caseAt(time.Minute)},
		{CaseID: integrity.ID, UserID: a.ID, Username: a.Username, At: caseAt(2 * time.Minute)},
		{CaseID: general.ID, UserID: b.ID, Username: b.Username, At: caseAt(3 * time.Minute)},
		{CaseID: general.ID, Username: "cli:root", At: caseAt(4 * time.Minute)},
	}
	for _, v := range views {
		if err := s.RecordCaseView(ctx, v); err != nil {
			t.Fatalf("RecordCaseView: %v", err)
		}
	}
	show := func(list []crm.CaseView) []string {
		var out []string
		for _, v := range list {
			out = append(out, fmt.Sprintf("%s %s %d %s %s", v.At.UTC().Format("15:04"), v.Username, v.UserID, v.CaseNumber, v.Queue))
		}
		return out
	}
	g, i := string(general.Number), string(integrity.Number)
	for _, tc := range []struct {
		name string
		f    crm.CaseViewFilter
		want []string
	}{
		{"OfACase", crm.CaseViewFilter{CaseID: general.ID}, []string{
			"06:04 cli:root 0 " + g + " general", "06:03 chebet " + fmt.Sprint(b.ID) + " " + g + " general", "06:01 baraka " + fmt.Sprint(a.ID) + " " + g + " general"}},
		{"ByAUser", crm.CaseViewFilter{UserID: a.ID}, []string{
			"06:02 baraka " + fmt.Sprint(a.ID) + " " + i + " integrity", "06:01 baraka " + fmt.Sprint(a.ID) + " " + g + " general"}},
		{"ByAUserInAQueue", crm.CaseViewFilter{UserID: a.ID, Queue: crm.QueueGeneral}, []string{
			"06:01 baraka " + fmt.Sprint(a.ID) + " " + g + " general"}},
		{"Limit", crm.CaseViewFilter{CaseID: general.ID, Limit: 1}, []string{"06:04 cli:root 0 " + g + " general"}},
		{"None", crm.CaseViewFilter{UserID: b.ID, CaseID: integrity.ID}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CaseViews(ctx, tc.f)
			if err != nil {
				t.Fatalf("CaseViews: %v", err)
			}
			if !slices.Equal(show(got), tc.want) {
				t.Errorf("CaseViews(%+v):\n got %q\nwant %q", tc.f, show(got), tc.want)
			}
		})
	}
}
