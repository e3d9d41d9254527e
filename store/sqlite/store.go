// Package sqlite is the single-node crm.Store: one SQLite file through the pure-Go driver
// modernc.org/sqlite, for development, demos and a centre that runs on one machine.
//
// Every method runs in one transaction, so when it returns without error the change is
// committed and a channel may tell the citizen.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/casefeed"
)

// Store is a crm.Store on a SQLite file. It is safe for concurrent use.
//
// It holds exactly one connection (SetMaxOpenConns(1)), so every transaction in the process
// runs after the previous one ends. SQLite allows a single writer anyway; with more
// connections, concurrent bookings would meet as SQLITE_BUSY and deadlocked lock upgrades
// (two readers both wanting to write) instead of waiting their turn in database/sql's queue.
// Serialising there makes booking's read-then-write transactions correct without retries.
// The price is that no method may hold a transaction while it queries through s.db: that
// query would wait for the one connection its own transaction holds, forever. Methods
// therefore run every statement of a transaction on the *sql.Tx and roll back before any
// follow-up read.
//
// Transactions begin IMMEDIATE (_txlock) and busy_timeout waits for the file lock, so
// another process on the same file (the huduma CLI seeding while a server runs) waits
// instead of failing.
type Store struct {
	db *sql.DB
	// feed announces committed case changes to this process's listeners: one process is
	// all there is on a SQLite file that serves (another process on it, such as the CLI, is
	// not heard).
	feed casefeed.Hub
}

var _ crm.Store = (*Store)(nil)

// busyTimeoutMillis is how long a statement waits for another process's lock on the file.
const busyTimeoutMillis = 5000

// Open opens (creating it, and its directory, when missing) the database file at path.
// Call Migrate before first use.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create database directory: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0) // keep the one connection: its pragmas were set when it opened
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// dsn builds the driver's name for path. The pragmas go in the DSN because the driver runs
// them on every connection it opens, including one that replaces a broken connection:
//   - journal_mode WAL lets readers in other processes read while we write;
//   - busy_timeout makes a locked file wait rather than fail at once;
//   - foreign_keys enforces the offerings' references (SQLite leaves it off by default).
//
// The file: URI form (of an absolute path) keeps a path with '?' or '#' in it intact.
func dsn(path string) string {
	q := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate",
		busyTimeoutMillis)
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q}
	return u.String()
}

// Close closes the database; the store must not be used afterwards. It has the Postgres
// store's signature so either can be handed to the same code; a close error (a failed WAL
// checkpoint) loses nothing committed, and the next open recovers from the WAL.
func (s *Store) Close() {
	s.feed.Close()
	_ = s.db.Close()
}

// Ping checks that the database file answers, for the health check.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// rollback ends a transaction that did not commit. Its error is dropped on purpose: after a
// commit it is sql.ErrTxDone, and after a failure the caller already has the error that
// matters.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }
