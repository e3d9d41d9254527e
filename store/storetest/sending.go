package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// runSending is the conformance suite for what the SMS outbox worker and the delivery report
// callback need: claims under a lease, settling a claim, and delivery reports.
func runSending(t *testing.T, open func(t *testing.T) Store) {
	t.Run("ClaimOrderAndLease", func(t *testing.T) { testClaimOrderAndLease(t, open(t)) })
	t.Run("ConcurrentClaimsTakeEachRowOnce", func(t *testing.T) { testConcurrentClaims(t, open(t)) })
	t.Run("ExpiredLeaseIsClaimedAgain", func(t *testing.T) { testLeaseExpiry(t, open(t)) })
	t.Run("StaleClaimCannotSettle", func(t *testing.T) { testStaleClaim(t, open(t)) })
	t.Run("SettlingTwiceIsHarmless", func(t *testing.T) { testSettleTwice(t, open(t)) })
	t.Run("QuietHours", func(t *testing.T) { testQuietHours(t, open(t)) })
	t.Run("RetryAndRelease", func(t *testing.T) { testRetryAndRelease(t, open(t)) })
	t.Run("FailuresAreVisible", func(t *testing.T) { testFailuresVisible(t, open(t)) })
	t.Run("OptedOutPhones", func(t *testing.T) { testOptedOut(t, open(t)) })
	t.Run("DeliveryReports", func(t *testing.T) { testDeliveryReports(t, open(t)) })
	t.Run("DeliveryReportBeforeMarkSent", func(t *testing.T) { testEarlyReport(t, open(t)) })
	t.Run("MarkSentAllSettlesEachRowByItsClaim", func(t *testing.T) { testMarkSentAll(t, open(t)) })
	t.Run("RecordDeliveriesAsOneByOne", func(t *testing.T) { testRecordDeliveries(t, open(t)) })
	t.Run("OutboxStats", func(t *testing.T) { testOutboxStats(t, open(t)) })
	t.Run("ClaimsOnlyWhatIsDue", func(t *testing.T) { testClaimsOnlyDue(t, open(t)) })
	t.Run("CitizensBeforeStaffAlerts", func(t *testing.T) { testCitizensFirst(t, open(t)) })
	t.Run("PostponeAndExpire", func(t *testing.T) { testPostponeAndExpire(t, open(t)) })
	t.Run("UnknownPriorityRefused", func(t *testing.T) { testUnknownPriority(t, open(t)) })
	t.Run("FoldAlertsIntoADigest", func(t *testing.T) { testFoldAlerts(t, open(t)) })
}

// sendT0 is 10:00 in Nairobi on a day of the suite: claims are made at times from here.
var sendT0 = feb1(10, 0, 0, 0)

const testLease = 2 * time.Minute

// outboxNote is a message to phone i with the given priority and essential flag; its
// subject names i so the rows can be told apart.
func outboxNote(i int, p crm.Priority, essential bool) crm.Notification {
	return crm.Notification{
		Phone: phone(i), Lang: crm.English, Kind: crm.NotifyCaseReply,
		Params:   map[string]string{"case": "600042550", "body": fmt.Sprintf("message %d", i)},
		Priority: p, Essential: essential, Subject: fmt.Sprintf("test:%d", i),
	}
}

// enqueue writes n as outbox rows (through a tracked request, the way a change queues its
// messages) and returns them as stored, in ID order.
func enqueue(t testing.TB, s Store, n ...crm.Notification) []crm.Notification {
	t.Helper()
	r, e, _ := tracked(t, phone(999))
	mustCreateRequest(t, s, r, e, n)
	// The rows this call wrote are the newest len(n).
	all := listOutbox(t, s, crm.NotificationFilter{})
	if len(all) < len(n) {
		t.Fatalf("enqueue: %d rows in the outbox, wrote %d", len(all), len(n))
	}
	return all[len(all)-len(n):]
}

func claim(t testing.TB, s Store, now time.Time, limit int, urgentOnly bool) []crm.ClaimedNotification {
	t.Helper()
	got, err := s.ClaimNotifications(Context(t), now, limit, testLease, urgentOnly)
	if err != nil {
		t.Fatalf("ClaimNotifications(%s, %d, urgentOnly=%t): %v", now.Format(time.RFC3339), limit, urgentOnly, err)
	}
	return got
}

func subjects(list []crm.ClaimedNotification) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Subject)
	}
	return out
}

func outboxRow(t testing.TB, s Store, subject string) crm.Notification {
	t.Helper()
	list := listOutbox(t, s, crm.NotificationFilter{Subject: subject})
	if len(list) != 1 {
		t.Fatalf("outbox rows with subject %q: %d, want 1", subject, len(list))
	}
	return list[0]
}

