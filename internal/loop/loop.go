// Package loop runs the gateway's background rounds (escalation sweeps, reminders, the
// catalogue refresh, the session janitor) on one ticker loop, so that each of them only says
// what a round does.
package loop

import (
	"context"
	"time"
)

// Every runs round at once and then once every interval until ctx ends. A round that fails
// logs its own error: the next round tries again, since an outage must not stop a
// background job for good. Rounds never overlap: a round longer than the interval is
// followed at once by the next, never by a backlog of them. The interval must be positive.
func Every(ctx context.Context, interval time.Duration, round func(context.Context)) {
	run(ctx, interval, true, round)
}

// EveryAfter is Every with the first round one interval from now, for work that was just
// done when the loop starts (the catalogue is loaded before the gateway listens).
func EveryAfter(ctx context.Context, interval time.Duration, round func(context.Context)) {
	run(ctx, interval, false, round)
}

func run(ctx context.Context, interval time.Duration, now bool, round func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	if now {
		round(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		round(ctx)
	}
}
