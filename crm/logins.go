package crm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Password guessing is slowed twice over. Per username and per client address, failures
// count within an hour: past a few, each try must wait longer than the last (1 s, 2 s, 4 s, …);
// past many, the key is locked for a quarter of an hour, the right password included. The
// counts are in the store, so every replica applies the same ones and an administrator can
// clear them. And every bcrypt check runs through a small pool that leaves the cores to the
// citizens' hops (see passwordPool).

// LoginPolicy is when failed logins start to be slowed, and when they lock.
type LoginPolicy struct {
	Window    time.Duration // failures older than this (from the first) start a new count
	BackOff   int           // failures after which each try waits 2^(n-BackOff) s …
	MaxWait   time.Duration // … but never longer than this, so a steady guesser reaches LockAfter
	LockAfter int           // failures within the window that lock the key for LockFor
	LockFor   time.Duration
}

// The default policies. An address is shared by every agent behind a contact centre's NAT, so
// it gets ten times the room of one username.
var (
	DefaultUserLoginPolicy    = LoginPolicy{Window: time.Hour, BackOff: 5, MaxWait: time.Minute, LockAfter: 20, LockFor: 15 * time.Minute}
	DefaultAddressLoginPolicy = LoginPolicy{Window: time.Hour, BackOff: 50, MaxWait: time.Minute, LockAfter: 200, LockFor: 15 * time.Minute}
)

// LoginFailures is the count of one throttling key: "user:<username>" or "addr:<address>".
type LoginFailures struct {
	Key      string
	Failures int
	FirstAt  time.Time
	LastAt   time.Time
}

// LoginThrottleStore keeps the failure counts.
type LoginThrottleStore interface {
	// LoginFailures reads the counts of the keys that have one.
	LoginFailures(ctx context.Context, keys ...string) ([]LoginFailures, error)
	// RecordLoginFailure counts one failure of key at at, in one statement: a count whose
	// first failure is older than window starts again at 1.
	RecordLoginFailure(ctx context.Context, key string, at time.Time, window time.Duration) (LoginFailures, error)
	// ClearLoginFailures forgets a key's count; there being none is no error.
	ClearLoginFailures(ctx context.Context, key string) error
	// ForgetLoginFailures deletes the counts whose last failure is before the given time,
	// and says how many.
	ForgetLoginFailures(ctx context.Context, before time.Time) (int, error)
	// DeleteExpiredTokens deletes the session tokens that expired before now, and says how
	// many.
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)
}

// ErrThrottled means too many failed logins: wait (ThrottledError.RetryAfter) and try again.
var ErrThrottled = newError(KindThrottled, "too many failed logins; wait and try again")

// ThrottledError says how long to wait. errors.Is(err, ErrThrottled) holds for it.
type ThrottledError struct {
	RetryAfter time.Duration
	Locked     bool // locked for LockFor, not merely slowed
	Busy       bool // not this login's fault: too many password checks at once
}

func (e *ThrottledError) Error() string {
	if e.Busy {
		return fmt.Sprintf("too many logins at once; try again in %s", e.RetryAfter.Round(time.Second))
	}
	return fmt.Sprintf("%v (retry after %s)", ErrThrottled, e.RetryAfter.Round(time.Second))
}

// Unwrap makes it ErrThrottled to errors.Is, and of its kind to KindOf.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// RetryAfterSeconds is the wait in whole seconds, at least 1: an HTTP Retry-After.
func RetryAfterSeconds(err error) int {
	var t *ThrottledError
	if !errors.As(err, &t) {
		return 0
	}
	return max(1, int((t.RetryAfter+time.Second-1)/time.Second))
}

// until is when f's key may try again under p (zero when it may now), and whether it is locked.
func (p LoginPolicy) until(f LoginFailures) (time.Time, bool) {
	switch {
	case f.Failures >= p.LockAfter:
		return f.LastAt.Add(p.LockFor), true
	case f.Failures >= p.BackOff:
		wait := time.Duration(1) << min(f.Failures-p.BackOff, 20) * time.Second
		return f.LastAt.Add(min(wait, p.MaxWait)), false
	}
	return time.Time{}, false
}