func mustSettle(t testing.TB, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

// testClaimOrderAndLease: rows come most urgent first, then oldest; a claim marks them
// sending with a lease and a counted attempt, and a second claim inside the lease gets none.
func testClaimOrderAndLease(t *testing.T, s Store) {
	rows := enqueue(t, s,
		outboxNote(1, crm.PriorityBulk, false),
		outboxNote(2, crm.PriorityNormal, true),
		outboxNote(3, crm.PriorityUrgent, true),
		outboxNote(4, crm.PriorityNormal, false),
		outboxNote(5, crm.PriorityUrgent, false),
	)
	for _, r := range rows {
		if r.Status != crm.OutboxQueued || r.Attempts != 0 || r.ATMessageID != "" || !r.NextAttemptAt.IsZero() {
			t.Fatalf("new row %s: status %q attempts %d id %q next %v, want queued, 0, none, zero",
				r.Subject, r.Status, r.Attempts, r.ATMessageID, r.NextAttemptAt)
		}
	}
	got := claim(t, s, sendT0, 3, false)
	if want := []string{"test:3", "test:5", "test:2"}; !slices.Equal(subjects(got), want) {
		t.Fatalf("first claim: %v, want %v (priority, then age)", subjects(got), want)
	}
	for _, c := range got {
		if c.Status != crm.OutboxSending || c.Attempts != 1 || c.Claim.ID != c.ID || c.Claim.Token == 0 {
			t.Fatalf("claimed %s: status %q attempts %d claim %+v, want sending, 1, a token for its ID", c.Subject, c.Status, c.Attempts, c.Claim)
		}
		if !c.LeaseUntil.Equal(sendT0.Add(testLease)) || c.LeaseUntil.Location() != time.UTC {
			t.Fatalf("claimed %s: lease until %v, want %v in UTC", c.Subject, c.LeaseUntil, sendT0.Add(testLease).UTC())
		}
		if c.OptedOut {
			t.Fatalf("claimed %s: OptedOut for a phone that never opted out", c.Subject)
		}
	}
	rest := claim(t, s, sendT0.Add(time.Second), 10, false)
	if want := []string{"test:4", "test:1"}; !slices.Equal(subjects(rest), want) {
		t.Fatalf("second claim: %v, want %v (the first claim's rows are held)", subjects(rest), want)
	}
	if again := claim(t, s, sendT0.Add(time.Minute), 10, false); len(again) != 0 {
		t.Fatalf("claim inside every lease: %v, want none", subjects(again))
	}
	if n := outboxRow(t, s, "test:3"); n.Status != crm.OutboxSending || n.Attempts != 1 {
		t.Fatalf("claimed row as Notifications reads it: status %q attempts %d, want sending, 1", n.Status, n.Attempts)
	}
}

// testConcurrentClaims: 8 claimers racing over 500 rows take each row exactly once.
func testConcurrentClaims(t *testing.T, s Store) {
	const rows, claimers, batch = 500, 8, 7
	var n []crm.Notification
	for i := range rows {
		n = append(n, outboxNote(i, crm.ClaimOrder[i%len(crm.ClaimOrder)], i%2 == 0))
	}
	enqueue(t, s, n...)
	var (
		mu    sync.Mutex
		count = map[int64]int{}
		wg    sync.WaitGroup
		errs  = make(chan error, claimers)
	)
	ctx := Context(t)
	for range claimers {
		wg.Go(func() {
			for {
				got, err := s.ClaimNotifications(ctx, sendT0, batch, testLease, false)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, c := range got {
					count[c.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("ClaimNotifications: %v", err)
	}
	if len(count) != rows {
		t.Fatalf("%d rows claimed, want %d", len(count), rows)
	}
	for id, c := range count {
		if c != 1 {
			t.Fatalf("row %d claimed %d times, want once", id, c)
		}
	}
}

// testLeaseExpiry: a worker that dies between claiming and sending leaves the row sending;
// once its lease runs out the next claim takes it, with a new token and a second attempt.
func testLeaseExpiry(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true))
	first := claim(t, s, sendT0, 10, false)
	if len(first) != 1 {
		t.Fatalf("first claim: %d rows, want 1", len(first))
	}
	if got := claim(t, s, first[0].LeaseUntil.Add(-time.Microsecond), 10, false); len(got) != 0 {
		t.Fatalf("claim just before the lease runs out: %v, want none", subjects(got))
	}
	second := claim(t, s, first[0].LeaseUntil, 10, false)
	if len(second) != 1 || second[0].ID != first[0].ID {
		t.Fatalf("claim when the lease runs out: %v, want the abandoned row", subjects(second))
	}
	if second[0].Attempts != 2 || second[0].Claim.Token == first[0].Claim.Token {
		t.Fatalf("re-claimed row: attempts %d token %d (first token %d), want 2 and a new token",
			second[0].Attempts, second[0].Claim.Token, first[0].Claim.Token)
	}
	if !second[0].LeaseUntil.Equal(first[0].LeaseUntil.Add(testLease)) {
		t.Fatalf("re-claimed row: lease until %v, want %v", second[0].LeaseUntil, first[0].LeaseUntil.Add(testLease))
	}
}

// testStaleClaim: a worker whose lease ran out and whose row was claimed again cannot settle
// it; the new claim can.
func testStaleClaim(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true))
	ctx := Context(t)
	stale := claim(t, s, sendT0, 1, false)[0]
	fresh := claim(t, s, stale.LeaseUntil.Add(time.Second), 1, false)[0]
	later := fresh.LeaseUntil.Add(-time.Second)
	for name, err := range map[string]error{
		"MarkSent":       s.MarkSent(ctx, stale.Claim, "ATXid_stale", "KES 0.8000", later),
		"MarkRetry":      s.MarkRetry(ctx, stale.Claim, later.Add(time.Minute), "HTTP 500", later),
		"Release":        s.Release(ctx, stale.Claim, later, later),
		"MarkFailed":     s.MarkFailed(ctx, stale.Claim, "refused", later),
		"MarkSuppressed": s.MarkSuppressed(ctx, stale.Claim, "opted out", later),
	} {
		wantErr(t, name+" with the stale claim", err, crm.ErrClaimLost)
	}
	if n := outboxRow(t, s, "test:1"); n.Status != crm.OutboxSending || n.ATMessageID != "" {
		t.Fatalf("after the stale claim's writes: status %q id %q, want sending and no id", n.Status, n.ATMessageID)
	}
	mustSettle(t, "MarkSent with the fresh claim", s.MarkSent(ctx, fresh.Claim, "ATXid_fresh", "KES 0.8000", later))
	n := outboxRow(t, s, "test:1")
	if n.Status != crm.OutboxSent || n.ATMessageID != "ATXid_fresh" || n.Cost != "KES 0.8000" ||
		!n.SentAt.Equal(later) || n.SentAt.Location() != time.UTC || n.Attempts != 2 {
		t.Fatalf("sent row: status %q id %q cost %q sent %v attempts %d, want sent ATXid_fresh KES 0.8000 %v 2",
			n.Status, n.ATMessageID, n.Cost, n.SentAt, n.Attempts, later.UTC())
	}
	// The stale worker tries again later still: refused, and the row is unchanged.
	wantErr(t, "MarkFailed with the stale claim after the send", s.MarkFailed(ctx, stale.Claim, "late", later), crm.ErrClaimLost)
	wantErr(t, "MarkFailed with the fresh claim after MarkSent", s.MarkFailed(ctx, fresh.Claim, "late", later), crm.ErrClaimLost)
	if got := outboxRow(t, s, "test:1"); got.Status != crm.OutboxSent {
		t.Fatalf("after refused writes: status %q, want sent", got.Status)
	}
	// A settled row is never claimed again, however late.
	if got := claim(t, s, later.Add(24*time.Hour), 10, false); len(got) != 0 {
		t.Fatalf("claim after the row was sent: %v, want none", subjects(got))
	}
	wantErr(t, "MarkSent of a row that does not exist", s.MarkSent(ctx, crm.Claim{ID: n.ID + 1000, Token: 1}, "x", "", later), crm.ErrNotFound)
}

// testSettleTwice: a write repeated after its reply was lost (the worker cannot tell whether
// it committed) succeeds without changing anything.
func testSettleTwice(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityNormal, true),
		outboxNote(3, crm.PriorityNormal, true))
	ctx := Context(t)
	got := claim(t, s, sendT0, 3, false)
	at := sendT0.Add(time.Second)
	for i := range 2 {
		mustSettle(t, fmt.Sprintf("MarkSent #%d", i+1), s.MarkSent(ctx, got[0].Claim, "ATXid_1", "KES 0.8000", at))
		mustSettle(t, fmt.Sprintf("MarkFailed #%d", i+1), s.MarkFailed(ctx, got[1].Claim, "InvalidPhoneNumber", at))
		mustSettle(t, fmt.Sprintf("MarkRetry #%d", i+1), s.MarkRetry(ctx, got[2].Claim, at.Add(time.Minute), "HTTP 503", at))
	}
	for subject, want := range map[string]string{"test:1": crm.OutboxSent, "test:2": crm.OutboxFailed, "test:3": crm.OutboxQueued} {
		if n := outboxRow(t, s, subject); n.Status != want {
			t.Fatalf("%s: status %q, want %q", subject, n.Status, want)
		}
	}
}

