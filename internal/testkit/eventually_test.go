package testkit

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestEventually(t *testing.T) {
	cases := []struct {
		name     string
		trueFrom int32 // the call from which cond is true; 0: never
		args     []any
		fail     string // what the failure says; "" for none
	}{
		{"at once", 1, nil, ""},
		{"after a few polls", 4, nil, ""},
		{"never", 0, nil, "condition: not met within 30ms"},
		{"never, with a message", 0, []any{"row %s sent", "42"}, "row 42 sent: not met within 30ms"},
		{"never, with a value", 0, []any{42}, "42: not met within 30ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			ft := &fakeT{}
			Eventually(ft, func() bool {
				n := calls.Add(1)
				return tc.trueFrom > 0 && n >= tc.trueFrom
			}, 30*time.Millisecond, tc.args...)
			if tc.fail == "" {
				if ft.failed() {
					t.Fatalf("failed: %s", ft.report())
				}
				if got := calls.Load(); got != tc.trueFrom {
					t.Errorf("cond called %d times, want %d (it stops once true)", got, tc.trueFrom)
				}
				return
			}
			if !ft.fatal || ft.report() != tc.fail {
				t.Errorf("failure = %q (fatal %t), want %q (fatal)", ft.report(), ft.fatal, tc.fail)
			}
		})
	}
}

// The wait ends on the event, not on the timeout: a condition another goroutine makes true
// is seen within a poll or two, long before a generous timeout.
func TestEventuallyWaitsOnTheEvent(t *testing.T) {
	var done atomic.Bool
	ready := make(chan struct{})
	go func() {
		<-ready
		done.Store(true)
	}()
	close(ready)
	ft := &fakeT{}
	Eventually(ft, done.Load, time.Minute)
	if ft.failed() {
		t.Fatal(ft.report())
	}
}

func TestEventuallyNoError(t *testing.T) {
	var calls atomic.Int32
	ft := &fakeT{}
	EventuallyNoError(ft, func() error {
		if calls.Add(1) < 3 {
			return errors.New("row still queued")
		}
		return nil
	}, time.Minute)
	if ft.failed() {
		t.Fatal(ft.report())
	}

	ft = &fakeT{}
	n := 0
	EventuallyNoError(ft, func() error {
		n++
		return errors.New("row still queued, attempt " + strings.Repeat("I", n))
	}, 20*time.Millisecond, "delivery")
	if !ft.fatal || !strings.HasPrefix(ft.report(), "delivery: not met within 20ms: row still queued, attempt I") ||
		!strings.HasSuffix(ft.report(), strings.Repeat("I", n)) {
		t.Errorf("failure = %q, want the last error (attempt %d)", ft.report(), n)
	}
}
