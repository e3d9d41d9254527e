package outbox_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/sms/outbox"
)

// A storm of alerts to one supervisor becomes three alerts and one digest, in their
// language, with the console's link; at most one digest goes a window, later alerts wait
// for the window to end. The integrity officer's alerts in the same storm each go on their
// own, never merged. Nothing is lost: every alert is sent or merged into a digest that is.
func TestDigestReplacesAStorm(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		nairobi := time.FixedZone("EAT", 3*60*60)
		t0 := time.Date(2031, 2, 3, 10, 0, 0, 0, nairobi)
		clock := testkit.NewClock(t0)
		sb := newSandbox(t, atsandbox.Config{})
		const supervisor, officer = crm.Phone("+254722000001"), crm.Phone("+254722000002")
		alert := func(i int, to crm.Phone, category crm.Category, lang crm.Lang) crm.Notification {
			n := note(i, crm.PriorityStaff, true)
			n.Phone, n.Lang, n.Kind, n.CreatedAt = to, lang, crm.NotifyEscalation, t0
			n.Params = map[string]string{"case": fmt.Sprintf("600%06d", i), "level": "2", "category": string(category), "centre": "KSM"}
			return n
		}
		var storm []crm.Notification
		for i := range 12 {
			cat := crm.CategoryLongWait
			if i%6 == 5 {
				cat = crm.CategoryCallback
			}
			storm = append(storm, alert(i, supervisor, cat, crm.Swahili))
			if i < 6 {
				storm = append(storm, alert(100+i, officer, crm.CategoryCorruption, crm.English))
			}
		}
		ids := enqueue(t, b.store, storm)
		log, logs := testkit.Logger(t)
		w := start(t, b.store, sb.client(sb.key, 2*time.Second, nil), outbox.Config{Workers: 1, Now: clock.Now,
			Location: nairobi, ConsoleURL: "https://huduma.example/console/", Logger: log})
		rows := waitSettled(t, b.store, ids, 30*time.Second)
		// The digest is queued by the merge and sent after it.
		var digest crm.Notification
		testkit.EventuallyNoError(t, func() error {
			list, err := b.store.Notifications(t.Context(), crm.NotificationFilter{Kind: crm.NotifyAlertDigest})
			if err != nil {
				return err
			}
			if len(list) != 1 || list[0].Status != crm.OutboxSent {
				return fmt.Errorf("digests: %+v, want one, sent", list)
			}
			digest = list[0]
			return nil
		}, 30*time.Second, "the digest sent")

		count := map[crm.Phone]map[string]int{supervisor: {}, officer: {}}
		for _, n := range rows {
			count[n.Phone][n.Status]++
			if n.Status == crm.OutboxMerged && !strings.Contains(n.FailureReason, fmt.Sprintf("digest of alerts (outbox %d)", digest.ID)) {
				t.Errorf("merged alert %s: reason %q, want it to name the digest %d", n.Subject, n.FailureReason, digest.ID)
			}
		}
		if got := count[supervisor]; got[crm.OutboxSent] != 3 || got[crm.OutboxMerged] != 9 {
			t.Fatalf("the supervisor's 12 alerts: %v, want 3 sent and 9 merged", got)
		}
		if got := count[officer]; got[crm.OutboxSent] != 6 || got[crm.OutboxMerged] != 0 {
			t.Fatalf("the integrity officer's 6 alerts: %v, want all 6 sent on their own", got)
		}
		var texts []string
		for _, m := range sb.Messages() {
			if m.Phone == string(supervisor) && m.StatusCode == africastalking.StatusSent {
				texts = append(texts, m.Text)
			}
		}
		want := "Huduma: kesi 9 zimekufikia kama msimamizi (L2) tangu 4:00 asubuhi (10:00): malalamiko 7, maombi ya kupigiwa simu 2. Zione kwenye konsoli: https://huduma.example/console/"
		if len(texts) != 4 || !slices.Contains(texts, want) {
			t.Fatalf("the supervisor was sent %d messages:\n%s\nwant 3 alerts and the digest %q", len(texts), strings.Join(texts, "\n"), want)
		}
		if got := metric(t, w, "huduma_sms_alerts_merged_total"); got != 9 {
			t.Fatalf("huduma_sms_alerts_merged_total = %v, want 9", got)
		}

		// Two more alerts within the window wait for it to end, then go on their own.
		clock.Advance(time.Minute)
		late := enqueue(t, b.store, []crm.Notification{alert(50, supervisor, crm.CategoryLongWait, crm.Swahili),
			alert(51, supervisor, crm.CategoryLongWait, crm.Swahili)})
		testkit.EventuallyNoError(t, func() error {
			rows, _ := readRows(t, b.store, late)
			for _, n := range rows {
				if n.Status != crm.OutboxQueued || n.FailureReason != "waiting for the next digest of alerts" || n.Attempts != 0 {
					return fmt.Errorf("%s: %s %q attempts %d", n.Subject, n.Status, n.FailureReason, n.Attempts)
				}
			}
			return nil
		}, 30*time.Second, "the late alerts wait for the window")
		clock.Advance(15 * time.Minute)
		for _, n := range waitSettled(t, b.store, late, 30*time.Second) {
			if n.Status != crm.OutboxSent {
				t.Fatalf("late alert %s after the window: %s, want sent", n.Subject, n.Status)
			}
		}
		if logs.Count("merged into a digest") != 1 {
			t.Fatalf("want one merge logged:\n%s", logs)
		}
	})
}
