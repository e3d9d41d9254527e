package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Language choices are written in batches after SetLanguage returns (see languageWriter);
// these tests show what that must never cost: the choice reaching every replica, surviving
// a shutdown, and surviving a failed write.

// replicas opens two stores on one schema, as two gateway processes on one database.
func replicas(t *testing.T) (url string, a, b *postgres.Store) {
	t.Helper()
	url = storetest.PostgresSchema(t)
	a = openURL(t, url)
	if err := a.Migrate(storetest.Context(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return url, a, openURL(t, url)
}

// eventually polls Language on s until it answers want for every phone, or fails the test.
// What is checked is that the choice arrives, not how fast: the bound is generous.
func eventually(t *testing.T, s *postgres.Store, phones []crm.Phone, want crm.Lang) {
	t.Helper()
	ctx := storetest.Context(t)
	for _, p := range phones {
		testkit.EventuallyNoError(t, func() error {
			got, err := s.Language(ctx, p)
			if err != nil {
				t.Fatalf("Language(%s): %v", p, err)
			}
			if got != want {
				return fmt.Errorf("it is %q, want %q", got, want)
			}
			return nil
		}, 20*time.Second, "Language(%s) on another replica", p)
	}
}

// choose has each phone choose lang on s.
func choose(t *testing.T, s *postgres.Store, lang crm.Lang, phones ...crm.Phone) {
	t.Helper()
	for _, p := range phones {
		if err := s.SetLanguage(storetest.Context(t), p, lang); err != nil {
			t.Fatalf("SetLanguage(%s): %v", lang, err)
		}
	}
}

// admin is a connection of its own to the test schema, for what an operator would do to the
// database while the store runs.
func admin(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(storetest.Context(t), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func somePhones(n int) []crm.Phone {
	phones := make([]crm.Phone, n)
	for i := range phones {
		phones[i] = crm.Phone(fmt.Sprintf("+2547120%05d", i))
	}
	return phones
}

func TestLanguageChoicesReachOtherReplicas(t *testing.T) {
	_, a, b := replicas(t)
	ctx := storetest.Context(t)
	phones := somePhones(200)
	for _, p := range phones {
		choose(t, a, crm.Swahili, p)
		// The replica that took the choice answers it at once.
		if got, err := a.Language(ctx, p); err != nil || got != crm.Swahili {
			t.Fatalf("Language on the same replica = %q, %v; want sw", got, err)
		}
	}
	eventually(t, b, phones, crm.Swahili)

	// A later choice replaces the earlier one everywhere.
	choose(t, a, crm.English, phones[:10]...)
	eventually(t, b, phones[:10], crm.English)
}

func TestCloseWritesQueuedLanguageChoices(t *testing.T) {
	url, a, _ := replicas(t)
	ctx := storetest.Context(t)
	phones := somePhones(50)
	choose(t, a, crm.Swahili, phones...)
	a.Close() // a shutdown right after the choices

	b := openURL(t, url)
	for _, p := range phones {
		if got, err := b.Language(ctx, p); err != nil || got != crm.Swahili {
			t.Fatalf("Language after the first replica closed = %q, %v; want sw", got, err)
		}
	}
}

// defaultLogs captures what is logged through slog's default logger, which the store's
// language writer logs through, while the test runs. Call it before opening the stores.
func defaultLogs(t *testing.T) *testkit.Logs {
	log, logs := testkit.Logger(t)
	prev := slog.Default()
	slog.SetDefault(log)
	t.Cleanup(func() { slog.SetDefault(prev) })
	return logs
}

func TestLanguageChoicesSurviveAFailedWrite(t *testing.T) {
	logs := defaultLogs(t)
	logs.ExpectError("writing language choices; retrying")
	url, a, b := replicas(t)
	ctx := storetest.Context(t)
	db := admin(t, url)

	// While the table cannot be written, the choice waits, and its replica still answers it.
	if _, err := db.Exec(ctx, `ALTER TABLE citizens RENAME TO citizens_away`); err != nil {
		t.Fatalf("rename: %v", err)
	}
	phone := crm.Phone("+254712999001")
	choose(t, a, crm.Swahili, phone)
	testkit.Eventually(t, func() bool { return logs.Contains("writing language choices; retrying") },
		time.Minute, "the writer tries to write the choice, and fails")
	if got, err := a.Language(ctx, phone); err != nil || got != crm.Swahili {
		t.Fatalf("Language while the write fails = %q, %v; want sw", got, err)
	}
	if _, err := db.Exec(ctx, `ALTER TABLE citizens_away RENAME TO citizens`); err != nil {
		t.Fatalf("rename back: %v", err)
	}
	eventually(t, b, []crm.Phone{phone}, crm.Swahili)
}

// A choice held back by a failed write must not, when it is finally written, replace a later
// choice the citizen made meanwhile through another replica.
func TestAnOlderLanguageChoiceNeverReplacesANewerOne(t *testing.T) {
	// The writer may try while the table is away, or only once it is back.
	defaultLogs(t).AllowError("writing language choices; retrying")
	url, a, b := replicas(t)
	ctx := storetest.Context(t)
	db := admin(t, url)

	phone := crm.Phone("+254712999002")
	if _, err := db.Exec(ctx, `ALTER TABLE citizens RENAME TO citizens_away`); err != nil {
		t.Fatalf("rename: %v", err)
	}
	choose(t, a, crm.Swahili, phone) // held back on a
	if _, err := db.Exec(ctx, `ALTER TABLE citizens_away RENAME TO citizens`); err != nil {
		t.Fatalf("rename back: %v", err)
	}
	choose(t, b, crm.English, phone) // the later choice, on b
	b.Close()
	a.Close() // writes the held-back choice now, if it was not written before

	c := openURL(t, url)
	if got, err := c.Language(ctx, phone); err != nil || got != crm.English {
		t.Fatalf("Language = %q, %v; want en, the later choice", got, err)
	}
}

// A choice made after the store closed (a hop still running when a shutdown gave up waiting)
// is not queued for a writer that has stopped: it is written at once, or reported.
func TestLanguageChoiceAfterCloseIsNotDroppedSilently(t *testing.T) {
	_, a, _ := replicas(t)
	a.Close()
	if err := a.SetLanguage(storetest.Context(t), "+254712999003", crm.Swahili); err == nil {
		t.Fatal("SetLanguage after Close reported nothing, and nothing could have written it")
	}
}