// maxLoginKey bounds the username part of a key: the store's key column holds what a login
// form may post, and no username is longer.
const maxLoginKey = 200

func userKey(username string) string {
	if len(username) > maxLoginKey {
		username = username[:maxLoginKey]
	}
	return "user:" + username
}

func addressKey(addr string) string { return "addr:" + addr }

// throttled refuses a login whose username or address must wait.
func (o *Office) throttled(ctx context.Context, username, addr string) error {
	keys := []string{userKey(username)}
	if addr != "" {
		keys = append(keys, addressKey(addr))
	}
	counts, err := o.store.LoginFailures(ctx, keys...)
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	now := o.now()
	var worst *ThrottledError
	for _, f := range counts {
		p := o.cfg.UserLogins
		if strings.HasPrefix(f.Key, "addr:") {
			p = o.cfg.AddressLogins
		}
		if until, locked := p.until(f); now.Before(until) {
			if worst == nil || until.Sub(now) > worst.RetryAfter {
				worst = &ThrottledError{RetryAfter: until.Sub(now), Locked: locked}
			}
		}
	}
	if worst != nil {
		o.log.Warn("login refused: too many failures", "username", username, "address", addr,
			"retry_after_s", strconv.Itoa(int(worst.RetryAfter/time.Second)), "locked", worst.Locked)
		return worst
	}
	return nil
}

// failed counts a failed login against its username and address.
func (o *Office) failed(ctx context.Context, username, addr string) {
	ctx = context.WithoutCancel(ctx) // the count must land even if the client went away
	now := o.now()
	if _, err := o.store.RecordLoginFailure(ctx, userKey(username), now, o.cfg.UserLogins.Window); err != nil {
		o.log.Error("login failure not counted", "username", username, "err", err)
	}
	if addr != "" {
		if _, err := o.store.RecordLoginFailure(ctx, addressKey(addr), now, o.cfg.AddressLogins.Window); err != nil {
			o.log.Error("login failure not counted", "address", addr, "err", err)
		}
	}
	o.log.Info("login failed", "username", username, "address", addr)
}

// UnlockLogin clears the failed-login count of a username, so its owner may log in at once
// (an administrator's `huduma agent unlock`).
func (o *Office) UnlockLogin(ctx context.Context, username string) error {
	username = strings.ToLower(strings.TrimSpace(username))
	if err := o.store.ClearLoginFailures(ctx, userKey(username)); err != nil {
		return fmt.Errorf("unlock %s: %w", username, err)
	}
	return nil
}

// PurgeLogins deletes expired session tokens, and failed-login counts that can no longer slow
// or lock anyone (a guesser spraying made-up usernames leaves one per name). Every replica
// runs it (RunLoginPurge); deleting what another replica deleted first is harmless.
func (o *Office) PurgeLogins(ctx context.Context) (int, error) {
	now := o.now()
	tokens, err := o.store.DeleteExpiredTokens(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("purge expired tokens: %w", err)
	}
	longest := max(o.cfg.UserLogins.Window+o.cfg.UserLogins.LockFor, o.cfg.AddressLogins.Window+o.cfg.AddressLogins.LockFor)
	counts, err := o.store.ForgetLoginFailures(ctx, now.Add(-longest))
	if err != nil {
		return tokens, fmt.Errorf("purge failed-login counts: %w", err)
	}
	return tokens + counts, nil
}

// LoginPurgeInterval is how often each replica purges (RunLoginPurge).
const LoginPurgeInterval = time.Hour

// RunLoginPurge runs PurgeLogins every interval until ctx ends.
func (o *Office) RunLoginPurge(ctx context.Context, interval time.Duration) {
	everyInterval(ctx, interval, o.log, "purge expired logins", "expired logins purged", o.PurgeLogins)
}