// testQuietHours: a claim with urgentOnly takes urgent messages and essential ones below bulk
// priority; the rest wait for a normal claim.
func testQuietHours(t *testing.T, s Store) {
	enqueue(t, s,
		outboxNote(1, crm.PriorityBulk, false),   // a survey: waits
		outboxNote(2, crm.PriorityBulk, true),    // a reminder marked essential: still bulk, waits
		outboxNote(3, crm.PriorityNormal, false), // a non-essential acknowledgement: waits
		outboxNote(4, crm.PriorityNormal, true),  // a status the citizen asked for: goes
		outboxNote(5, crm.PriorityUrgent, false), // a manager alert: goes
		outboxNote(6, crm.PriorityUrgent, true),  // a reply to a waiting citizen: goes
	)
	night := claim(t, s, sendT0, 10, true)
	if want := []string{"test:5", "test:6", "test:4"}; !slices.Equal(subjects(night), want) {
		t.Fatalf("quiet-hours claim: %v, want %v", subjects(night), want)
	}
	for _, c := range night {
		if !crm.SendsInQuietHours(c.Priority, c.Essential) {
			t.Fatalf("quiet-hours claim took %s (p%d essential=%t), which SendsInQuietHours refuses", c.Subject, c.Priority, c.Essential)
		}
	}
	day := claim(t, s, sendT0, 10, false)
	if want := []string{"test:3", "test:1", "test:2"}; !slices.Equal(subjects(day), want) {
		t.Fatalf("daytime claim: %v, want %v", subjects(day), want)
	}
}

// testRetryAndRelease: a retried row waits for its time with its reason visible and the
// attempt counted; a released one does not count the attempt.
func testRetryAndRelease(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityNormal, true))
	ctx := Context(t)
	got := claim(t, s, sendT0, 2, false)
	next := sendT0.Add(90 * time.Second)
	mustSettle(t, "MarkRetry", s.MarkRetry(ctx, got[0].Claim, next, "africastalking: send sms: HTTP 503", sendT0))
	mustSettle(t, "Release", s.Release(ctx, got[1].Claim, next, sendT0))
	n := outboxRow(t, s, "test:1")
	if n.Status != crm.OutboxQueued || n.Attempts != 1 || !n.NextAttemptAt.Equal(next) ||
		n.NextAttemptAt.Location() != time.UTC || n.FailureReason != "africastalking: send sms: HTTP 503" {
		t.Fatalf("retried row: status %q attempts %d next %v reason %q, want queued 1 %v and the reason",
			n.Status, n.Attempts, n.NextAttemptAt, n.FailureReason, next.UTC())
	}
	if r := outboxRow(t, s, "test:2"); r.Status != crm.OutboxQueued || r.Attempts != 0 {
		t.Fatalf("released row: status %q attempts %d, want queued 0 (the attempt is not counted)", r.Status, r.Attempts)
	}
	if early := claim(t, s, next.Add(-time.Microsecond), 10, false); len(early) != 0 {
		t.Fatalf("claim before the retry is due: %v, want none", subjects(early))
	}
	due := claim(t, s, next, 10, false)
	if want := []string{"test:1", "test:2"}; !slices.Equal(subjects(due), want) {
		t.Fatalf("claim when due: %v, want %v", subjects(due), want)
	}
	if due[0].Attempts != 2 || due[1].Attempts != 1 {
		t.Fatalf("attempts when claimed again: %d and %d, want 2 and 1", due[0].Attempts, due[1].Attempts)
	}
	mustSettle(t, "MarkSent", s.MarkSent(ctx, due[0].Claim, "ATXid_9", "KES 0.8000", next))
	if n := outboxRow(t, s, "test:1"); n.FailureReason != "" || !n.NextAttemptAt.IsZero() {
		t.Fatalf("sent after a retry: reason %q next %v, want both cleared", n.FailureReason, n.NextAttemptAt)
	}
}

