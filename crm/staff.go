package crm

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// ErrDisabled means the account is disabled: told only to someone who gave its right password.
var ErrDisabled = newError(KindForbidden, "this account is disabled; ask a supervisor or an administrator")

// CanManage reports whether actor may manage u's account (add, edit, disable, reset, end
// sessions): administrators anyone but themselves, supervisors the agents. Nobody manages
// their own account here: locking oneself out, or raising one's own role, takes a second person.
func CanManage(actor, u User) bool {
	if actor.ID != 0 && actor.ID == u.ID {
		return false
	}
	switch actor.Role {
	case RoleAdmin:
		return true
	case RoleSupervisor:
		return u.Role == RoleAgent
	}
	return false
}

// NewPassword draws a password for an account made or reset by someone else: 16 characters
// of base64 from 96 random bits, shown once to the person who made it.
func NewPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("draw a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// StaffChange is what editing an account can change.
type StaffChange struct {
	Name   string
	Role   Role
	Phone  Phone
	Centre string
	Queue  Queue
	Langs  []Lang
}

// AddStaff makes an account as actor, with a drawn password when in.Password is empty; the
// password is returned to be shown once.
func (o *Office) AddStaff(ctx context.Context, actor User, in NewUser) (User, string, error) {
	if !CanManage(actor, User{Role: in.Role}) {
		return User{}, "", ErrForbidden
	}
	if in.Password == "" {
		p, err := NewPassword()
		if err != nil {
			return User{}, "", err
		}
		in.Password = p
	}
	u, err := o.AddUser(ctx, in)
	if err != nil {
		return User{}, "", err
	}
	o.log.Info("account added", "by", actor.Username, "user", u.Username, "role", u.Role)
	return u, in.Password, nil
}

// managed reads the account actor wants to manage; one actor may not manage is ErrForbidden.
func (o *Office) managed(ctx context.Context, actor User, id int64) (User, error) {
	u, err := o.store.User(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, err)
	}
	if !CanManage(actor, u) {
		return User{}, ErrForbidden
	}
	return u, nil
}

// EditStaff changes an account's name, role, phone, centre, queue and languages. The new role
// must be one actor may manage too (a supervisor cannot make an administrator).
func (o *Office) EditStaff(ctx context.Context, actor User, id int64, ch StaffChange) (User, error) {
	u, err := o.managed(ctx, actor, id)
	if err != nil {
		return User{}, err
	}
	switch {
	case !ch.Role.Valid():
		return User{}, fmt.Errorf("%w: unknown role %q", ErrBadInput, ch.Role)
	case !CanManage(actor, User{Role: ch.Role}):
		return User{}, ErrForbidden
	case strings.TrimSpace(ch.Name) == "":
		return User{}, fmt.Errorf("%w: a name is required", ErrBadInput)
	}
	if ch.Name, err = cleanText(ch.Name, MaxUserName); err != nil {
		return User{}, fmt.Errorf("name: %w", err)
	}
	if _, ok := o.desk.Catalog().Centre(ch.Centre); ch.Role == RoleCentreManager && !ok {
		return User{}, fmt.Errorf("%w: a centre manager needs a centre code, %q is none", ErrBadInput, ch.Centre)
	}
	for _, l := range ch.Langs {
		if !l.Valid() {
			return User{}, fmt.Errorf("%w: unknown language %q", ErrBadInput, l)
		}
	}
	if len(ch.Langs) == 0 {
		return User{}, fmt.Errorf("%w: at least one language", ErrBadInput)
	}
	switch {
	case ch.Role == RoleIntegrityOfficer:
		ch.Queue = QueueIntegrity // integrity officers work the integrity queue, as AddUser has it
	case ch.Queue == "":
		ch.Queue = QueueGeneral
	}
	if ch.Queue != QueueGeneral && ch.Queue != QueueIntegrity {
		return User{}, fmt.Errorf("%w: unknown queue %q", ErrBadInput, ch.Queue)
	}
	u.Name, u.Role, u.Phone, u.Centre, u.Queue, u.Langs = ch.Name, ch.Role, ch.Phone, ch.Centre, ch.Queue, slices.Clone(ch.Langs)
	if err := o.store.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("edit user %d: %w", id, err)
	}
	o.log.Info("account edited", "by", actor.Username, "user", u.Username, "role", u.Role)
	return u, nil
}

// SetDisabled disables an account (it can no longer log in, its sessions end at once, it goes
// off shift and takes no cases) or enables it again.
func (o *Office) SetDisabled(ctx context.Context, actor User, id int64, disabled bool) (User, error) {
	u, err := o.managed(ctx, actor, id)
	if err != nil {
		return User{}, err
	}
	u.Disabled = disabled
	if disabled {
		u.Available = false
	}
	if err := o.store.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("disable user %d: %w", id, err)
	}
	if disabled {
		if _, err := o.store.DeleteUserTokens(ctx, id); err != nil {
			return User{}, fmt.Errorf("end the sessions of user %d: %w", id, err)
		}
	}
	o.log.Info("account disabled or enabled", "by", actor.Username, "user", u.Username, "disabled", disabled)
	return u, nil
}

// ResetPassword gives an account a new drawn password (returned, to be shown once) and ends
// its sessions.
func (o *Office) ResetPassword(ctx context.Context, actor User, id int64) (User, string, error) {
	u, err := o.managed(ctx, actor, id)
	if err != nil {
		return User{}, "", err
	}
	p, err := NewPassword()
	if err != nil {
		return User{}, "", err
	}
	hash, err := o.hashPassword(ctx, p)
	if err != nil {
		return User{}, "", err
	}
	u.PasswordHash = string(hash)
	if err := o.store.UpdateUser(ctx, u); err != nil {
		return User{}, "", fmt.Errorf("reset password of user %d: %w", id, err)
	}
	if _, err := o.store.DeleteUserTokens(ctx, id); err != nil {
		return User{}, "", fmt.Errorf("end the sessions of user %d: %w", id, err)
	}
	o.log.Info("password reset", "by", actor.Username, "user", u.Username)
	return u, p, nil
}

// EndSessions logs an account out everywhere (a lost phone, a shared PC left logged in).
func (o *Office) EndSessions(ctx context.Context, actor User, id int64) (int, error) {
	u, err := o.managed(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	n, err := o.store.DeleteUserTokens(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("end the sessions of user %d: %w", id, err)
	}
	o.log.Info("sessions ended", "by", actor.Username, "user", u.Username, "sessions", n)
	return n, nil
}

// MaxUserName bounds a person's display name: it heads lists and the board.
const MaxUserName = 80

// Operator is who acts from the server's command line (`huduma agent disable …`): whoever can
// run the binary against the database holds every key already, so they act as an
// administrator who is nobody's account.
var Operator = User{Username: "operator", Role: RoleAdmin}

// UserNamed finds an account by its username.
func (o *Office) UserNamed(ctx context.Context, username string) (User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	u, err := o.store.UserByUsername(ctx, username)
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", username, err)
	}
	return u, nil
}
