package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/huduma-connect/huduma/crm"
)

// colsUsername is the column list SQLite names when a username is taken.
const colsUsername = "users.username"

// userColumns is the select list scanUser reads. The names are bare because SQLite's
// RETURNING cannot name the table; no table users are joined with has a column of the same
// name.
const userColumns = `id, username, name, role, phone, centre, queue, langs, available,
	password_hash, created_at, last_assigned_at, console_lang, disabled`

func scanUser(row scanner) (crm.User, error) {
	var u crm.User
	var langs, created string
	var last sql.NullString
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Phone, &u.Centre, &u.Queue, &langs,
		&u.Available, &u.PasswordHash, &created, &last, &u.ConsoleLang, &u.Disabled); err != nil {
		return crm.User{}, err
	}
	u.Langs = splitLangs(langs)
	var err error
	if u.CreatedAt, err = parseTimestamp(created); err != nil {
		return crm.User{}, fmt.Errorf("user %d: %w", u.ID, err)
	}
	if u.LastAssignedAt, err = parseNullStamp(last); err != nil {
		return crm.User{}, fmt.Errorf("user %d: %w", u.ID, err)
	}
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
	got, err := scanUser(s.db.QueryRowContext(ctx, `INSERT INTO users
		(username, name, role, phone, centre, queue, langs, available, password_hash, created_at,
		 last_assigned_at, console_lang, disabled)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+userColumns,
		u.Username, u.Name, u.Role, u.Phone, u.Centre, u.Queue, joinLangs(u.Langs), u.Available,
		u.PasswordHash, formatTimestamp(u.CreatedAt), nullStamp(u.LastAssignedAt), u.ConsoleLang, u.Disabled))
	if cols, ok := uniqueColumns(err); ok && cols == colsUsername {
		return crm.User{}, fmt.Errorf("sqlite: create user %q: %w", u.Username, crm.ErrUsernameTaken)
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("sqlite: create user %q: %w", u.Username, err)
	}
	return got, nil
}

// User reads a user by ID.
func (s *Store) User(ctx context.Context, id int64) (crm.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.User{}, fmt.Errorf("sqlite: user %d: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("sqlite: user %d: %w", id, err)
	}
	return u, nil
}

// UserByUsername reads a user by username, for logging in.
func (s *Store) UserByUsername(ctx context.Context, username string) (crm.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.User{}, fmt.Errorf("sqlite: user %q: %w", username, crm.ErrNotFound)
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("sqlite: user %q: %w", username, err)
	}
	return u, nil
}

// Users lists the users the filter selects, by ID.
func (s *Store) Users(ctx context.Context, f crm.UserFilter) ([]crm.User, error) {
	list, err := collect(ctx, s.db, `SELECT `+userColumns+` FROM users u
		WHERE (?1 = '' OR u.role = ?1) AND (?2 = '' OR u.centre = ?2) AND (?3 = '' OR u.queue = ?3)
		  AND (?4 = '' OR u.phone = ?4)
		ORDER BY u.id`,
		func(r *sql.Rows, u *crm.User) error {
			var err error
			*u, err = scanUser(r)
			return err
		}, string(f.Role), f.Centre, string(f.Queue), string(f.Phone))
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	return list, nil
}

// UpdateUser writes every field of u but its ID, username and creation time; an unknown
// ID is crm.ErrNotFound.
func (s *Store) UpdateUser(ctx context.Context, u crm.User) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET name = ?, role = ?, phone = ?, centre = ?,
		queue = ?, langs = ?, available = ?, password_hash = ?, last_assigned_at = ?, console_lang = ?,
		disabled = ?
		WHERE id = ?`,
		u.Name, u.Role, u.Phone, u.Centre, u.Queue, joinLangs(u.Langs), u.Available,
		u.PasswordHash, nullStamp(u.LastAssignedAt), u.ConsoleLang, u.Disabled, u.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update user %d: %w", u.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: update user %d: %w", u.ID, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: update user %d: %w", u.ID, crm.ErrNotFound)
	}
	return nil
}

// CreateToken stores a session token's hash. A token of an unknown user is
// crm.ErrNotFound; a hash stored already is crm.ErrExists.
func (s *Store) CreateToken(ctx context.Context, t crm.Token) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens (hash, user_id, expires, last_seen) VALUES (?, ?, ?, ?)`,
		t.Hash, t.UserID, formatTimestamp(t.Expires), nullStamp(t.LastSeen))
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("sqlite: create token: %w", crm.ErrExists)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("sqlite: create token: user %d: %w", t.UserID, crm.ErrNotFound)
		}
	}
	if err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	return nil
}

// TokenUser finds a token by its hash, with its user. Expiry is not checked here: the
// domain does it, so it can tell "expired" from "unknown".
func (s *Store) TokenUser(ctx context.Context, hash string) (crm.Token, crm.User, error) {
	var t crm.Token
	var expires string
	var lastSeen sql.NullString
	row := s.db.QueryRowContext(ctx, `SELECT t.hash, t.user_id, t.expires, t.last_seen, `+userColumns+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash)
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&t.Hash, &t.UserID, &expires, &lastSeen}, dest...)...)
	}))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Token{}, crm.User{}, fmt.Errorf("sqlite: token: %w", crm.ErrNotFound)
	}
	if err != nil {
		return crm.Token{}, crm.User{}, fmt.Errorf("sqlite: token: %w", err)
	}
	if t.Expires, err = parseTimestamp(expires); err != nil {
		return crm.Token{}, crm.User{}, fmt.Errorf("sqlite: token: %w", err)
	}
	if lastSeen.Valid {
		if t.LastSeen, err = parseTimestamp(lastSeen.String); err != nil {
			return crm.Token{}, crm.User{}, fmt.Errorf("sqlite: token: %w", err)
		}
	}
	return t, u, nil
}

// scanFunc makes a function a scanner, to read columns ahead of the ones scanUser reads.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// DeleteToken forgets a token (logging out). Deleting a token that is not there is not an
// error: the session is over either way.
// DeleteUserTokens ends every session of the user.
func (s *Store) DeleteUserTokens(ctx context.Context, userID int64) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete tokens of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// TouchToken records when the token was last used.
func (s *Store) TouchToken(ctx context.Context, hash string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE tokens SET last_seen = ? WHERE hash = ?`, formatTimestamp(at), hash); err != nil {
		return fmt.Errorf("sqlite: touch token: %w", err)
	}
	return nil
}

func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlite: delete token: %w", err)
	}
	return nil
}
