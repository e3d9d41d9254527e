package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// runCalls is the conformance suite for call records and the recordings on cases.
func runCalls(t *testing.T, open func(t *testing.T) Store) {
	t.Run("CallRoundTrips", func(t *testing.T) { testCallRoundTrip(t, open(t)) })
	t.Run("CallRepeatedCallbacks", func(t *testing.T) { testCallRepeated(t, open(t)) })
	t.Run("CallAnyOrderSameRecord", func(t *testing.T) { testCallAnyOrder(t, open(t)) })
	t.Run("CallFinalNotificationAlone", func(t *testing.T) { testCallFinalAlone(t, open(t)) })
	t.Run("CallOutcomeOnlyMovesForward", func(t *testing.T) { testCallOutcomeForward(t, open(t)) })
	t.Run("CallConcurrentRepeats", func(t *testing.T) { testCallConcurrent(t, open(t)) })
	t.Run("CallUnknownCaseOrAgent", func(t *testing.T) { testCallUnknownRefs(t, open(t)) })
	t.Run("CallsOfCaseAndPhone", func(t *testing.T) { testCallLists(t, open(t)) })
	t.Run("CaseRecordingURLRoundTrips", func(t *testing.T) { testCaseRecording(t, open(t)) })
}

// callT0 is when the suite's calls start, in Nairobi's zone: stores hand times back in UTC.
var callT0 = time.Date(2031, time.March, 3, 10, 15, 0, 654321000, time.FixedZone("EAT", 3*60*60))

func callAt(d time.Duration) time.Time { return callT0.Add(d) }

func mustRecordCall(t testing.TB, s Store, ev crm.CallEvent) crm.Call {
	t.Helper()
	c, err := s.RecordCall(Context(t), ev)
	if err != nil {
		t.Fatalf("RecordCall(%s %s final=%t): %v", ev.SessionID, ev.Outcome, ev.Final, err)
	}
	return c
}

func mustCall(t testing.TB, s Store, session string) crm.Call {
	t.Helper()
	c, err := s.Call(Context(t), session)
	if err != nil {
		t.Fatalf("Call(%s): %v", session, err)
	}
	return c
}

// showCall renders every field of a call but its ID, times by stampOf.
func showCall(c crm.Call) string {
	return fmt.Sprintf("%s %s phone=%s lang=%s case=%d/%s agent=%d queue=%q outcome=%s rec=%q dur=%d cost=%q hangup=%q active=%t started=%s ended=%s",
		c.SessionID, c.Direction, c.Phone, c.Lang, c.CaseID, c.CaseNumber, c.AgentID, c.Queue, c.Outcome,
		c.RecordingURL, c.DurationSeconds, c.Cost, c.HangupCause, c.Active, stampOf(c.StartedAt), stampOf(c.EndedAt))
}

func sameCall(t testing.TB, op string, got, want crm.Call) {
	t.Helper()
	if got.ID == 0 {
		t.Errorf("%s: the call has no ID", op)
	}
	want.StartedAt, want.EndedAt = want.StartedAt.UTC(), want.EndedAt.UTC()
	if want.EndedAt.IsZero() {
		want.EndedAt = time.Time{}
	}
	if g, w := showCall(got), showCall(want); g != w {
		t.Fatalf("%s:\n got %s\nwant %s", op, g, w)
	}
}

func callSessions(list []crm.Call) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.SessionID
	}
	return out
}

// callerJourney is one inbound call's callbacks in the order they happened: the call
// arrives, the caller presses 0 and waits in the Kiswahili queue, an agent takes the call,
// the call ends. The same facts are never told twice with different values, so any order
// of arrival must give the same record.
func callerJourney(session string, p crm.Phone, agentID int64) []crm.CallEvent {
	return []crm.CallEvent{
		{SessionID: session, Direction: crm.CallInbound, Phone: p, Lang: crm.Swahili, Outcome: crm.CallInMenu, At: callAt(0)},
		{SessionID: session, Direction: crm.CallInbound, Phone: p, Outcome: crm.CallQueued, Queue: "agents-sw", At: callAt(40 * time.Second)},
		{SessionID: session, Direction: crm.CallInbound, Phone: p, Outcome: crm.CallAnswered, AgentID: agentID, At: callAt(95 * time.Second)},
		{SessionID: session, Direction: crm.CallInbound, Phone: p, Final: true, DurationSeconds: 300,
			Cost: "KES 4.5000", HangupCause: "NORMAL_CLEARING", At: callAt(300 * time.Second)},
	}
}

