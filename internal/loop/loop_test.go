package loop

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The tests run in a synctest bubble: time there is a fake clock that moves only when every
// goroutine of the bubble is blocked, so time.Sleep below moves the clock to an exact instant
// and synctest.Wait lets the loop finish what that instant starts. Nothing depends on how
// fast the machine is.
func TestLoop(t *testing.T) {
	const interval = time.Minute
	cases := []struct {
		name string
		run  func(context.Context, time.Duration, func(context.Context))
		// rounds run by 0, ½, 1, 2½ and 3 intervals.
		want []int32
	}{
		{"Every", Every, []int32{1, 1, 2, 3, 4}},
		{"EveryAfter", EveryAfter, []int32{0, 0, 1, 2, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				var rounds atomic.Int32
				done := make(chan struct{})
				go func() {
					defer close(done)
					tc.run(ctx, interval, func(ctx context.Context) {
						if ctx.Err() != nil {
							t.Error("a round was given an ended context")
						}
						rounds.Add(1)
					})
				}()
				start := time.Now()
				for i, at := range []time.Duration{0, interval / 2, interval, 5 * interval / 2, 3 * interval} {
					time.Sleep(start.Add(at).Sub(time.Now()))
					synctest.Wait()
					if got := rounds.Load(); got != tc.want[i] {
						cancel()
						t.Fatalf("at %v: %d rounds, want %d", at, got, tc.want[i])
					}
				}
				cancel()
				synctest.Wait()
				select {
				case <-done:
				default:
					t.Fatal("the loop still runs after its context ended")
				}
				if got := rounds.Load(); got != tc.want[len(tc.want)-1] {
					t.Fatalf("a round ran after the context ended: %d rounds", got)
				}
			})
		})
	}
}

// A round longer than the interval is followed by the next one at once, not by a round for
// every tick it missed: rounds never overlap or pile up.
func TestLoopSlowRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var mu sync.Mutex
		var starts []time.Duration
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			Every(ctx, time.Minute, func(context.Context) {
				mu.Lock()
				starts = append(starts, time.Since(start))
				mu.Unlock()
				time.Sleep(150 * time.Second) // two and a half intervals
			})
		}()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		mu.Lock()
		got := slices.Clone(starts)
		mu.Unlock()
		cancel()
		<-done
		if want := []time.Duration{0, 150 * time.Second, 300 * time.Second}; !slices.Equal(got, want) {
			t.Fatalf("by 5 min, rounds started at %v, want %v", got, want)
		}
	})
}