// testFailuresVisible: a failed or suppressed row shows its status and reason to the agents
// (Notifications), and is never claimed again.
func testFailuresVisible(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityBulk, false))
	ctx := Context(t)
	got := claim(t, s, sendT0, 2, false)
	mustSettle(t, "MarkFailed", s.MarkFailed(ctx, got[0].Claim, "InvalidPhoneNumber (403)", sendT0))
	mustSettle(t, "MarkSuppressed", s.MarkSuppressed(ctx, got[1].Claim, "opted out", sendT0))
	list := listOutbox(t, s, crm.NotificationFilter{Phone: phone(1)})
	if len(list) != 1 || list[0].Status != crm.OutboxFailed || list[0].FailureReason != "InvalidPhoneNumber (403)" || list[0].Attempts != 1 {
		t.Fatalf("failed row: %+v, want status failed with its reason and 1 attempt", list)
	}
	if n := outboxRow(t, s, "test:2"); n.Status != crm.OutboxSuppressed || n.FailureReason != "opted out" {
		t.Fatalf("suppressed row: status %q reason %q", n.Status, n.FailureReason)
	}
	if again := claim(t, s, sendT0.Add(48*time.Hour), 10, false); len(again) != 0 {
		t.Fatalf("claim after failing and suppressing: %v, want none", subjects(again))
	}
}

// optOuter is the inbound SMS channel's write to the opt-outs table, when the store has it.
type optOuter interface {
	OptOut(ctx context.Context, phone crm.Phone, at time.Time) error
}

// testOptedOut: a claim says which rows go to a phone that opted out.
func testOptedOut(t *testing.T, s Store) {
	o, ok := any(s).(optOuter)
	if !ok {
		t.Skip("the store has no OptOut(ctx, crm.Phone, time.Time) error; the sms/outbox tests cover opt-outs with SQL")
	}
	if err := o.OptOut(Context(t), phone(1), sendT0); err != nil {
		t.Fatalf("OptOut: %v", err)
	}
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, false), outboxNote(2, crm.PriorityNormal, false))
	got := claim(t, s, sendT0, 10, false)
	if len(got) != 2 || !got[0].OptedOut || got[1].OptedOut {
		t.Fatalf("claim: %v opted out %t %t, want the opted-out phone's row flagged and the other not",
			subjects(got), len(got) > 0 && got[0].OptedOut, len(got) > 1 && got[1].OptedOut)
	}
}

// testDeliveryReports: reports update the row by Africa's Talking's id; repeats are harmless,
// a final status sticks, and an unknown id is reported as not found.
func testDeliveryReports(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityNormal, true))
	ctx := Context(t)
	got := claim(t, s, sendT0, 2, false)
	mustSettle(t, "MarkSent 1", s.MarkSent(ctx, got[0].Claim, "ATXid_one", "KES 0.8000", sendT0))
	mustSettle(t, "MarkSent 2", s.MarkSent(ctx, got[1].Claim, "ATXid_two", "KES 0.8000", sendT0))
	at := sendT0.Add(5 * time.Second)
	report := func(id, status, reason string) bool {
		t.Helper()
		found, err := s.RecordDelivery(ctx, id, status, reason, at)
		if err != nil {
			t.Fatalf("RecordDelivery(%s, %s): %v", id, status, err)
		}
		return found
	}
	want := func(subject, status, reason string) {
		t.Helper()
		n := outboxRow(t, s, subject)
		if n.DeliveryStatus != status || n.FailureReason != reason || n.Status != crm.OutboxSent {
			t.Fatalf("%s: delivery %q reason %q status %q, want %q %q sent", subject, n.DeliveryStatus, n.FailureReason, n.Status, status, reason)
		}
	}
	steps := []struct {
		id, status, reason  string
		subject             string
		wantStatus, wantWhy string
	}{
		{"ATXid_one", "Buffered", "", "test:1", "Buffered", ""},
		{"ATXid_one", "Buffered", "", "test:1", "Buffered", ""}, // a repeat
		{"ATXid_one", "Success", "", "test:1", "Success", ""},
		{"ATXid_one", "Success", "", "test:1", "Success", ""},                             // AT retried the callback
		{"ATXid_one", "Submitted", "", "test:1", "Success", ""},                           // late, not final
		{"ATXid_one", "Failed", "DeliveryFailure", "test:1", "Success", ""},               // a second final does not replace the first
		{"ATXid_two", "Failed", "UserInBlackList", "test:2", "Failed", "UserInBlackList"}, // final failure with its reason
		{"ATXid_two", "Sent", "", "test:2", "Failed", "UserInBlackList"},                  // late, not final
		{"ATXid_two", "Success", "", "test:2", "Failed", "UserInBlackList"},               // first final wins
		{"ATXid_two", "Failed", "DeliveryFailure", "test:2", "Failed", "UserInBlackList"}, // repeat with another reason
	}
	for _, st := range steps {
		if !report(st.id, st.status, st.reason) {
			t.Fatalf("RecordDelivery(%s, %s): found=false for a sent message", st.id, st.status)
		}
		want(st.subject, st.wantStatus, st.wantWhy)
	}
	if report("ATXid_unknown", "Success", "") {
		t.Fatal("RecordDelivery of an unknown id: found=true")
	}
	if report("", "Success", "") {
		t.Fatal("RecordDelivery of an empty id: found=true")
	}
}