// journeyRecord is the record of callerJourney.
func journeyRecord(session string, p crm.Phone, agentID int64) crm.Call {
	return crm.Call{
		SessionID: session, Direction: crm.CallInbound, Phone: p, Lang: crm.Swahili, AgentID: agentID,
		Queue: "agents-sw", Outcome: crm.CallAnswered, DurationSeconds: 300, Cost: "KES 4.5000",
		HangupCause: "NORMAL_CLEARING", Active: false, StartedAt: callAt(0), EndedAt: callAt(300 * time.Second),
	}
}

func testCallRoundTrip(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("baraka", crm.English))
	cs := mustCreateCase(t, s, complaint(t, phone(1)))
	// Every field set, each to a different value, so a column swapped or dropped shows.
	ev := crm.CallEvent{
		SessionID: "ATVId_roundtrip", Direction: crm.CallOutbound, Phone: phone(1), Lang: crm.English,
		CaseID: cs.ID, AgentID: a.ID, Queue: "agents-en", Outcome: crm.CallAnswered,
		RecordingURL: "https://voice.africastalking.com/rec/ATVId_roundtrip.mp3", DurationSeconds: 61,
		Cost: "KES 1.5000", HangupCause: "NORMAL_CLEARING", At: callAt(time.Minute),
	}
	want := crm.Call{
		SessionID: ev.SessionID, Direction: ev.Direction, Phone: ev.Phone, Lang: ev.Lang,
		CaseID: cs.ID, CaseNumber: cs.Number, AgentID: a.ID, Queue: ev.Queue, Outcome: ev.Outcome,
		RecordingURL: ev.RecordingURL, DurationSeconds: 61, Cost: ev.Cost, HangupCause: ev.HangupCause,
		Active: true, StartedAt: callAt(time.Minute),
	}
	got := mustRecordCall(t, s, ev)
	sameCall(t, "RecordCall", got, want)
	sameCall(t, "Call", mustCall(t, s, ev.SessionID), want)

	_, err := s.Call(Context(t), "ATVId_unknown")
	wantErr(t, "Call of an unknown session", err, crm.ErrNotFound)
}

func testCallRepeated(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("baraka", crm.Swahili))
	want := journeyRecord("ATVId_repeated", phone(1), a.ID)
	var first crm.Call
	for _, ev := range callerJourney(want.SessionID, phone(1), a.ID) {
		for i := range 3 { // AT repeats a callback it got no answer to
			got := mustRecordCall(t, s, ev)
			if first.ID == 0 {
				first = got
			}
			if got.ID != first.ID {
				t.Fatalf("repeat %d of %s made call #%d, the first was #%d", i, ev.Outcome, got.ID, first.ID)
			}
		}
	}
	sameCall(t, "after every callback thrice", mustCall(t, s, want.SessionID), want)
	if list := mustCallsOfPhone(t, s, phone(1), 10); len(list) != 1 {
		t.Fatalf("%d calls for the phone, want 1", len(list))
	}
}

