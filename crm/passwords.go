package crm

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt is slow on purpose: about 60 ms of a core per check at the default cost. Sixteen
// logins at once would take both cores of a small replica from the citizens' USSD hops, whose
// answers are on the operator's clock. So every hash and check runs through passwordPool: a
// few at a time, each followed by a rest in proportion to what it took, which caps password
// work at a share of one core however many logins arrive. A login waits its turn; one that
// cannot start within passwordWait is told to try again (429), not queued for ever.

// Defaults of the pool: one check at a time, resting nine times as long as each took. Measured
// with 16 logins flat out (BenchmarkHopsDuringLoginFlood, docs/SECURITY.md), a tenth of a core
// left USSD 95 % of its hops, a quarter 88 % on a quiet machine but under 75 % with a little
// load besides; a tenth still checks about 1.7 passwords a second per replica at the default
// cost, some 100 logins a minute (raise HUDUMA_PASSWORD_SHARE for a large morning shift).
const (
	DefaultPasswordChecks = 1
	DefaultPasswordShare  = 0.10
	passwordWait          = 5 * time.Second
)

type passwordPool struct {
	slots chan struct{}
	rest  float64       // rest after a check, as a multiple of the check's time
	wait  time.Duration // how long a check may wait for a slot
}

func newPasswordPool(checks int, share float64) *passwordPool {
	if checks <= 0 {
		checks = DefaultPasswordChecks
	}
	if share <= 0 || share > 1 {
		share = DefaultPasswordShare
	}
	return &passwordPool{slots: make(chan struct{}, checks), rest: (1 - share) / share, wait: passwordWait}
}

// do runs a login's check in a slot of the pool, waiting at most p.wait for one. The slot
// stays taken for the rest after f, but the caller does not wait for it.
func (p *passwordPool) do(ctx context.Context, f func()) error {
	wait := time.NewTimer(p.wait)
	defer wait.Stop()
	select {
	case p.slots <- struct{}{}:
	case <-wait.C:
		return &ThrottledError{RetryAfter: p.wait, Busy: true}
	case <-ctx.Done():
		return fmt.Errorf("password check: %w", ctx.Err())
	}
	start := time.Now()
	f()
	time.AfterFunc(time.Duration(float64(time.Since(start))*p.rest), func() { <-p.slots })
	return nil
}

// hash runs a staff action's hashing (an account made, a password reset, the demo's users) in
// a slot of the pool, so it never runs beside a check, but without the rest or the time limit:
// only a signed-in administrator, or the operator, asks for one, and they are not a flood.
func (p *passwordPool) hash(ctx context.Context, f func()) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("password hash: %w", ctx.Err())
	}
	defer func() { <-p.slots }()
	f()
	return nil
}

// checkPassword reports whether password is hash's, through the pool.
func (o *Office) checkPassword(ctx context.Context, hash []byte, password string) (bool, error) {
	var err error
	if perr := o.passwords.do(ctx, func() { err = bcrypt.CompareHashAndPassword(hash, []byte(password)) }); perr != nil {
		return false, perr
	}
	return err == nil, nil
}

// hashPassword hashes a new password at the configured cost, through the pool.
func (o *Office) hashPassword(ctx context.Context, password string) ([]byte, error) {
	var hash []byte
	var err error
	if perr := o.passwords.hash(ctx, func() { hash, err = bcrypt.GenerateFromPassword([]byte(password), o.cfg.PasswordCost) }); perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}