// testEarlyReport: a report that arrives before the worker recorded the send is kept, with
// the usual precedence, and applied when MarkSent records the id.
func testEarlyReport(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityNormal, true))
	ctx := Context(t)
	got := claim(t, s, sendT0, 2, false)
	at := sendT0.Add(time.Second)
	for _, r := range []struct{ id, status, reason string }{
		{"ATXid_early1", "Failed", "UserInBlackList"},
		{"ATXid_early1", "Buffered", ""}, // late and not final: the parked Failed stays
		{"ATXid_early2", "Buffered", ""},
		{"ATXid_early2", "Success", ""},
	} {
		found, err := s.RecordDelivery(ctx, r.id, r.status, r.reason, at)
		if err != nil || found {
			t.Fatalf("RecordDelivery(%s, %s) before MarkSent: found=%t err=%v, want false, nil", r.id, r.status, found, err)
		}
	}
	mustSettle(t, "MarkSent 1", s.MarkSent(ctx, got[0].Claim, "ATXid_early1", "KES 0.8000", at))
	mustSettle(t, "MarkSent 2", s.MarkSent(ctx, got[1].Claim, "ATXid_early2", "KES 0.8000", at))
	if n := outboxRow(t, s, "test:1"); n.DeliveryStatus != "Failed" || n.FailureReason != "UserInBlackList" {
		t.Fatalf("row 1 after an early Failed then Buffered: delivery %q reason %q, want Failed UserInBlackList", n.DeliveryStatus, n.FailureReason)
	}
	if n := outboxRow(t, s, "test:2"); n.DeliveryStatus != "Success" || n.FailureReason != "" {
		t.Fatalf("row 2 after an early Buffered then Success: delivery %q reason %q, want Success", n.DeliveryStatus, n.FailureReason)
	}
	// Adopted once: a repeat of MarkSent (a lost reply) and later reports behave as usual.
	mustSettle(t, "MarkSent 1 again", s.MarkSent(ctx, got[0].Claim, "ATXid_early1", "KES 0.8000", at))
	if found, err := s.RecordDelivery(ctx, "ATXid_early2", "Sent", "", at); err != nil || !found {
		t.Fatalf("RecordDelivery after adoption: found=%t err=%v", found, err)
	}
	if n := outboxRow(t, s, "test:2"); n.DeliveryStatus != "Success" {
		t.Fatalf("row 2 after a late Sent: delivery %q, want Success", n.DeliveryStatus)
	}
}

// testMarkSentAll: many sends recorded at once settle each row under its own claim, as
// MarkSent would one by one: a stale claim or a missing row is reported for that send alone,
// a repeat after a lost reply is no error, and a report that came early is adopted.
func testMarkSentAll(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityNormal, true),
		outboxNote(3, crm.PriorityNormal, true), outboxNote(4, crm.PriorityNormal, true))
	ctx := Context(t)
	got := claim(t, s, sendT0, 4, false)
	if len(got) != 4 {
		t.Fatalf("claimed %d rows, want 4", len(got))
	}
	// Row 4 goes back and another worker takes it: the first claim is stale.
	stale := got[3]
	mustSettle(t, "Release row 4", s.Release(ctx, stale.Claim, sendT0, sendT0))
	fresh := claim(t, s, sendT0, 1, false)[0]
	if fresh.ID != stale.ID {
		t.Fatalf("claimed %s again, want test:4", fresh.Subject)
	}
	at := sendT0.Add(time.Second)
	if found, err := s.RecordDelivery(ctx, "ATXid_all2", "Success", "", at); err != nil || found {
		t.Fatalf("RecordDelivery before the send was recorded: found=%t err=%v, want false, nil", found, err)
	}
	sent := []crm.Sent{
		{Claim: got[0].Claim, ATMessageID: "ATXid_all1", Cost: "KES 0.8000"},
		{Claim: got[1].Claim, ATMessageID: "ATXid_all2", Cost: "KES 0.8000"},
		{Claim: stale.Claim, ATMessageID: "ATXid_stale", Cost: "KES 0.8000"},
		{Claim: crm.Claim{ID: got[0].ID + 1000, Token: 1}, ATMessageID: "ATXid_none"},
		{Claim: got[2].Claim}, // accepted without an id: none stored
	}
	for round := range 2 { // the second is a repeat after a lost reply: the same answers
		errs, err := s.MarkSentAll(ctx, sent, at)
		if err != nil {
			t.Fatalf("MarkSentAll (round %d): %v", round+1, err)
		}
		if len(errs) != len(sent) {
			t.Fatalf("MarkSentAll (round %d): %d errors for %d sends", round+1, len(errs), len(sent))
		}
		for i, want := range []error{nil, nil, crm.ErrClaimLost, crm.ErrNotFound, nil} {
			if want == nil {
				mustSettle(t, fmt.Sprintf("send %d of round %d", i+1, round+1), errs[i])
			} else {
				wantErr(t, fmt.Sprintf("send %d of round %d", i+1, round+1), errs[i], want)
			}
		}
	}
	for _, w := range []struct{ subject, status, id, delivery string }{
		{"test:1", crm.OutboxSent, "ATXid_all1", ""},
		{"test:2", crm.OutboxSent, "ATXid_all2", "Success"},
		{"test:3", crm.OutboxSent, "", ""},
		{"test:4", crm.OutboxSending, "", ""},
	} {
		n := outboxRow(t, s, w.subject)
		if n.Status != w.status || n.ATMessageID != w.id || n.DeliveryStatus != w.delivery {
			t.Fatalf("%s: status %q id %q delivery %q, want %q %q %q", w.subject, n.Status, n.ATMessageID,
				n.DeliveryStatus, w.status, w.id, w.delivery)
		}
		if w.status == crm.OutboxSent && (!n.SentAt.Equal(at) || w.id != "" && n.Cost != "KES 0.8000") {
			t.Fatalf("%s: sent at %v cost %q, want %v KES 0.8000", w.subject, n.SentAt, n.Cost, at)
		}
	}
	mustSettle(t, "MarkSent with the fresh claim", s.MarkSent(ctx, fresh.Claim, "ATXid_fresh", "", at))
	if errs, err := s.MarkSentAll(ctx, nil, at); err != nil || len(errs) != 0 {
		t.Fatalf("MarkSentAll of nothing: %v, %v", errs, err)
	}
}

