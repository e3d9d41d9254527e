package crm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// OfficeConfig tunes the back office.
type OfficeConfig struct {
	Policies SLAPolicies
	// AgentCap is how many open cases round-robin assignment gives one agent at most.
	AgentCap int
	// TokenTTL is how long a console login lasts.
	TokenTTL time.Duration
	// DefaultLang is the language of alerts to staff who named no language.
	DefaultLang Lang
	// PasswordCost is bcrypt's cost; tests lower it.
	PasswordCost int
	Logger       *slog.Logger
	// UserLogins and AddressLogins slow and lock failed logins (zero: the defaults).
	UserLogins, AddressLogins LoginPolicy
	// PasswordChecks is how many password checks run at once, and PasswordShare the share
	// of one core they may take (zero: the defaults).
	PasswordChecks int
	PasswordShare  float64
}

// The back office's defaults, for a zero OfficeConfig field and for the gateway's settings.
const (
	// DefaultAgentCap is how many open cases round-robin gives one agent at most.
	DefaultAgentCap = 15
	// DefaultTokenTTL is how long a console login lasts: a working day and its overtime.
	DefaultTokenTTL = 12 * time.Hour
)

// Office is the back office of the domain: tracked requests pushed by agencies, complaints
// and callback requests lodged by citizens, and the cases agents work, escalate and resolve.
// It shares the Desk's store, catalogue and clock.
type Office struct {
	desk  *Desk
	store Store
	clock BusinessClock
	cfg   OfficeConfig
	log   *slog.Logger
	// dialer places outbound calls and reads the agent queues; nil until SetVoiceDialer.
	dialer    atomic.Pointer[voiceDialerBox]
	passwords *passwordPool
	dummyOnce sync.Once
	dummy     []byte // see dummyHash
}

// NewOffice builds the back office on the desk's store, catalogue and clock. The business
// clock is the contact centre's: 08:00–17:00 on weekdays, closed on public holidays.
func NewOffice(desk *Desk, cfg OfficeConfig) *Office {
	if cfg.Policies.ByCategory == nil {
		cfg.Policies = DefaultSLAPolicies()
	}
	if cfg.AgentCap <= 0 {
		cfg.AgentCap = DefaultAgentCap
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if !cfg.DefaultLang.Valid() {
		cfg.DefaultLang = English
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.UserLogins == (LoginPolicy{}) {
		cfg.UserLogins = DefaultUserLoginPolicy
	}
	if cfg.AddressLogins == (LoginPolicy{}) {
		cfg.AddressLogins = DefaultAddressLoginPolicy
	}
	return &Office{
		desk:      desk,
		store:     desk.store,
		clock:     BusinessClock{Location: desk.cfg.Calendar.Location, Hours: Hours{Open: 8 * 60, Close: 17 * 60}, Catalog: desk.Catalog},
		cfg:       cfg,
		log:       cfg.Logger,
		passwords: newPasswordPool(cfg.PasswordChecks, cfg.PasswordShare),
	}
}

// Catalog is the reference data (centres, services) cases name by code.
func (o *Office) Catalog() *Catalog { return o.desk.Catalog() }

// Clock is the business clock SLA deadlines are measured on.
func (o *Office) Clock() BusinessClock { return o.clock }

// LoginTTL is how long a console login lasts.
func (o *Office) LoginTTL() time.Duration { return o.cfg.TokenTTL }

// Policies are the SLA targets.
func (o *Office) Policies() SLAPolicies { return o.cfg.Policies }

func (o *Office) now() time.Time { return o.desk.cfg.Now().UTC().Truncate(time.Microsecond) }

// Now is the office's clock reading, for pages that say how long a case has left: the same
// clock the deadlines were set by.
func (o *Office) Now() time.Time { return o.now() }

// retry runs a read-modify-write until it does not meet a concurrent change: a conflict
// means someone else wrote first, so the operation reads again and re-decides.
func retry[T any](ctx context.Context, f func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := f()
		if !errors.Is(err, ErrConflict) || attempt == 4 {
			return v, err
		}
		if err := ctx.Err(); err != nil {
			return v, err
		}
	}
}

// newNumber draws case and ticket numbers; collisions are retried by the callers.
func newNumber() (Reference, error) {
	r, err := NewReference()
	if err != nil {
		return "", fmt.Errorf("draw a number: %w", err)
	}
	return r, nil
}
