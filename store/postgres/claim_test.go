package postgres

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// backlog is how many rows wait out a back-off or a lease in TestClaimReadsOnlyDueRows: the
// size of the backlog an SMS provider outage of 12 minutes left (issue 16).
const backlog = 150_000

// With 150,000 rows waiting out a back-off or a lease, at every priority, a claim reads no
// row that is not due: EXPLAIN ANALYZE of the claim itself shows every read of the outbox
// as an index range whose rows are all taken, none removed by a filter. This holds the
// claim's due expression to the index's (a mismatch falls back to a scan that reads the
// backlog), and it counts rows, not milliseconds, so a busy machine cannot fail it.
func TestClaimReadsOnlyDueRows(t *testing.T) {
	ctx := storetest.Context(t)
	s := openMigrated(t)
	now := time.Date(2031, 2, 3, 7, 0, 0, 0, time.UTC)
	prios := make([]int, len(crm.ClaimOrder))
	for i, p := range crm.ClaimOrder {
		prios[i] = int(p)
	}
	// The backlog: every priority, essential or not, mostly in back-off (due within the next
	// hour), some held under a lease. Created before the due rows, so an index in arrival
	// order would read the whole backlog first.
	if _, err := s.pool.Exec(ctx, `INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject,
			created_at, status, attempts, claims, next_attempt_at, lease_until)
		SELECT '+254712' || lpad(g::text, 6, '0'), 'en', 'case_reply', '{"case":"600042550","body":"x"}',
			($2::int[])[1 + g % cardinality($2::int[])], g % 3 <> 0, 'backlog:' || g,
			$1::timestamptz - interval '1 hour', CASE WHEN g % 10 = 0 THEN 'sending' ELSE 'queued' END, 1, 1,
			CASE WHEN g % 10 = 0 THEN NULL ELSE $1::timestamptz + (g % 3600) * interval '1 second' END,
			CASE WHEN g % 10 = 0 THEN $1::timestamptz + interval '1 minute' END
		FROM generate_series(1, $3) g`, now, prios, backlog); err != nil {
		t.Fatalf("insert the backlog: %v", err)
	}
	// The rows due: two of each priority, one of them essential.
	var due []string
	for _, p := range crm.ClaimOrder {
		for i, essential := range []bool{true, false} {
			subject := fmt.Sprintf("due:%d:%d", p, i)
			due = append(due, subject)
			if _, err := s.pool.Exec(ctx, `INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at)
				VALUES ('+254712999999', 'en', 'case_reply', '{"case":"600042550","body":"x"}', $1, $2, $3, $4)`,
				int(p), essential, subject, now.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE outbox`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		urgentOnly bool
		limit      int
		want       int // rows the claim takes
	}{
		{"a batch by day", false, 10, 8},
		{"one row, as a probe claims", false, 1, 1},
		{"a batch in the quiet hours", true, 10, 5}, // urgent 2, essential normal 1, staff 2
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, plan := explainClaim(t, s, now, tt.limit, tt.urgentOnly)
			if claimed := root.ActualRows; claimed != tt.want {
				t.Fatalf("the claim took %d rows, want %d", claimed, tt.want)
			}
			reads := outboxReads(root)
			if len(reads) == 0 {
				t.Fatalf("no read of the outbox in the plan:\n%s", plan)
			}
			total := 0
			for _, r := range reads {
				if r.removed > 0 || r.index == "" {
					t.Errorf("%s on %q read %d rows and removed %d: it reads rows that are not due\n%s", r.node, r.index, r.rows, r.removed, plan)
				}
				total += r.rows
			}
			// Each row taken is read twice: by its priority's range, and by the update.
			if total > 2*tt.want {
				t.Errorf("the claim read %d rows of the outbox to take %d:\n%s", total, tt.want, plan)
			}
			t.Logf("took %d rows with %d rows waiting; %d rows read in %d index reads", root.ActualRows, backlog, total, len(reads))
		})
	}
	// And the claim itself takes exactly the due rows, citizens' before staff's.
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

// explainClaim runs the claim under EXPLAIN ANALYZE in a transaction it rolls back, and
// returns the plan, also as indented JSON for a failure to show.
func explainClaim(t *testing.T, s *Store, now time.Time, limit int, urgentOnly bool) (planNode, string) {
	t.Helper()
	ctx := storetest.Context(t)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	q := claimSQL[0]
	if urgentOnly {
		q = claimSQL[1]
	}
	var raw []byte
	if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+q, now, limit, now.Add(time.Minute)).Scan(&raw); err != nil {
		t.Fatalf("explain the claim: %v", err)
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("read the plan: %v\n%s", err, raw)
	}
	var pretty []byte
	pretty, _ = json.MarshalIndent(plans[0].Plan, "", " ")
	return plans[0].Plan, string(pretty)
}

// planNode is the part of a node of EXPLAIN's JSON the test reads.
type planNode struct {
	NodeType       string     `json:"Node Type"`
	Relation       string     `json:"Relation Name,omitempty"`
	Index          string     `json:"Index Name,omitempty"`
	IndexCond      string     `json:"Index Cond,omitempty"`
	ActualRows     int        `json:"Actual Rows"`
	ActualLoops    int        `json:"Actual Loops"`
	RemovedFilter  int        `json:"Rows Removed by Filter,omitempty"`
	RemovedRecheck int        `json:"Rows Removed by Index Recheck,omitempty"`
	Plans          []planNode `json:"Plans,omitempty"`
}

type outboxRead struct {
	node, index   string
	rows, removed int
}

// outboxReads lists every node that reads rows of the outbox table, with the rows it read.
func outboxReads(n planNode) []outboxRead {
	var out []outboxRead
	if n.Relation == "outbox" && n.NodeType != "ModifyTable" {
		out = append(out, outboxRead{node: n.NodeType, index: n.Index,
			rows: n.ActualRows * max(1, n.ActualLoops), removed: n.RemovedFilter + n.RemovedRecheck})
	}
	for _, c := range n.Plans {
		out = append(out, outboxReads(c)...)
	}
	return out
}

// openMigrated opens a store on a schema of its own, migrated, for the tests that read
// Postgres's plans through the store's own pool.
func openMigrated(t *testing.T) *Store {
	t.Helper()
	ctx := storetest.Context(t)
	s, err := Open(ctx, storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}
