package flows_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// A hop whose context is already done (it waited past its deadline) fails, leaves its session
// where it was, and leaves nothing behind for the hops after it: every later hop on the same
// engine works. Before the fix, the expired hop left a pooled menu machine mid-transition and
// every hop that borrowed it failed with "previous transition did not complete".
func TestExpiredHopDoesNotBreakLaterHops(t *testing.T) {
	expired := map[string]func() (context.Context, context.CancelFunc){
		"cancelled": func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		},
		"past its deadline": func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		},
	}
	for name, newCtx := range expired {
		t.Run(name, func(t *testing.T) {
			w := flowstest.New(t, 10)
			// A collection empties the pool of machines, broken ones with it; an idle gateway
			// allocates too little to collect for minutes. Hold collections off as it would.
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			// Several rounds: the race detector makes sync.Pool drop a quarter of what is put
			// back, so one round alone could miss a poisoned machine.
			for round := range 8 {
				late := dial(t, w, crm.Phone(fmt.Sprintf("+2547120001%02d", 2*round)), nil).pick("en").at("main")
				ctx, cancel := newCtx()
				err := w.Engine.Step(ctx, late.s, flowstest.Pick(t, late.s, "book"))
				cancel()
				if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("round %d: expired hop: err = %v, want the context's error", round, err)
				}
				late.at("main") // nothing half-done: the session has not moved

				dial(t, w, crm.Phone(fmt.Sprintf("+2547120001%02d", 2*round+1)), nil).pick("en").at("main").pick("book").at("book_county")
				late.pick("book").at("book_county") // the same session, on time, goes on
			}
		})
	}
}
