package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/storetest"
)

// BenchmarkSweepMillionOpenCases times one escalation sweep on Postgres with 1,000,000 open
// cases, of which `due` are overdue each time (and escalated by the sweep). The setup writes
// the million rows with one INSERT … SELECT and takes a while; it runs only with -bench:
//
//	go test -run '^$' -bench SweepMillion -benchtime 20x ./crm/
func BenchmarkSweepMillionOpenCases(b *testing.B) {
	for _, due := range []int{0, 100} {
		b.Run(map[int]string{0: "none_due", 100: "100_due"}[due], func(b *testing.B) {
			benchmarkSweep(b, 1_000_000, due)
		})
	}
}

func benchmarkSweep(b *testing.B, open, due int) {
	ctx := context.Background()
	s, conn := benchStore(b)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, nairobi)
	// Open cases whose deadlines lie ahead, spread over the coming weeks; case numbers are
	// their ids padded to 9 digits (the benchmark never parses them).
	if _, err := conn.Exec(ctx, `
		INSERT INTO cases (number, kind, category, queue, phone, lang, centre, service, description,
			callback_asap, status, level, due_at, resolution_due, version, created_at, updated_at)
		SELECT lpad(g::text, 9, '0'), 'complaint', 'long_wait', 'general', '+254712' || lpad((g % 1000000)::text, 6, '0'),
			'en', 'KSM', '', 'waited', false, 'assigned', 1,
			$1::timestamptz + (g % 20000) * interval '1 minute', $1::timestamptz + interval '30 days', 1, $1, $1
		FROM generate_series(1, $2::int) AS g`, now.Add(time.Hour), open); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE cases`); err != nil {
		b.Fatal(err)
	}
	c := testkit.NewClock(now)
	desk, err := crm.NewDesk(ctx, s, crm.DeskConfig{Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	o := crm.NewOffice(desk, crm.OfficeConfig{Logger: discard})
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		// Make `due` cases overdue again (the previous sweep escalated them).
		if _, err := conn.Exec(ctx, `UPDATE cases SET level = 1, due_at = $1, version = version + 1 WHERE id <= $2`,
			now.Add(-time.Minute), due); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := o.Sweep(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if res.Escalated != due {
			b.Fatalf("sweep escalated %d, want %d", res.Escalated, due)
		}
	}
}

// benchStore opens a migrated, seeded Postgres store in a schema of its own for a benchmark,
// and a plain connection to the same schema for filling it with SQL; both close with b.
func benchStore(b *testing.B) (*postgres.Store, *pgx.Conn) {
	b.Helper()
	ctx := context.Background()
	url := storetest.PostgresSchema(b)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	data, err := crm.DefaultRefData()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Seed(ctx, data); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	return s, conn
}
