package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/internal/testkit"
)

// TestSweepFreesExpired: reads already hide expired entries; the sweep is what gives their
// memory back, and it must not take live ones with it.
func TestSweepFreesExpired(t *testing.T) {
	clock := newClock()
	s := New(Options{TTL: time.Minute, ResumeWindow: 2 * time.Minute, Now: clock.Now})
	defer s.Close()
	saveN(t, s, "old", 0, 10)
	clock.Advance(90 * time.Second)
	saveN(t, s, "new", 10, 3)

	s.sweep()
	if sessions, resumable := s.size(); sessions != 3 || resumable != 13 {
		t.Errorf("after sweep at 90s: %d sessions, %d resume copies; want 3, 13", sessions, resumable)
	}
	clock.Advance(time.Minute)
	s.sweep()
	if sessions, resumable := s.size(); sessions != 0 || resumable != 3 {
		t.Errorf("after sweep at 150s: %d sessions, %d resume copies; want 0, 3", sessions, resumable)
	}
}

// TestJanitorRunsAndStops: the janitor sweeps on its own, and Close stops it (twice is fine).
func TestJanitorRunsAndStops(t *testing.T) {
	s := New(Options{TTL: 20 * time.Millisecond, ResumeWindow: 20 * time.Millisecond})
	saveN(t, s, "s", 0, 5)
	testkit.EventuallyNoError(t, func() error {
		if sessions, resumable := s.size(); sessions != 0 || resumable != 0 {
			return fmt.Errorf("%d sessions, %d resume copies left", sessions, resumable)
		}
		return nil
	}, 5*time.Second, "the janitor sweeps")
	s.Close()
	s.Close()
	select {
	case <-s.done:
	default:
		t.Error("janitor still running after Close")
	}
}

func TestSweepInterval(t *testing.T) {
	for _, c := range []struct{ ttl, resume, want time.Duration }{
		{5 * time.Minute, 5 * time.Minute, time.Minute},
		{300 * time.Millisecond, 900 * time.Millisecond, 300 * time.Millisecond},
		{time.Millisecond, time.Minute, minSweep},
	} {
		if got := sweepInterval(Options{TTL: c.ttl, ResumeWindow: c.resume}); got != c.want {
			t.Errorf("sweepInterval(%v, %v) = %v, want %v", c.ttl, c.resume, got, c.want)
		}
	}
}

// saveN saves sessions prefix-from … prefix-(from+n-1), each kept for resume under its own
// phone.
func saveN(t *testing.T, s *Store, prefix string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		sess := &flows.Session{
			ID:    fmt.Sprintf("%s-%d", prefix, i),
			Phone: crm.Phone(fmt.Sprintf("+25471%07d", i)),
		}
		if err := s.Save(context.Background(), sess, true); err != nil {
			t.Fatal(err)
		}
	}
}

// size reports how many sessions and resume copies are held, expired or not.
func (s *Store) size() (sessions, resumable int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions), len(s.resumable)
}
