package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/huduma-connect/huduma/crm"
)

// Constraint names from migrations/00003_cases.sql that the user methods answer by.
const (
	conUsername  = "users_username_key" // the username is taken
	conTokenHash = "tokens_pkey"        // the token is stored already
)

// userColumns is the select list scanUser reads; queries name the users table u.
const userColumns = `u.id, u.username, u.name, u.role, u.phone, u.centre, u.queue, u.langs,
	u.available, u.password_hash, u.created_at, u.last_assigned_at, u.console_lang, u.disabled`

func scanUser(row pgx.Row) (crm.User, error) {
	var u crm.User
	var langs string
	var last *time.Time
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Phone, &u.Centre, &u.Queue, &langs,
		&u.Available, &u.PasswordHash, &u.CreatedAt, &last, &u.ConsoleLang, &u.Disabled); err != nil {
		return crm.User{}, err
	}
	u.Langs = splitLangs(langs)
	u.CreatedAt, u.LastAssignedAt = u.CreatedAt.UTC(), timeOrZero(last)
	return u, nil
}

// joinLangs and splitLangs convert a user's languages to and from the langs column, "en,sw".
func joinLangs(langs []crm.Lang) string {
	s := make([]string, len(langs))
	for i, l := range langs {
		s[i] = string(l)
	}
	return strings.Join(s, ",")
}

func splitLangs(s string) []crm.Lang {
	if s == "" {
		return nil
	}
	var langs []crm.Lang
	for _, l := range strings.Split(s, ",") {
		langs = append(langs, crm.Lang(l))
	}
	return langs
}

// CreateUser stores a console user and returns it with its ID; a taken username is
// crm.ErrUsernameTaken.
func (s *Store) CreateUser(ctx context.Context, u crm.User) (crm.User, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	got, err := scanUser(s.pool.QueryRow(ctx, `INSERT INTO users AS u
		(username, name, role, phone, centre, queue, langs, available, password_hash, created_at,
		 last_assigned_at, console_lang, disabled)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING `+userColumns,
		u.Username, u.Name, u.Role, u.Phone, u.Centre, u.Queue, joinLangs(u.Langs), u.Available,
		u.PasswordHash, u.CreatedAt, timeOrNull(u.LastAssignedAt), u.ConsoleLang, u.Disabled))
	if constraint, ok := uniqueViolation(err); ok && constraint == conUsername {
		return crm.User{}, fmt.Errorf("postgres: create user %q: %w", u.Username, crm.ErrUsernameTaken)
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("postgres: create user %q: %w", u.Username, err)
	}
	return got, nil
}

// User reads a user by ID.
func (s *Store) User(ctx context.Context, id int64) (crm.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.User{}, fmt.Errorf("postgres: user %d: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("postgres: user %d: %w", id, err)
	}
	return u, nil
}

// UserByUsername reads a user by username, for logging in.
func (s *Store) UserByUsername(ctx context.Context, username string) (crm.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.username = $1`, username))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.User{}, fmt.Errorf("postgres: user %q: %w", username, crm.ErrNotFound)
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("postgres: user %q: %w", username, err)
	}
	return u, nil
}

// Users lists the users the filter selects, by ID.
func (s *Store) Users(ctx context.Context, f crm.UserFilter) ([]crm.User, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE ($1 = '' OR u.role = $1) AND ($2 = '' OR u.centre = $2) AND ($3 = '' OR u.queue = $3)
		  AND ($4 = '' OR u.phone = $4)
		ORDER BY u.id`, string(f.Role), f.Centre, string(f.Queue), string(f.Phone))
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: users: %w", err)
	}
	return list, nil
}

// UpdateUser writes every field of u but its ID, username and creation time; an unknown
// ID is crm.ErrNotFound.
func (s *Store) UpdateUser(ctx context.Context, u crm.User) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET name = $2, role = $3, phone = $4, centre = $5,
		queue = $6, langs = $7, available = $8, password_hash = $9, last_assigned_at = $10,
		console_lang = $11, disabled = $12
		WHERE id = $1`,
		u.ID, u.Name, u.Role, u.Phone, u.Centre, u.Queue, joinLangs(u.Langs), u.Available,
		u.PasswordHash, timeOrNull(u.LastAssignedAt), u.ConsoleLang, u.Disabled)
	if err != nil {
		return fmt.Errorf("postgres: update user %d: %w", u.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: update user %d: %w", u.ID, crm.ErrNotFound)
	}
	return nil
}

// CreateToken stores a session token's hash. A token of an unknown user is
// crm.ErrNotFound; a hash stored already is crm.ErrExists.
func (s *Store) CreateToken(ctx context.Context, t crm.Token) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (hash, user_id, expires, last_seen) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.UserID, t.Expires, timeOrNull(t.LastSeen))
	if constraint, ok := uniqueViolation(err); ok && constraint == conTokenHash {
		return fmt.Errorf("postgres: create token: %w", crm.ErrExists)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return fmt.Errorf("postgres: create token: user %d: %w", t.UserID, crm.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: create token: %w", err)
	}
	return nil
}

// TokenUser finds a token by its hash, with its user. Expiry is not checked here: the
// domain does it, so it can tell "expired" from "unknown".
func (s *Store) TokenUser(ctx context.Context, hash string) (crm.Token, crm.User, error) {
	var t crm.Token
	var lastSeen *time.Time
	row := s.pool.QueryRow(ctx, `SELECT t.hash, t.user_id, t.expires, t.last_seen, `+userColumns+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, hash)
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&t.Hash, &t.UserID, &t.Expires, &lastSeen}, dest...)...)
	}))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Token{}, crm.User{}, fmt.Errorf("postgres: token: %w", crm.ErrNotFound)
	}
	if err != nil {
		return crm.Token{}, crm.User{}, fmt.Errorf("postgres: token: %w", err)
	}
	t.Expires = t.Expires.UTC()
	if lastSeen != nil {
		t.LastSeen = lastSeen.UTC()
	}
	return t, u, nil
}

// scanFunc makes a function a pgx.Row, to read columns ahead of the ones scanUser reads.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// DeleteUserTokens ends every session of the user.
func (s *Store) DeleteUserTokens(ctx context.Context, userID int64) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM tokens WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete tokens of user %d: %w", userID, err)
	}
	return int(tag.RowsAffected()), nil
}

// TouchToken records when the token was last used.
func (s *Store) TouchToken(ctx context.Context, hash string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE tokens SET last_seen = $2 WHERE hash = $1`, hash, at); err != nil {
		return fmt.Errorf("postgres: touch token: %w", err)
	}
	return nil
}

// DeleteToken forgets a token (logging out). Deleting a token that is not there is not an
// error: the session is over either way.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM tokens WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("postgres: delete token: %w", err)
	}
	return nil
}
