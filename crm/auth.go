package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// NewUser is what creating a console user takes.
type NewUser struct {
	Username string
	Name     string
	Role     Role
	Password string
	Phone    Phone
	Centre   string
	Queue    Queue
	Langs    []Lang
}

// MinPassword is the shortest password accepted: NIST SP 800-63B's floor for a memorised
// secret chosen by the user.
const MinPassword = 8

// AddUser creates a console user with a bcrypt-hashed password.
func (o *Office) AddUser(ctx context.Context, in NewUser) (User, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	switch {
	case in.Username == "" || strings.ContainsAny(in.Username, " \t\n/"):
		return User{}, fmt.Errorf("%w: a username is one word", ErrBadInput)
	case !in.Role.Valid():
		return User{}, fmt.Errorf("%w: unknown role %q (one of %s)", ErrBadInput, in.Role, RoleList())
	case len(in.Password) < MinPassword:
		return User{}, fmt.Errorf("%w: a password has at least %d characters", ErrBadInput, MinPassword)
	case len(in.Password) > 72:
		return User{}, fmt.Errorf("%w: a password has at most 72 bytes", ErrBadInput)
	}
	name, err := cleanText(in.Name, MaxUserName)
	if err != nil {
		return User{}, fmt.Errorf("name: %w", err)
	}
	in.Name = name
	if in.Role == RoleCentreManager {
		if _, ok := o.desk.Catalog().Centre(in.Centre); !ok {
			return User{}, fmt.Errorf("%w: a centre manager needs a centre code, %q is none", ErrBadInput, in.Centre)
		}
	}
	if in.Queue == "" {
		in.Queue = QueueGeneral
	}
	if in.Role == RoleIntegrityOfficer {
		in.Queue = QueueIntegrity
	}
	if in.Queue != QueueGeneral && in.Queue != QueueIntegrity {
		return User{}, fmt.Errorf("%w: unknown queue %q", ErrBadInput, in.Queue)
	}
	if len(in.Langs) == 0 {
		in.Langs = []Lang{English, Swahili}
	}
	for _, l := range in.Langs {
		if !l.Valid() {
			return User{}, fmt.Errorf("%w: unknown language %q", ErrBadInput, l)
		}
	}
	hash, err := o.hashPassword(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	u, err := o.store.CreateUser(ctx, User{
		Username: in.Username, Name: in.Name, Role: in.Role, Phone: in.Phone, Centre: in.Centre,
		Queue: in.Queue, Langs: in.Langs, Available: true, PasswordHash: string(hash), CreatedAt: o.now(),
	})
	if err != nil {
		return User{}, fmt.Errorf("add user %s: %w", in.Username, err)
	}
	return u, nil
}

// dummyHash is compared against when the username is unknown, so a login takes as long for
// a wrong username as for a wrong password and does not tell which usernames exist. It is
// made at the office's own cost, the cost of every real hash, on first use.
func (o *Office) dummyHash() []byte {
	o.dummyOnce.Do(func() {
		o.dummy, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), o.cfg.PasswordCost)
	})
	return o.dummy
}

// Login checks a username and password and opens a session: the token is returned once
// and only its hash is stored. It is LoginFrom with no client address.
func (o *Office) Login(ctx context.Context, username, password string) (string, User, error) {
	return o.LoginFrom(ctx, username, password, "")
}

// LoginFrom is Login from a client address, which counts failed logins (see LoginPolicy)
// alongside the username: ErrThrottled (a *ThrottledError) when either must wait, before any
// password is checked, so the right password does not get in during a lock either.
func (o *Office) LoginFrom(ctx context.Context, username, password, addr string) (string, User, error) {
	username, err := cleanField(strings.ToLower(username), maxLoginKey)
	if err != nil { // a NUL byte would otherwise reach the store, and Postgres refuses it
		return "", User{}, fmt.Errorf("%w: the username: %v", ErrBadInput, err)
	}
	if err := o.throttled(ctx, username, addr); err != nil {
		return "", User{}, err
	}
	u, err := o.store.UserByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		if _, err := o.checkPassword(ctx, o.dummyHash(), password); err != nil {
			return "", User{}, err
		}
		o.failed(ctx, username, addr)
		return "", User{}, ErrBadCredentials
	}
	if err != nil {
		return "", User{}, fmt.Errorf("login: %w", err)
	}
	ok, err := o.checkPassword(ctx, []byte(u.PasswordHash), password)
	if err != nil {
		return "", User{}, err
	}
	if !ok {
		o.failed(ctx, username, addr)
		return "", User{}, ErrBadCredentials
	}
	if err := o.store.ClearLoginFailures(ctx, userKey(username)); err != nil {
		return "", User{}, fmt.Errorf("login: %w", err)
	}
	if u.Disabled {
		return "", User{}, ErrDisabled
	}
	token, err := secret("hct_")
	if err != nil {
		return "", User{}, err
	}
	now := o.now()
	if err := o.store.CreateToken(ctx, Token{Hash: HashSecret(token), UserID: u.ID, Expires: now.Add(o.cfg.TokenTTL), LastSeen: now}); err != nil {
		return "", User{}, fmt.Errorf("login: %w", err)
	}
	return token, u, nil
}

// Authenticate finds the user a bearer token belongs to (the API's door). An expired token is
// deleted and answered with ErrTokenExpired, an unknown one with ErrUnauthenticated.
func (o *Office) Authenticate(ctx context.Context, token string) (User, error) {
	return o.authenticate(ctx, token, 0, false)
}

// touchEvery is how often a session's use is written down: often enough for a 30-minute idle
// limit to be exact to the minute, rarely enough that a busy console costs one write a
// minute.
const touchEvery = time.Minute

