package memory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/sessiontest"
)

func TestConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T, ttl, resume time.Duration) flows.SessionStore {
		s := New(Options{TTL: ttl, ResumeWindow: resume})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestDefaults(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	if s.opts.TTL != 5*time.Minute || s.opts.ResumeWindow != 5*time.Minute || s.opts.Now == nil {
		t.Errorf("defaults = TTL %v, ResumeWindow %v, Now set %v; want 5m, 5m, true",
			s.opts.TTL, s.opts.ResumeWindow, s.opts.Now != nil)
	}
}

// TestExpiryFollowsClock uses the injected clock: expiry is exact to the nanosecond, which
// the real-time conformance cases cannot check.
func TestExpiryFollowsClock(t *testing.T) {
	clock := newClock()
	s := New(Options{TTL: time.Minute, ResumeWindow: 2 * time.Minute, Now: clock.Now})
	defer s.Close()
	ctx := context.Background()
	sess := &flows.Session{ID: "ATUid_clock", Phone: "+254700000001"}
	if err := s.Save(ctx, sess, true); err != nil {
		t.Fatal(err)
	}

	clock.Advance(time.Minute - 1)
	if _, err := s.Load(ctx, sess.ID); err != nil {
		t.Errorf("Load just before TTL: %v", err)
	}
	clock.Advance(1)
	if _, err := s.Load(ctx, sess.ID); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("Load at TTL: error = %v, want ErrNoSession", err)
	}
	if _, err := s.LoadResumable(ctx, sess.Phone); err != nil {
		t.Errorf("LoadResumable before resume window: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := s.LoadResumable(ctx, sess.Phone); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("LoadResumable at resume window: error = %v, want ErrNoSession", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Save(ctx, &flows.Session{ID: "ATUid_ctx"}, false); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with canceled context: error = %v, want context.Canceled", err)
	}
	if _, err := s.Load(ctx, "ATUid_ctx"); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with canceled context: error = %v, want context.Canceled", err)
	}
}

// newClock is the tests' clock, safe for the janitor goroutine to read.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)) }
