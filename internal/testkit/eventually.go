package testkit

import (
	"fmt"
	"testing"
	"time"
)

// PollInterval is how often Eventually asks again.
const PollInterval = 5 * time.Millisecond

// Eventually waits until cond returns true, asking every PollInterval, and fails the test
// (t.Fatalf) with msgAndArgs if it is still false after timeout. msgAndArgs is a format
// string and its arguments, or nothing.
//
// It is the way to wait on something another goroutine does (a worker sending, a janitor
// expiring): the test waits exactly as long as the event takes, and the timeout is only how
// long to give up after, never part of what is asserted.
func Eventually(t testing.TB, cond func() bool, timeout time.Duration, msgAndArgs ...any) {
	t.Helper()
	EventuallyNoError(t, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	}, timeout, msgAndArgs...)
}

// errNotYet is what Eventually's condition "returns" while it is false; it is not reported.
var errNotYet = fmt.Errorf("condition not met")

// EventuallyNoError is Eventually for a check that says why it is not yet met: it waits
// until f returns nil, and on timeout the failure shows f's last error.
func EventuallyNoError(t testing.TB, f func() error, timeout time.Duration, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if !time.Now().Before(deadline) {
			msg := "condition"
			if m := message(msgAndArgs); m != "" {
				msg = m
			}
			if err == errNotYet {
				t.Fatalf("%s: not met within %v", msg, timeout)
			} else {
				t.Fatalf("%s: not met within %v: %v", msg, timeout, err)
			}
			return
		}
		<-tick.C
	}
}

// message formats msgAndArgs: a format string and its arguments, or any values.
func message(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if format, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(format, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}
