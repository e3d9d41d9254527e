package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// backlog is how many rows wait out a back-off or a lease in TestClaimReadsOnlyDueRows: the
// size of the backlog an SMS provider outage of 12 minutes left (issue 16).
const backlog = 150_000

// With 150,000 rows waiting out a back-off or a lease, at every priority, a claim reads no
// row that is not due. SQLite's EXPLAIN QUERY PLAN shows how each priority's rows are read:
// every read must be a SEARCH of a due index bounded on the due time (priority=? AND
// <due><?), never a SCAN nor a search on the priority alone, which would read the backlog.
// This holds the claim's due expression to the index's: a mismatch fails here.
func TestClaimReadsOnlyDueRows(t *testing.T) {
	ctx := storetest.Context(t)
	s, err := Open(ctx, filepath.Join(t.TempDir(), "huduma.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2031, 2, 3, 7, 0, 0, 0, time.UTC)
	var prios []string
	for _, p := range crm.ClaimOrder {
		prios = append(prios, fmt.Sprint(int(p)))
	}
	// The backlog: every priority, essential or not, mostly in back-off (due within the next
	// hour), some held under a lease; created before the due rows.
	if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?3)
		INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at, status, attempts, claims,
			next_attempt_at, lease_until)
		SELECT printf('+254712%06d', n), 'en', 'case_reply', '{"case":"600042550","body":"x"}',
			json_extract(?2, '$[' || (n % json_array_length(?2)) || ']'), n % 3 <> 0, 'backlog:' || n,
			strftime('%Y-%m-%dT%H:%M:%S.000000Z', ?1, '-1 hour'), CASE WHEN n % 10 = 0 THEN 'sending' ELSE 'queued' END, 1, 1,
			CASE WHEN n % 10 = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S.000000Z', ?1, '+' || (n % 3600) || ' seconds') END,
			CASE WHEN n % 10 = 0 THEN strftime('%Y-%m-%dT%H:%M:%S.000000Z', ?1, '+1 minute') END
		FROM g`, formatTimestamp(now), "["+strings.Join(prios, ",")+"]", backlog); err != nil {
		t.Fatalf("insert the backlog: %v", err)
	}
	var due []string
	for _, p := range crm.ClaimOrder {
		for i, essential := range []bool{true, false} {
			subject := fmt.Sprintf("due:%d:%d", p, i)
			due = append(due, subject)
			if _, err := s.db.ExecContext(ctx, `INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at)
				VALUES ('+254712999999', 'en', 'case_reply', '{"case":"600042550","body":"x"}', ?, ?, ?, ?)`,
				int(p), essential, subject, formatTimestamp(now.Add(-time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, q := range claimSQL {
		rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, formatTimestamp(now), 10)
		if err != nil {
			t.Fatalf("explain the claim: %v", err)
		}
		var reads []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(detail, "outbox") {
				reads = append(reads, detail)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		wantArms := len(crm.ClaimOrder)
		if i == 1 {
			wantArms-- // the quiet hours do not read bulk rows at all
		}
		if len(reads) != wantArms {
			t.Fatalf("urgentOnly=%t: %d reads of the outbox, want one per priority (%d):\n%s", i == 1, len(reads), wantArms, strings.Join(reads, "\n"))
		}
		for _, r := range reads {
			if !strings.HasPrefix(r, "SEARCH outbox USING INDEX outbox_due") || !strings.Contains(r, "(priority=? AND <expr><?)") {
				t.Errorf("urgentOnly=%t: %q reads rows that are not due", i == 1, r)
			}
		}
		t.Logf("urgentOnly=%t:\n%s", i == 1, strings.Join(reads, "\n"))
	}
	got, err := s.ClaimNotifications(ctx, now, 100, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, c := range got {
		subjects = append(subjects, c.Subject)
	}
	if !slices.Equal(subjects, due) {
		t.Fatalf("claimed %v, want %v", subjects, due)
	}
}
