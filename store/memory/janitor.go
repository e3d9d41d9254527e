package memory

import (
	"context"
	"time"

	"github.com/huduma-connect/huduma/internal/loop"
)

// Bounds on how often the janitor sweeps. The sweep follows the shortest lifetime, so a dead
// entry stays at most about twice its lifetime, but never runs more often than minSweep (a
// tiny test TTL must not spin a core) nor less often than maxSweep.
const (
	minSweep = 50 * time.Millisecond
	maxSweep = time.Minute
)

func sweepInterval(o Options) time.Duration {
	return min(max(min(o.TTL, o.ResumeWindow), minSweep), maxSweep)
}

// janitor sweeps expired entries every interval until ctx ends (Close).
func (s *Store) janitor(ctx context.Context, interval time.Duration) {
	defer close(s.done)
	loop.EveryAfter(ctx, interval, func(context.Context) { s.sweep() })
}

// sweep deletes every expired entry. It walks both maps under the lock; at a few hundred
// bytes per session and a five-minute lifetime the maps stay small enough for that.
func (s *Store) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for id, e := range s.sessions {
		if e.expired(now) {
			delete(s.sessions, id)
		}
	}
	for phone, e := range s.resumable {
		if e.expired(now) {
			delete(s.resumable, phone)
		}
	}
}
