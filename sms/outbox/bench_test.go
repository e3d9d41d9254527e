package outbox_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/sms/outbox"
	"github.com/huduma-connect/huduma/store/storetest"
)

// BenchmarkDrain measures how fast one replica (no rate limit) empties the outbox into the
// in-process sandbox over loopback HTTP: claim, render, send, record. Each iteration queues
// 1000 rows (not timed), starts a worker and stops the clock when the last row is sent. With
// latency, the sandbox answers each request after 150 ms, as Africa's Talking does from
// across the network: the drain then depends on how many sends overlap.
//
//	go test -run '^$' -bench Drain -benchtime 3x ./sms/outbox/
func BenchmarkDrain(b *testing.B) {
	const rows = 1000
	for _, bk := range backends {
		for _, tt := range []struct {
			workers int
			latency time.Duration
		}{{4, 0}, {16, 0}, {4, 150 * time.Millisecond}, {16, 150 * time.Millisecond}} {
			workers := tt.workers
			b.Run(fmt.Sprintf("%s/workers=%d/latency=%v", bk.name, workers, tt.latency), func(b *testing.B) {
				be := bk.open(b)
				sb := newSandbox(b, atsandbox.Config{DeliveryDelay: time.Hour, Latency: tt.latency}) // no reports: measure sending
				client := sb.client(sb.key, 5*time.Second, nil)
				var sent int
				var took time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					ids := enqueue(b, be.store, notes(i*rows, rows))
					tm, c := fixtures(b)
					w := outbox.New(be.store, client, tm, func() *crm.Catalog { return c },
						testConfig(outbox.Config{Workers: workers, PollInterval: 5 * time.Millisecond, StatsInterval: time.Hour}))
					ctx, cancel := context.WithCancel(context.Background())
					done := make(chan struct{})
					b.StartTimer()
					start := time.Now()
					go func() { w.Run(ctx); close(done) }()
					waitDrained(b, be.store)
					took += time.Since(start)
					b.StopTimer()
					cancel()
					<-done
					sent += len(ids)
					b.StartTimer()
				}
				b.ReportMetric(float64(sent)/took.Seconds(), "msgs/s")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// waitDrained waits until nothing is queued or sending.
func waitDrained(tb testing.TB, s crm.SendingStore) {
	tb.Helper()
	testkit.EventuallyNoError(tb, func() error {
		st, err := s.OutboxStats(storetest.Context(tb))
		if err != nil {
			tb.Fatal(err)
		}
		if st.Queued != 0 || st.Sending != 0 {
			return fmt.Errorf("not drained: %+v", st)
		}
		return nil
	}, 2*time.Minute, "the outbox drained")
}

// BenchmarkRate checks that the configured rate holds: 600 messages at 200/s through 4
// goroutines should take 3 s. The rate is measured between the first and the last message
// the sandbox accepted; "off%" is its distance from 200/s, which should stay under 5.
//
//	go test -run '^$' -bench Rate -benchtime 1x ./sms/outbox/
func BenchmarkRate(b *testing.B) {
	const (
		perSecond = 200.0
		rows      = 600
	)
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			be := bk.open(b)
			var worst float64
			var rates []float64
			for i := 0; i < b.N; i++ {
				sb := newSandbox(b, atsandbox.Config{DeliveryDelay: time.Hour})
				ids := enqueue(b, be.store, notes(i*rows, rows))
				tm, c := fixtures(b)
				w := outbox.New(be.store, sb.client(sb.key, 5*time.Second, nil), tm, func() *crm.Catalog { return c },
					testConfig(outbox.Config{Workers: 4, Rate: perSecond, PollInterval: 5 * time.Millisecond, StatsInterval: time.Hour}))
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { w.Run(ctx); close(done) }()
				waitDrained(b, be.store)
				cancel()
				<-done
				var at []time.Time
				for _, m := range sb.Messages() {
					if m.StatusCode == africastalking.StatusSent {
						at = append(at, m.At)
					}
				}
				if len(at) != len(ids) {
					b.Fatalf("%d messages accepted, want %d", len(at), len(ids))
				}
				sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
				rate := float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds()
				rates = append(rates, rate)
				worst = max(worst, math.Abs(rate-perSecond)/perSecond*100)
			}
			sort.Float64s(rates)
			b.ReportMetric(rates[len(rates)/2], "msgs/s")
			b.ReportMetric(worst, "off%")
			b.ReportMetric(0, "ns/op")
			if worst > 5 {
				b.Errorf("rate off by %.1f%% from %v/s (measured %v)", worst, perSecond, rates)
			}
		})
	}
}
