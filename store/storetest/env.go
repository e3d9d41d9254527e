// Package storetest holds what the store tests share: finding the real Postgres and Redis the
// suite runs against, and the conformance suite every crm.Store implementation must pass.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

// Defaults match the development machines and CI (.ci/run exports the same values).
const (
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:6379/0"
)

// DatabaseURL returns the Postgres URL for tests (HUDUMA_TEST_DATABASE_URL, or the local
// default). When the server does not answer, the test fails under CI=true, where a missing
// database is a broken machine, and is skipped with the reason elsewhere (a laptop without
// Postgres still runs the SQLite half of the suite).
func DatabaseURL(t testing.TB) string {
	return reachable(t, "HUDUMA_TEST_DATABASE_URL", defaultDatabaseURL, "5432")
}

// RedisURL is DatabaseURL's counterpart for Redis (HUDUMA_TEST_REDIS_URL).
func RedisURL(t testing.TB) string {
	return reachable(t, "HUDUMA_TEST_REDIS_URL", defaultRedisURL, "6379")
}

func reachable(t testing.TB, env, fallback, port string) string {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		raw = fallback
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), port)
	}
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %s does not answer (%v); under CI=true this is a failure, not a skip", env, host, err)
		}
		t.Skipf("%s: %s does not answer (%v); set CI=true to make this a failure", env, host, err)
	}
	conn.Close()
	return raw
}

// UniqueName returns a name no other test run uses, for a schema or a key prefix, so test
// packages can share one Postgres and one Redis in parallel.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + "_" + hex.EncodeToString(b)
}

// Context is a test's context with a generous deadline, so a hung store fails the test
// instead of the whole run.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
