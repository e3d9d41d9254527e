package crm

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/internal/testkit"
)

// The pool runs at most its number of checks at once, keeps a slot for a rest after each, and
// tells a check that cannot start in time to come back later instead of queueing it for ever.
func TestPasswordPoolBoundsTheWork(t *testing.T) {
	p := newPasswordPool(2, 0.5)
	p.wait = 50 * time.Millisecond
	hold := make(chan struct{})
	var running, most atomic.Int32
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- p.do(context.Background(), func() {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				<-hold
				running.Add(-1)
			})
		}()
	}
	testkit.Eventually(t, func() bool { return running.Load() == 2 }, 10*time.Second, "both slots taken")
	var te *ThrottledError
	if err := p.do(context.Background(), func() { t.Error("a third check ran with two slots") }); !errors.As(err, &te) || !te.Busy {
		t.Fatalf("a third check with both slots taken: %v, want a busy ThrottledError", err)
	}
	close(hold)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if most.Load() != 2 {
		t.Fatalf("at most %d checks ran at once, want 2", most.Load())
	}
	p.wait = time.Minute
	if err := p.do(context.Background(), func() {}); err != nil { // the rests end, the slots free
		t.Fatalf("after the rests: %v", err)
	}
}

// A staff action's hashing waits for a slot as long as it must and leaves no rest behind, so
// making the demo's users or resetting a password is never told "too many logins".
func TestPasswordPoolHashesWithoutTheLoginLimit(t *testing.T) {
	p := newPasswordPool(1, 0.01) // a check would rest 99 times as long as it took
	p.wait = time.Millisecond
	if err := p.do(context.Background(), func() { time.Sleep(2 * time.Millisecond) }); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // each waits out the check's rest, then runs
		if err := p.hash(context.Background(), func() {}); err != nil {
			t.Fatalf("hash %d: %v", i, err)
		}
	}
	if err := p.hash(context.Background(), func() {}); err != nil {
		t.Fatalf("a hash right after another: %v (hashing leaves no rest)", err)
	}
}
