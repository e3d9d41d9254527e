package crm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Password guessing slows down, then locks: past 5 failures each try waits 1 s, 2 s, 4 s …
// (at most a minute),
// past 20 in an hour the username is locked for 15 minutes, the right password included; the
// lock ends by itself or when an administrator unlocks the username. A success clears the count.
func TestFailedLoginsSlowThenLock(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		ctx := storetest.Context(t)
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		o.addUser(t, "akinyi", crm.RoleAgent, "", 1)
		const right, wrong, addr = "correct horse battery", "tr0ub4dor&3", "192.0.2.10"
		try := func(password string) error {
			t.Helper()
			_, _, err := o.LoginFrom(ctx, "akinyi", password, addr)
			return err
		}
		throttled := func(err error, wantWait time.Duration, wantLocked bool) {
			t.Helper()
			var te *crm.ThrottledError
			if !errors.As(err, &te) || !errors.Is(err, crm.ErrThrottled) || crm.KindOf(err) != crm.KindThrottled {
				t.Fatalf("got %v, want ErrThrottled", err)
			}
			if te.RetryAfter != wantWait || te.Locked != wantLocked {
				t.Fatalf("throttled for %v (locked %v), want %v (locked %v)", te.RetryAfter, te.Locked, wantWait, wantLocked)
			}
		}
		for i := range 5 {
			if err := try(wrong); !errors.Is(err, crm.ErrBadCredentials) {
				t.Fatalf("wrong password %d: %v", i+1, err)
			}
		}
		throttled(try(right), time.Second, false) // even the right one must wait
		o.clock.Advance(time.Second)
		if err := try(wrong); !errors.Is(err, crm.ErrBadCredentials) {
			t.Fatalf("after the wait: %v", err)
		}
		throttled(try(wrong), 2*time.Second, false)
		for n := 6; n < 20; n++ { // wait out each back-off and fail again, to 20 failures
			o.clock.Advance(min(time.Duration(1)<<(n-5)*time.Second, time.Minute) + time.Millisecond)
			if err := try(wrong); !errors.Is(err, crm.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", n+1, err)
			}
		}
		throttled(try(right), 15*time.Minute, true)
		o.clock.Advance(15 * time.Minute)
		if err := try(right); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// The success cleared the count: five more failures before any wait.
		for range 5 {
			if err := try(wrong); !errors.Is(err, crm.ErrBadCredentials) {
				t.Fatalf("after a success: %v", err)
			}
		}
		throttled(try(right), time.Second, false)
		if err := o.UnlockLogin(ctx, "Akinyi"); err != nil {
			t.Fatal(err)
		}
		if err := try(right); err != nil {
			t.Fatalf("after an administrator's unlock: %v", err)
		}
	})
}

// An address is throttled across usernames (one guesser trying many accounts), with more room
// than a username; unknown usernames count like known ones, so the answer tells nothing
// about which exist. A NUL byte in a username is bad input, not a store error.
func TestFailedLoginsFromOneAddress(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		ctx := storetest.Context(t)
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		o.addUser(t, "akinyi", crm.RoleAgent, "", 1)
		for i := range 50 {
			if _, _, err := o.LoginFrom(ctx, "guess"+strings.Repeat("x", i), "wrong password", "198.51.100.9"); !errors.Is(err, crm.ErrBadCredentials) {
				t.Fatalf("guess %d: %v", i+1, err)
			}
		}
		if _, _, err := o.LoginFrom(ctx, "akinyi", "correct horse battery", "198.51.100.9"); !errors.Is(err, crm.ErrThrottled) {
			t.Fatalf("the 51st try from the address: %v, want ErrThrottled", err)
		}
		if _, _, err := o.LoginFrom(ctx, "akinyi", "correct horse battery", "198.51.100.10"); err != nil {
			t.Fatalf("the same user from another address: %v", err)
		}
		if _, _, err := o.LoginFrom(ctx, "aki\x00nyi", "correct horse battery", "198.51.100.10"); crm.KindOf(err) != crm.KindInvalid {
			t.Fatalf("a NUL byte in the username: %v, want bad input", err)
		}
	})
}