// testRecordDeliveries: a batch of reports ends as the same reports recorded one by one
// would: in order for each id, the first final status sticking, a report that overtook its
// send parked and adopted by MarkSent, an empty id found nowhere.
func testRecordDeliveries(t *testing.T, s Store) {
	var notes []crm.Notification
	for i := 1; i <= 5; i++ {
		notes = append(notes, outboxNote(i, crm.PriorityNormal, true))
	}
	enqueue(t, s, notes...)
	ctx := Context(t)
	got := claim(t, s, sendT0, 5, false)
	for i, c := range got[:4] {
		mustSettle(t, fmt.Sprintf("MarkSent %d", i+1), s.MarkSent(ctx, c.Claim, fmt.Sprintf("ATXid_b%d", i+1), "", sendT0))
	}
	at := sendT0.Add(5 * time.Second)
	if found, err := s.RecordDelivery(ctx, "ATXid_b4", "Success", "", at); err != nil || !found {
		t.Fatalf("RecordDelivery before the batch: found=%t err=%v", found, err)
	}
	reports := []crm.DeliveryReport{
		{ATMessageID: "ATXid_b1", Status: "Buffered"},
		{ATMessageID: "ATXid_b2", Status: "Failed", FailureReason: "UserInBlackList"},
		{ATMessageID: "ATXid_b1", Status: "Success"},
		{ATMessageID: "ATXid_b5", Status: "Success"}, // overtook its send
		{ATMessageID: "ATXid_b2", Status: "Success"}, // the first final wins
		{ATMessageID: "ATXid_b1", Status: "Submitted"},
		{ATMessageID: "ATXid_b3", Status: "Buffered", FailureReason: "AbsentSubscriber"},
		{ATMessageID: "ATXid_b3", Status: "Sent"},                                     // not final: replaces, the reason stays
		{ATMessageID: "ATXid_b4", Status: "Failed", FailureReason: "DeliveryFailure"}, // final before the batch
		{ATMessageID: ""},
	}
	found, err := s.RecordDeliveries(ctx, reports, at)
	if err != nil {
		t.Fatalf("RecordDeliveries: %v", err)
	}
	wantFound := []bool{true, true, true, false, true, true, true, true, true, false}
	if !slices.Equal(found, wantFound) {
		t.Fatalf("RecordDeliveries found %v, want %v", found, wantFound)
	}
	for _, w := range []struct{ subject, delivery, reason string }{
		{"test:1", "Success", ""},
		{"test:2", "Failed", "UserInBlackList"},
		{"test:3", "Sent", "AbsentSubscriber"},
		{"test:4", "Success", ""},
	} {
		if n := outboxRow(t, s, w.subject); n.DeliveryStatus != w.delivery || n.FailureReason != w.reason {
			t.Fatalf("%s: delivery %q reason %q, want %q %q", w.subject, n.DeliveryStatus, n.FailureReason, w.delivery, w.reason)
		}
	}
	mustSettle(t, "MarkSent 5", s.MarkSent(ctx, got[4].Claim, "ATXid_b5", "", at))
	if n := outboxRow(t, s, "test:5"); n.DeliveryStatus != "Success" {
		t.Fatalf("test:5 after its send was recorded: delivery %q, want the parked Success", n.DeliveryStatus)
	}
}

// testOutboxStats counts what the depth gauge shows.
func testOutboxStats(t *testing.T, s Store) {
	ctx := Context(t)
	st, err := s.OutboxStats(ctx)
	if err != nil {
		t.Fatalf("OutboxStats: %v", err)
	}
	if st != (crm.OutboxStats{}) {
		t.Fatalf("empty outbox: %+v, want zeros", st)
	}
	rows := enqueue(t, s, outboxNote(1, crm.PriorityUrgent, true), outboxNote(2, crm.PriorityNormal, true),
		outboxNote(3, crm.PriorityNormal, true), outboxNote(4, crm.PriorityBulk, true))
	got := claim(t, s, sendT0, 3, false) // 1, 2, 3
	mustSettle(t, "MarkFailed", s.MarkFailed(ctx, got[0].Claim, "refused", sendT0))
	mustSettle(t, "MarkSent", s.MarkSent(ctx, got[1].Claim, "ATXid_s", "", sendT0))
	st, err = s.OutboxStats(ctx)
	if err != nil {
		t.Fatalf("OutboxStats: %v", err)
	}
	want := crm.OutboxStats{Queued: 1, Sending: 1, Failed: 1, OldestQueued: rows[3].CreatedAt}
	if st.Queued != want.Queued || st.Sending != want.Sending || st.Failed != want.Failed || !st.OldestQueued.Equal(want.OldestQueued) {
		t.Fatalf("OutboxStats: %+v, want %+v", st, want)
	}
}