// testCallAnyOrder delivers a journey's callbacks in every order (final notification first
// included): each gives the record of the journey in order.
func testCallAnyOrder(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("baraka", crm.Swahili))
	events := callerJourney("", phone(1), a.ID)
	n := 0
	for perm := range permutations(len(events)) {
		n++
		session := fmt.Sprintf("ATVId_order_%02d", n)
		var order []string
		for _, i := range perm {
			ev := events[i]
			ev.SessionID = session
			mustRecordCall(t, s, ev)
			order = append(order, fmt.Sprintf("%d", i))
		}
		sameCall(t, "callbacks in the order "+strings.Join(order, ","), mustCall(t, s, session), journeyRecord(session, phone(1), a.ID))
	}
	if n != 24 {
		t.Fatalf("%d orders tried, want 24", n)
	}

	// A caller who waits in the queue and hangs up: abandoned, in any order.
	abandon := []crm.CallEvent{
		{Direction: crm.CallInbound, Phone: phone(2), Lang: crm.English, At: callAt(0)},
		{Direction: crm.CallInbound, Phone: phone(2), Outcome: crm.CallQueued, Queue: "agents-en", At: callAt(20 * time.Second)},
		{Direction: crm.CallInbound, Phone: phone(2), Final: true, DurationSeconds: 200, HangupCause: "NORMAL_CLEARING", At: callAt(200 * time.Second)},
	}
	for perm := range permutations(len(abandon)) {
		n++
		session := fmt.Sprintf("ATVId_order_%02d", n)
		for _, i := range perm {
			ev := abandon[i]
			ev.SessionID = session
			mustRecordCall(t, s, ev)
		}
		sameCall(t, fmt.Sprintf("abandoned call in the order %v", perm), mustCall(t, s, session), crm.Call{
			SessionID: session, Direction: crm.CallInbound, Phone: phone(2), Lang: crm.English, Queue: "agents-en",
			Outcome: crm.CallAbandoned, DurationSeconds: 200, HangupCause: "NORMAL_CLEARING",
			StartedAt: callAt(0), EndedAt: callAt(200 * time.Second),
		})
	}
}

// permutations yields every order of 0..n-1 (Heap's algorithm).
func permutations(n int) func(yield func([]int) bool) {
	return func(yield func([]int) bool) {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		c := make([]int, n)
		if !yield(slices.Clone(p)) {
			return
		}
		for i := 0; i < n; {
			if c[i] < i {
				if i%2 == 0 {
					p[0], p[i] = p[i], p[0]
				} else {
					p[c[i]], p[i] = p[i], p[c[i]]
				}
				if !yield(slices.Clone(p)) {
					return
				}
				c[i]++
				i = 0
			} else {
				c[i] = 0
				i++
			}
		}
	}
}

// testCallFinalAlone: AT may send only the end-of-call notification. The record is whole:
// inactive, ended, started the call's duration earlier, and in the menu (nothing else is
// known). A repeat of it changes nothing, and a late earlier callback fills in what it tells.
func testCallFinalAlone(t *testing.T, s Store) {
	final := crm.CallEvent{
		SessionID: "ATVId_final", Direction: crm.CallInbound, Phone: phone(1), Final: true,
		DurationSeconds: 45, Cost: "KES 0.7500", HangupCause: "NORMAL_CLEARING", At: callAt(time.Minute),
	}
	want := crm.Call{
		SessionID: final.SessionID, Direction: crm.CallInbound, Phone: phone(1), Outcome: crm.CallInMenu,
		DurationSeconds: 45, Cost: "KES 0.7500", HangupCause: "NORMAL_CLEARING", Active: false,
		StartedAt: callAt(15 * time.Second), EndedAt: callAt(time.Minute),
	}
	sameCall(t, "final notification alone", mustRecordCall(t, s, final), want)
	repeat := final
	repeat.At = callAt(2 * time.Minute) // a retry arrives later; the call did not end later
	sameCall(t, "final notification repeated", mustRecordCall(t, s, repeat), want)

	late := crm.CallEvent{SessionID: final.SessionID, Direction: crm.CallInbound, Phone: phone(1), Lang: crm.Swahili, At: callAt(10 * time.Second)}
	want.Lang, want.StartedAt = crm.Swahili, callAt(10*time.Second)
	sameCall(t, "a late first callback after the final notification", mustRecordCall(t, s, late), want)
	if got := mustCall(t, s, final.SessionID); got.Active {
		t.Fatal("a late callback made an ended call active again")
	}
}

