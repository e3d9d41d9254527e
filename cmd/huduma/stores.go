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
	Ping(ctx context.Context) error
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
			return nil, "", fmt.Errorf("HUDUMA_DATABASE_URL (-db): open postgres: %w; check the URL, that Postgres runs, and that the user may connect", err)
		}
		return s, "postgres", nil
	case url == "" || strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			path = defaultSQLitePath
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, "", fmt.Errorf("HUDUMA_DATABASE_URL (-db): open sqlite %s: %w", path, err)
		}
		return s, "sqlite " + path, nil
	}
	return nil, "", fmt.Errorf("HUDUMA_DATABASE_URL (-db) = %q: want postgres://user:password@host:5432/db, sqlite:PATH, or empty for SQLite at %s", redactURL(url), defaultSQLitePath)
}

// sessions is the chosen session store with what the gateway needs around it.
type sessions struct {
	store flows.SessionStore
	name  string
	ping  func(context.Context) error
	close func()
}

// openSessions picks the session store: Redis when a URL is given, memory otherwise.
func openSessions(ctx context.Context, url string, autoPipeline bool) (sessions, error) {
	if url == "" {
		m := memory.New(memory.Options{})
		return sessions{store: m, name: "in-memory sessions", ping: func(context.Context) error { return nil }, close: func() { m.Close() }}, nil
	}
	client, err := sessionredis.Connect(ctx, url)
	if err != nil {
		return sessions{}, fmt.Errorf("HUDUMA_REDIS_URL (-redis): %w; start Redis, or leave HUDUMA_REDIS_URL empty to keep sessions in memory (one process only)", err)
	}
	return sessions{
		store: sessionredis.New(client, sessionredis.Options{NoAutoPipeline: !autoPipeline}),
		name:  "redis sessions",
		ping:  func(ctx context.Context) error { return client.Ping(ctx).Err() },
		close: func() { client.Close() },
	}, nil
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