// testClaimsOnlyDue: rows in back-off and rows under a lease are passed over whatever their
// priority, and within a priority the row due longest goes first.
func testClaimsOnlyDue(t *testing.T, s Store) {
	rows := enqueue(t, s,
		outboxNote(1, crm.PriorityUrgent, true), outboxNote(2, crm.PriorityUrgent, true),
		outboxNote(3, crm.PriorityNormal, true), outboxNote(4, crm.PriorityNormal, true),
		outboxNote(5, crm.PriorityNormal, true),
	)
	ctx := Context(t)
	got := claim(t, s, sendT0, 5, false)
	if len(got) != 5 {
		t.Fatalf("first claim: %v, want all five", subjects(got))
	}
	// 1 waits an hour; 3 waits a minute; 4 waits half a minute; 2 stays held by its lease;
	// 5 is released due at once.
	mustSettle(t, "MarkRetry 1", s.MarkRetry(ctx, got[0].Claim, sendT0.Add(time.Hour), "HTTP 503", sendT0))
	mustSettle(t, "Postpone 3", s.Postpone(ctx, got[2].Claim, sendT0.Add(time.Minute), "connection refused", sendT0))
	mustSettle(t, "MarkRetry 4", s.MarkRetry(ctx, got[3].Claim, sendT0.Add(30*time.Second), "HTTP 500", sendT0))
	mustSettle(t, "Release 5", s.Release(ctx, got[4].Claim, sendT0, sendT0))
	if now := claim(t, s, sendT0.Add(time.Second), 10, false); !slices.Equal(subjects(now), []string{"test:5"}) {
		t.Fatalf("claim with one row due: %v, want [test:5]", subjects(now))
	}
	// At 10:01:00 rows 3 and 4 are due (4 since 10:00:30, first); 1 waits, 2 is held.
	if later := claim(t, s, sendT0.Add(time.Minute), 10, false); !slices.Equal(subjects(later), []string{"test:4", "test:3"}) {
		t.Fatalf("claim at 10:01: %v, want [test:4 test:3] (the longest due first)", subjects(later))
	}
	// When 2's lease ends it comes back before 1, which is still waiting.
	if lease := claim(t, s, got[1].LeaseUntil, 10, false); !slices.Equal(subjects(lease), []string{"test:2"}) {
		t.Fatalf("claim when the lease ran out: %v, want [test:2]", subjects(lease))
	}
	if n := outboxRow(t, s, rows[0].Subject); n.Status != crm.OutboxQueued || !n.NextAttemptAt.Equal(sendT0.Add(time.Hour)) {
		t.Fatalf("row in back-off: status %q next %v, want queued until %v", n.Status, n.NextAttemptAt, sendT0.Add(time.Hour))
	}
}

// testCitizensFirst: alerts to staff wait for every citizen's message due, even the bulk
// ones that came after them; at night, staff alerts still go.
func testCitizensFirst(t *testing.T, s Store) {
	staff := func(i int) crm.Notification {
		n := outboxNote(i, crm.PriorityStaff, true)
		n.Kind = crm.NotifyEscalation
		n.Params = map[string]string{"case": "600042550", "level": "2", "category": "long_wait", "centre": "KSM"}
		return n
	}
	enqueue(t, s, staff(1), staff(2))
	enqueue(t, s, outboxNote(3, crm.PriorityBulk, false), outboxNote(4, crm.PriorityNormal, true),
		outboxNote(5, crm.PriorityUrgent, true))
	day := claim(t, s, sendT0, 10, false)
	if want := []string{"test:5", "test:4", "test:3", "test:1", "test:2"}; !slices.Equal(subjects(day), want) {
		t.Fatalf("claim: %v, want %v (citizens first, whatever the order of arrival)", subjects(day), want)
	}
	enqueue(t, s, staff(6), outboxNote(7, crm.PriorityBulk, false))
	if night := claim(t, s, sendT0, 10, true); !slices.Equal(subjects(night), []string{"test:6"}) {
		t.Fatalf("quiet-hours claim: %v, want the staff alert alone", subjects(night))
	}
}

// testPostponeAndExpire: a row postponed for an outage keeps its reason and does not count
// the attempt; an expired row is settled with its reason and never claimed again. Both
// refuse a stale claim and are harmless when repeated.
func testPostponeAndExpire(t *testing.T, s Store) {
	enqueue(t, s, outboxNote(1, crm.PriorityNormal, true), outboxNote(2, crm.PriorityNormal, true))
	ctx := Context(t)
	got := claim(t, s, sendT0, 2, false)
	next := sendT0.Add(20 * time.Second)
	for i := range 2 {
		mustSettle(t, fmt.Sprintf("Postpone #%d", i+1), s.Postpone(ctx, got[0].Claim, next, "provider unreachable: connection refused", sendT0))
		mustSettle(t, fmt.Sprintf("MarkExpired #%d", i+1), s.MarkExpired(ctx, got[1].Claim, "expired: the appointment it is about is over", sendT0))
	}
	n := outboxRow(t, s, "test:1")
	if n.Status != crm.OutboxQueued || n.Attempts != 0 || !n.NextAttemptAt.Equal(next) || n.FailureReason != "provider unreachable: connection refused" {
		t.Fatalf("postponed row: status %q attempts %d next %v reason %q, want queued, 0 (not counted), %v and the reason",
			n.Status, n.Attempts, n.NextAttemptAt, n.FailureReason, next)
	}
	e := outboxRow(t, s, "test:2")
	if e.Status != crm.OutboxExpired || e.FailureReason != "expired: the appointment it is about is over" {
		t.Fatalf("expired row: status %q reason %q, want expired with the reason", e.Status, e.FailureReason)
	}
	if list := listOutbox(t, s, crm.NotificationFilter{Status: crm.OutboxExpired}); len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("Notifications(status expired): %d rows, want the expired one", len(list))
	}
	wantErr(t, "Postpone with a spent claim", s.Postpone(ctx, got[1].Claim, next, "x", sendT0), crm.ErrClaimLost)
	wantErr(t, "MarkExpired with a spent claim", s.MarkExpired(ctx, got[0].Claim, "x", sendT0), crm.ErrClaimLost)
	again := claim(t, s, next, 10, false)
	if !slices.Equal(subjects(again), []string{"test:1"}) || again[0].Attempts != 1 {
		t.Fatalf("claim when the postponed row is due: %v, want test:1 at its first attempt", subjects(again))
	}
}

// testUnknownPriority: a row of a priority the claim does not read (crm.ClaimOrder) would
// never be sent, so the store refuses to queue it.
func testUnknownPriority(t *testing.T, s Store) {
	r, e, _ := tracked(t, phone(998))
	_, _, err := s.CreateRequest(Context(t), r, e, []crm.Notification{outboxNote(1, crm.Priority(3), true)})
	if err == nil {
		t.Fatal("queueing a message of priority 3: no error, want it refused")
	}
	if list := listOutbox(t, s, crm.NotificationFilter{Subject: "test:1"}); len(list) != 0 {
		t.Fatalf("a message of priority 3 was queued: %+v", list)
	}
}