// AuthenticateIdle is Authenticate for a session that also ends after idle without use (the
// console's: a person who walked away from a shared counter PC). A token last used more than
// idle ago is deleted and answered ErrTokenExpired. idle <= 0 means no such limit.
func (o *Office) AuthenticateIdle(ctx context.Context, token string, idle time.Duration) (User, error) {
	return o.authenticate(ctx, token, idle, true)
}

// AuthenticateUnattended is AuthenticateIdle for a request a page makes by itself (a live list
// refreshing on a case event, its event stream): it is refused past the idle limit like any
// other, but is not a use, so a console left open on a busy inbox still ends.
func (o *Office) AuthenticateUnattended(ctx context.Context, token string, idle time.Duration) (User, error) {
	return o.authenticate(ctx, token, idle, false)
}

// authenticate checks a token: known, not expired, not idle past idle (when idle > 0), its
// user not disabled. With touch it records the use, at most once every touchEvery.
func (o *Office) authenticate(ctx context.Context, token string, idle time.Duration, touch bool) (User, error) {
	if token == "" {
		return User{}, ErrUnauthenticated
	}
	hash := HashSecret(token)
	t, u, err := o.store.TokenUser(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	now := o.now()
	if t.LastSeen.IsZero() { // made before uses were recorded: count from now
		t.LastSeen = now.Add(-touchEvery)
	}
	if !now.Before(t.Expires) || idle > 0 && now.Sub(t.LastSeen) >= idle {
		_ = o.store.DeleteToken(ctx, hash)
		return User{}, ErrTokenExpired
	}
	if u.Disabled { // disabling ends sessions; this covers a token made in the same moment
		_ = o.store.DeleteToken(ctx, hash)
		return User{}, ErrUnauthenticated
	}
	if touch && now.Sub(t.LastSeen) >= touchEvery {
		if err := o.store.TouchToken(ctx, hash, now); err != nil {
			o.log.Warn("record a console session's use", "err", err) // the request itself may go on
		}
	}
	return u, nil
}

// Logout ends the session of a token.
func (o *Office) Logout(ctx context.Context, token string) error {
	if err := o.store.DeleteToken(ctx, HashSecret(token)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// SetConsoleLang keeps the language u chose for the console.
func (o *Office) SetConsoleLang(ctx context.Context, u User, l Lang) (User, error) {
	if !l.Valid() {
		return User{}, fmt.Errorf("%w: unknown language %q", ErrBadInput, l)
	}
	u.ConsoleLang = l
	if err := o.store.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("set console language: %w", err)
	}
	return u, nil
}

// SetAvailable says whether the user takes new cases (an agent signing in or going home).
func (o *Office) SetAvailable(ctx context.Context, u User, available bool) (User, error) {
	// Read the user again rather than write back the copy from login: round-robin moves
	// LastAssignedAt meanwhile, and a stale copy would put the agent back at the head.
	u, err := o.store.User(ctx, u.ID)
	if err != nil {
		return User{}, fmt.Errorf("set availability: %w", err)
	}
	if u.Disabled && available {
		return User{}, ErrDisabled
	}
	u.Available = available
	if err := o.store.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("set availability: %w", err)
	}
	return u, nil
}

// Users lists console users (for a supervisor choosing whom to assign).
func (o *Office) Users(ctx context.Context, f UserFilter) ([]User, error) {
	list, err := o.store.Users(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return list, nil
}

// AddAgency registers an agency for the services it processes and returns its API key,
// which is shown this once: only its hash is kept.
func (o *Office) AddAgency(ctx context.Context, code, name string, services []string) (Agency, string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || strings.ContainsAny(code, " \t\n/") {
		return Agency{}, "", fmt.Errorf("%w: an agency code is one word", ErrBadInput)
	}
	if len(services) == 0 {
		return Agency{}, "", fmt.Errorf("%w: an agency needs at least one service", ErrBadInput)
	}
	cat := o.desk.Catalog()
	for _, s := range services {
		if _, ok := cat.Service(s); !ok {
			return Agency{}, "", fmt.Errorf("%w: unknown service %q", ErrBadInput, s)
		}
	}
	key, err := secret("hak_")
	if err != nil {
		return Agency{}, "", err
	}
	ag := Agency{Code: code, Name: name, Services: services, KeyHash: HashSecret(key), CreatedAt: o.now()}
	if err := o.store.CreateAgency(ctx, ag); err != nil {
		return Agency{}, "", fmt.Errorf("add agency %s: %w", code, err)
	}
	return ag, key, nil
}

// AgencyByKey authenticates an agency's API key.
func (o *Office) AgencyByKey(ctx context.Context, key string) (Agency, error) {
	if key == "" {
		return Agency{}, ErrUnauthenticated
	}
	ag, err := o.store.AgencyByKey(ctx, HashSecret(key))
	if errors.Is(err, ErrNotFound) {
		return Agency{}, ErrUnauthenticated
	}
	if err != nil {
		return Agency{}, fmt.Errorf("agency key: %w", err)
	}
	return ag, nil
}

// ServicesOf lists the codes of the services an institution delivers, for registering an
// agency by its institution's name.
func (o *Office) ServicesOf(institution string) []string {
	var codes []string
	for _, s := range o.desk.Catalog().Services() {
		if strings.EqualFold(s.Institution, institution) {
			codes = append(codes, s.Code)
		}
	}
	return codes
}

// secret draws a 256-bit random token with a prefix saying what it is (so a leaked one is
// recognisable in a scan).
func secret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("draw a secret: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret is how tokens and API keys are stored: they are 256-bit random, so a plain
// SHA-256 is enough (a slow hash protects guessable passwords, not random keys).
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
