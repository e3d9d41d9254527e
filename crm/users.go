package crm

import (
	"strings"
	"time"
)

// Role is what a console user may see and do (see access.go for the matrix).
type Role string

const (
	RoleAgent            Role = "agent"
	RoleSupervisor       Role = "supervisor"
	RoleCentreManager    Role = "centre_manager"
	RoleIntegrityOfficer Role = "integrity_officer"
	RoleAdmin            Role = "admin"
	// RoleDPO is the data protection officer: answers citizens' requests under the Data
	// Protection Act (a copy of their data, its erasure) and reads who viewed which case. A
	// DPO works no cases and sees none in the inbox.
	RoleDPO Role = "dpo"
)

// Roles lists every role.
var Roles = []Role{RoleAgent, RoleSupervisor, RoleCentreManager, RoleIntegrityOfficer, RoleAdmin, RoleDPO}

// RoleList names every role for a message ("agent, supervisor, …, dpo").
func RoleList() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if k == r {
			return true
		}
	}
	return false
}

// User is a contact-centre agent, supervisor, centre manager, integrity officer, admin or data
// protection officer.
type User struct {
	ID       int64
	Username string
	Name     string
	Role     Role
	Phone    Phone  // where alerts go
	Centre   string // centre code, for centre managers
	Queue    Queue  // for agents and supervisors; integrity officers work QueueIntegrity
	Langs    []Lang // languages the agent speaks, for assignment
	// ConsoleLang is the language the person chose for the console ("": not chosen, English).
	ConsoleLang Lang
	// Disabled people cannot log in, and take no cases; their past work keeps their name.
	Disabled bool
	// Available agents take new cases by round-robin; an agent going home sets it false.
	Available    bool
	PasswordHash string
	CreatedAt    time.Time
	// LastAssignedAt orders round-robin: the agent assigned longest ago goes next.
	LastAssignedAt time.Time
}

// Speaks reports whether the user speaks l.
func (u User) Speaks(l Lang) bool {
	for _, k := range u.Langs {
		if k == l {
			return true
		}
	}
	return false
}

// UserFilter selects users. Zero fields do not filter.
type UserFilter struct {
	Role   Role
	Centre string
	Queue  Queue
	Phone  Phone // the agent line finds the agent calling in by their phone
}

// Session tokens: a console user logs in and gets a bearer token. The store keeps only its
// hash, so a copy of the database does not let anyone log in.
type Token struct {
	Hash    string // hex SHA-256 of the token
	UserID  int64
	Expires time.Time
	// LastSeen is when the token was last used, as far as TouchToken was told (zero: not
	// recorded). Console sessions end after a time without use.
	LastSeen time.Time
}

// Errors of users and tokens.
var (
	ErrUsernameTaken   = newError(KindConflict, "username already taken")
	ErrBadCredentials  = newError(KindUnauthenticated, "wrong username or password")
	ErrTokenExpired    = newError(KindUnauthenticated, "session expired, log in again")
	ErrUnauthenticated = newError(KindUnauthenticated, "not logged in")
)

// Agency is a ministry, department or agency (MDA) that registers tracked requests and
// pushes their status. Its API keys are scoped to its services.
type Agency struct {
	Code     string // e.g. NRB
	Name     string
	Services []string // service codes it may register requests for
	// KeyHash is the hex SHA-256 of its API key; the key itself is shown once, at creation.
	KeyHash   string
	CreatedAt time.Time
}

// Serves reports whether the agency processes the service.
func (a Agency) Serves(service string) bool {
	for _, s := range a.Services {
		if s == service {
			return true
		}
	}
	return false
}