// testFoldAlerts: a storm of alerts to one phone folds into one digest with their counts:
// the claimed row, the rows the worker holds and the queued ones; never another phone's,
// another kind, or an integrity case's. While the digest waits, a second fold merges
// nothing. AlertsSent counts what was sent and sees the digest waiting, then sent.
func testFoldAlerts(t *testing.T, s Store) {
	ctx := Context(t)
	alert := func(i int, to crm.Phone, category crm.Category, level string) crm.Notification {
		n := outboxNote(i, crm.PriorityStaff, true)
		n.Phone, n.Kind = to, crm.NotifyEscalation
		n.Params = map[string]string{"case": fmt.Sprintf("600%06d", i%5), "level": level, "category": string(category), "centre": "KSM"}
		return n
	}
	sup, other := phone(700), phone(701)
	enqueue(t, s,
		alert(1, sup, crm.CategoryLongWait, "2"), alert(2, sup, crm.CategoryLongWait, "3"), alert(3, sup, crm.CategoryCallback, "2"),
		alert(4, sup, crm.CategoryCorruption, "3"), // an integrity case: never merged
		alert(5, other, crm.CategoryLongWait, "2"), // someone else's
		alert(6, sup, crm.CategoryLongWait, "2"),   // stays queued until the fold
	)
	reply := outboxNote(7, crm.PriorityUrgent, true) // another kind to the same phone
	reply.Phone = sup
	enqueue(t, s, reply)
	kinds := crm.DigestKinds
	h, err := s.AlertsSent(ctx, sup, kinds, sendT0.Add(-time.Hour))
	if err != nil || h.Sent != 0 || h.DigestWaiting || !h.LastDigest.IsZero() {
		t.Fatalf("AlertsSent before anything went: %+v, %v", h, err)
	}
	got := claim(t, s, sendT0, 3, false) // the reply, then alerts 1 and 2
	if !slices.Equal(subjects(got), []string{"test:7", "test:1", "test:2"}) {
		t.Fatalf("claim: %v", subjects(got))
	}
	mustSettle(t, "MarkSent", s.MarkSent(ctx, got[1].Claim, "ATXid_a1", "", sendT0))
	if h, err = s.AlertsSent(ctx, sup, kinds, sendT0.Add(-time.Minute)); err != nil || h.Sent != 1 {
		t.Fatalf("AlertsSent after one alert went: %+v, %v", h, err)
	}
	held := claim(t, s, sendT0, 1, false) // alert 3
	fold := crm.AlertFold{Kinds: kinds, Except: crm.IntegrityCategories(), URL: "https://huduma.example/console/"}
	digest, merged, err := s.FoldAlerts(ctx, got[2].Claim, []crm.Claim{held[0].Claim}, fold, sendT0.Add(time.Second))
	if err != nil || digest == 0 || merged != 3 { // 2 (claimed), 3 (held), 6 (queued)
		t.Fatalf("FoldAlerts: digest %d merged %d, %v; want a digest of 3 alerts", digest, merged, err)
	}
	for subject, want := range map[string]string{"test:1": crm.OutboxSent, "test:2": crm.OutboxMerged, "test:3": crm.OutboxMerged,
		"test:4": crm.OutboxQueued, "test:5": crm.OutboxQueued, "test:6": crm.OutboxMerged, "test:7": crm.OutboxSending} {
		if n := outboxRow(t, s, subject); n.Status != want {
			t.Errorf("%s after the fold: %s, want %s", subject, n.Status, want)
		}
	}
	d := listOutbox(t, s, crm.NotificationFilter{Kind: crm.NotifyAlertDigest})
	if len(d) != 1 || d[0].ID != digest || d[0].Phone != sup || d[0].Priority != crm.PriorityStaff || d[0].Status != crm.OutboxQueued {
		t.Fatalf("the digest row: %+v", d)
	}
	wantParams := map[string]string{"count": "3", "complaints": "2", "callbacks": "1", "level": "3",
		"since": got[2].CreatedAt.UTC().Format(time.RFC3339), "url": "https://huduma.example/console/"}
	for k, v := range wantParams {
		if d[0].Params[k] != v {
			t.Errorf("digest param %s = %q, want %q (all %v)", k, d[0].Params[k], v, d[0].Params)
		}
	}
	if h, err = s.AlertsSent(ctx, sup, kinds, sendT0.Add(-time.Minute)); err != nil || !h.DigestWaiting {
		t.Fatalf("AlertsSent with the digest queued: %+v, %v", h, err)
	}
	// Another storm row while the digest waits: nothing merged.
	enqueue(t, s, alert(8, sup, crm.CategoryLongWait, "2"))
	again := claim(t, s, sendT0.Add(2*time.Second), 10, false)
	var a8 crm.ClaimedNotification
	for _, c := range again {
		if c.Subject == "test:8" {
			a8 = c
		}
	}
	if d2, n, err := s.FoldAlerts(ctx, a8.Claim, nil, fold, sendT0.Add(2*time.Second)); err != nil || d2 != 0 || n != 0 {
		t.Fatalf("FoldAlerts while a digest waits: digest %d merged %d, %v; want nothing", d2, n, err)
	}
	for _, c := range again {
		if c.ID == digest {
			mustSettle(t, "MarkSent digest", s.MarkSent(ctx, c.Claim, "ATXid_d", "", sendT0.Add(3*time.Second)))
		}
	}
	if h, err = s.AlertsSent(ctx, sup, kinds, sendT0.Add(-time.Minute)); err != nil || h.Sent != 2 || h.DigestWaiting ||
		!h.LastDigest.Equal(sendT0.Add(3*time.Second)) {
		t.Fatalf("AlertsSent after the digest went: %+v, %v; want 2 sent, the digest at %v", h, err, sendT0.Add(3*time.Second))
	}
	wantErr(t, "FoldAlerts with a spent claim", func() error {
		_, _, err := s.FoldAlerts(ctx, got[2].Claim, nil, fold, sendT0)
		return err
	}(), crm.ErrClaimLost)
}
