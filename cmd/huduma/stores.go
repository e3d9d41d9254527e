package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/store/memory"
	"github.com/huduma-connect/huduma/store/postgres"
	sessionredis "github.com/huduma-connect/huduma/store/redis"
	"github.com/huduma-connect/huduma/store/sqlite"
)

// sqlStore is a record store as the commands use it: the domain's Store plus schema and
// seeding.
type sqlStore interface {
	crm.Store
	Migrate(ctx context.Context) error
	Seed(ctx context.Context, data crm.RefData) error
	Close()
}

// openStore picks the record store from the database URL: postgres:// (or postgresql://)
// selects Postgres, sqlite:PATH or nothing the embedded SQLite file. It returns a description
// for the start-up log that names no credentials.
func openStore(ctx context.Context, url string) (sqlStore, string, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, "", fmt.Errorf("open postgres: %w", err)
		}
		return s, "postgres", nil
	case url == "" || strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			path = defaultSQLitePath
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, "", fmt.Errorf("open sqlite %s: %w", path, err)
		}
		return s, "sqlite " + path, nil
	}
	return nil, "", fmt.Errorf("database URL must start with postgres://, postgresql:// or sqlite: (got %q)", redactURL(url))
}

// openSessions picks the session store: Redis when a URL is given, memory otherwise.
func openSessions(ctx context.Context, url string) (flows.SessionStore, string, func(), error) {
	if url == "" {
		m := memory.New(memory.Options{})
		return m, "in-memory sessions", func() { m.Close() }, nil
	}
	client, err := sessionredis.Connect(ctx, url)
	if err != nil {
		return nil, "", nil, fmt.Errorf("connect redis: %w", err)
	}
	return sessionredis.New(client, sessionredis.Options{}), "redis sessions", func() { client.Close() }, nil
}

// redactURL keeps a URL's scheme only, so a mistyped URL with a password never reaches a log.
func redactURL(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		return url[:i] + "://…"
	}
	if len(url) > 12 {
		return url[:12] + "…"
	}
	return url
}