func testCallOutcomeForward(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("baraka", crm.English))
	for i, tc := range []struct {
		name  string
		steps []crm.CallOutcome // "final" ends the call
		want  crm.CallOutcome
	}{
		{"answered stays answered", []crm.CallOutcome{crm.CallAnswered, crm.CallQueued, crm.CallInMenu}, crm.CallAnswered},
		{"a case is not undone by the menu", []crm.CallOutcome{crm.CallComplaint, crm.CallInMenu, crm.CallQueued}, crm.CallComplaint},
		{"equal ranks keep the first", []crm.CallOutcome{crm.CallCallback, crm.CallMessage, crm.CallComplaint}, crm.CallCallback},
		{"queued then ended is abandoned", []crm.CallOutcome{crm.CallQueued, "final"}, crm.CallAbandoned},
		{"abandoned then a late answer is answered", []crm.CallOutcome{crm.CallQueued, "final", crm.CallAnswered}, crm.CallAnswered},
		{"abandoned then a late queue callback stays abandoned", []crm.CallOutcome{crm.CallQueued, "final", crm.CallQueued}, crm.CallAbandoned},
		{"a message left after waiting is a message", []crm.CallOutcome{crm.CallQueued, crm.CallMessage, "final"}, crm.CallMessage},
		{"the menu then ended stays menu", []crm.CallOutcome{crm.CallInMenu, "final"}, crm.CallInMenu},
		{"answered then ended stays answered", []crm.CallOutcome{crm.CallQueued, crm.CallAnswered, "final"}, crm.CallAnswered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			session := fmt.Sprintf("ATVId_forward_%d", i)
			var got crm.Call
			for j, o := range tc.steps {
				ev := crm.CallEvent{SessionID: session, Direction: crm.CallInbound, Phone: phone(1), At: callAt(time.Duration(j) * time.Second)}
				if o == "final" {
					ev.Final, ev.DurationSeconds = true, j
				} else {
					ev.Outcome = o
				}
				if o == crm.CallAnswered {
					ev.AgentID = a.ID
				}
				got = mustRecordCall(t, s, ev)
			}
			if got.Outcome != tc.want {
				t.Fatalf("outcome %s after %v, want %s", got.Outcome, tc.steps, tc.want)
			}
			if g := mustCall(t, s, session).Outcome; g != tc.want {
				t.Fatalf("stored outcome %s, want %s", g, tc.want)
			}
		})
	}
}

// testCallConcurrent sends one callback 20 times at once (one row, one ID for all), then a
// whole journey's callbacks at once, each twice (the journey's record).
func testCallConcurrent(t *testing.T, s Store) {
	a := mustCreateUser(t, s, agent("baraka", crm.Swahili))
	ctx := Context(t)
	run := func(events []crm.CallEvent) ([]crm.Call, []error) {
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			calls = make([]crm.Call, len(events))
			errs  = make([]error, len(events))
		)
		for i, ev := range events {
			wg.Go(func() {
				<-start
				calls[i], errs[i] = s.RecordCall(ctx, ev)
			})
		}
		close(start)
		wg.Wait()
		return calls, errs
	}

	first := callerJourney("ATVId_concurrent", phone(1), a.ID)[0]
	calls, errs := run(slices.Repeat([]crm.CallEvent{first}, 20))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if calls[i].ID != calls[0].ID {
			t.Fatalf("caller %d got call #%d, caller 0 #%d", i, calls[i].ID, calls[0].ID)
		}
	}
	if list := mustCallsOfPhone(t, s, phone(1), 10); len(list) != 1 {
		t.Fatalf("%d rows after 20 concurrent repeats, want 1", len(list))
	}

	journey := callerJourney("ATVId_concurrent_journey", phone(2), a.ID)
	_, errs = run(append(slices.Clone(journey), journey...))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("callback %d: %v", i, err)
		}
	}
	sameCall(t, "a journey's callbacks at once", mustCall(t, s, "ATVId_concurrent_journey"), journeyRecord("ATVId_concurrent_journey", phone(2), a.ID))
}

// A callback naming a case or agent that does not exist is ErrNotFound and writes nothing.
func testCallUnknownRefs(t *testing.T, s Store) {
	for _, ev := range []crm.CallEvent{
		{SessionID: "ATVId_nocase", Direction: crm.CallInbound, Phone: phone(1), CaseID: 987654, At: callAt(0)},
		{SessionID: "ATVId_noagent", Direction: crm.CallInbound, Phone: phone(1), AgentID: 987654, At: callAt(0)},
	} {
		_, err := s.RecordCall(Context(t), ev)
		wantErr(t, "RecordCall "+ev.SessionID, err, crm.ErrNotFound)
		_, err = s.Call(Context(t), ev.SessionID)
		wantErr(t, "Call after a refused RecordCall "+ev.SessionID, err, crm.ErrNotFound)
	}
}

func mustCallsOfPhone(t testing.TB, s Store, p crm.Phone, limit int) []crm.Call {
	t.Helper()
	list, err := s.CallsOfPhone(Context(t), p, limit)
	if err != nil {
		t.Fatalf("CallsOfPhone(%s): %v", p, err)
	}
	return list
}

func testCallLists(t *testing.T, s Store) {
	c1 := mustCreateCase(t, s, complaint(t, phone(1)))
	c2 := mustCreateCase(t, s, complaint(t, phone(1)))
	rec := func(session string, p crm.Phone, caseID int64, at time.Duration) {
		mustRecordCall(t, s, crm.CallEvent{SessionID: session, Direction: crm.CallInbound, Phone: p, CaseID: caseID, At: callAt(at)})
	}
	// Recorded out of time order, so an ordering by ID would show.
	rec("s3", phone(1), c1.ID, 3*time.Hour)
	rec("s1", phone(1), c1.ID, time.Hour)
	rec("s2", phone(1), 0, 2*time.Hour)
	rec("s4", phone(1), c2.ID, 4*time.Hour)
	rec("s0", phone(2), c1.ID, 0) // another phone, about the same case (a callback placed to it)

	list, err := s.CallsOfCase(Context(t), c1.ID)
	if err != nil {
		t.Fatalf("CallsOfCase: %v", err)
	}
	if got, want := callSessions(list), []string{"s0", "s1", "s3"}; !slices.Equal(got, want) {
		t.Fatalf("CallsOfCase: %v, want %v (oldest first)", got, want)
	}
	for _, c := range list {
		if c.CaseNumber != c1.Number {
			t.Fatalf("CallsOfCase: call %s names case %q, want %s", c.SessionID, c.CaseNumber, c1.Number)
		}
	}
	if none, err := s.CallsOfCase(Context(t), c2.ID+100); err != nil || len(none) != 0 {
		t.Fatalf("CallsOfCase of a case without calls: %v, %v; want none", none, err)
	}

	if got, want := callSessions(mustCallsOfPhone(t, s, phone(1), 10)), []string{"s4", "s3", "s2", "s1"}; !slices.Equal(got, want) {
		t.Fatalf("CallsOfPhone: %v, want %v (newest first)", got, want)
	}
	if got, want := callSessions(mustCallsOfPhone(t, s, phone(1), 2)), []string{"s4", "s3"}; !slices.Equal(got, want) {
		t.Fatalf("CallsOfPhone limit 2: %v, want %v", got, want)
	}
	if got := mustCallsOfPhone(t, s, phone(1), 10)[2]; got.CaseID != 0 || got.CaseNumber != "" {
		t.Fatalf("a call without a case: case %d/%q", got.CaseID, got.CaseNumber)
	}
	if none := mustCallsOfPhone(t, s, phone(3), 10); len(none) != 0 {
		t.Fatalf("CallsOfPhone of a phone that never called: %v", callSessions(none))
	}
}

// testCaseRecording: a case's recording URL is stored with it, read back by every read, and
// left as it was by an update.
func testCaseRecording(t *testing.T, s Store) {
	c := complaint(t, phone(1))
	c.Description = ""
	c.RecordingURL = "https://voice.africastalking.com/recordings/ATVId_complaint.mp3?token=a&b=c"
	got := mustCreateCase(t, s, c)
	want := storedCase(c, got.ID, 1)
	sameCase(t, "CreateCase", got, want)
	sameCase(t, "Case", mustCase(t, s, got.ID), want)
	list := mustCases(t, s, crm.CaseFilter{Phone: phone(1)})
	if len(list) != 1 {
		t.Fatalf("Cases: %d cases, want 1", len(list))
	}
	sameCase(t, "Cases", list[0], want)

	edit := got
	edit.Status, edit.UpdatedAt = crm.CaseInProgress, caseAt(time.Hour)
	edit.RecordingURL = "https://example.com/another.mp3"
	updated := mustUpdateCase(t, s, edit, crm.CaseChange{})
	if updated.RecordingURL != c.RecordingURL {
		t.Fatalf("UpdateCase: recording %q, want it left as %q", updated.RecordingURL, c.RecordingURL)
	}

	// A case without a recording reads back without one.
	plain := mustCreateCase(t, s, complaint(t, phone(2)))
	if plain.RecordingURL != "" {
		t.Fatalf("a case without a recording: %q", plain.RecordingURL)
	}
}
