package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/store/storetest"
)

// TestBatchStatementsReadByIndex: the statements that record a batch of sends or delivery
// reports read the outbox by an index, even in the generic plan a pooled connection keeps,
// made when the outbox was small. One statement over the unnest of the batch's arrays read
// the whole outbox (or the whole of outbox_due) in that plan, 70–200 ms a batch while a
// backlog drained; each statement now names one row by a key. Sequential scans are priced
// out here, so a plan that still reads a table or an index whole has no index it could use.
func TestBatchStatementsReadByIndex(t *testing.T) {
	ctx := storetest.Context(t)
	s := openMigrated(t)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, set := range []string{"SET plan_cache_mode = force_generic_plan", "SET enable_seqscan = off"} {
		if _, err := conn.Exec(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	const at = `'2031-02-03T07:00:00Z'`
	for i, tt := range []struct {
		name, sql string
		args      []string // SQL literals: EXECUTE takes no parameters
	}{
		{"mark sent", markSentSQL, []string{"1", "1", "'ATXid_a'", "'KES 0.8000'", at}},
		{"record a delivery", recordDeliverySQL, []string{"'ATXid_a'", "'Success'", "''", at, "'{Success,Failed}'"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A statement of our own, so the plan is the generic one a pool's connection
			// would keep for it; EXPLAIN EXECUTE shows that plan.
			name := fmt.Sprintf("batch%d", i)
			if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+tt.sql); err != nil {
				t.Fatalf("PREPARE: %v", err)
			}
			var plan []byte
			if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) EXECUTE "+name+"("+strings.Join(tt.args, ", ")+")").Scan(&plan); err != nil {
				t.Fatalf("EXPLAIN: %v", err)
			}
			if scans := wholeReads(t, plan); len(scans) > 0 {
				t.Fatalf("the plan reads %s whole:\n%s", strings.Join(scans, ", "), plan)
			}
		})
	}
}

// wholeReads lists the scans of a JSON plan that read a table or an index whole: sequential
// scans, and index scans without an index condition (with sequential scans priced out, the
// planner reads a partial index whole instead).
func wholeReads(t *testing.T, plan []byte) []string {
	t.Helper()
	var root []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &root); err != nil {
		t.Fatalf("read the plan: %v", err)
	}
	var out []string
	var walk func(n planNode)
	walk = func(n planNode) {
		switch {
		case n.NodeType == "Seq Scan":
			out = append(out, n.NodeType+" on "+n.Relation)
		case strings.HasSuffix(n.NodeType, "Index Scan") && n.IndexCond == "":
			out = append(out, n.NodeType+" of "+n.Index)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, r := range root {
		walk(r.Plan)
	}
	return out
}
