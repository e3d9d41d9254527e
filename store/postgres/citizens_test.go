package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
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
	deadline := time.Now().Add(20 * time.Second)
	for _, p := range phones {
		for {
			got, err := s.Language(ctx, p)
			if err != nil {
				t.Fatalf("Language(%s): %v", p, err)
			}
			if got == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Language(%s) on another replica = %q, want %q", p, got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
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
		if err := a.SetLanguage(ctx, p, crm.Swahili); err != nil {
			t.Fatalf("SetLanguage: %v", err)
		}
		// The replica that took the choice answers it at once.
		if got, err := a.Language(ctx, p); err != nil || got != crm.Swahili {
			t.Fatalf("Language on the same replica = %q, %v; want sw", got, err)
		}
	}
	eventually(t, b, phones, crm.Swahili)

	// A later choice replaces the earlier one everywhere.
	for _, p := range phones[:10] {
		if err := a.SetLanguage(ctx, p, crm.English); err != nil {
			t.Fatalf("SetLanguage: %v", err)
		}
	}
	eventually(t, b, phones[:10], crm.English)
}

func TestCloseWritesQueuedLanguageChoices(t *testing.T) {
	url, a, _ := replicas(t)
	ctx := storetest.Context(t)
	phones := somePhones(50)
	for _, p := range phones {
		if err := a.SetLanguage(ctx, p, crm.Swahili); err != nil {
			t.Fatalf("SetLanguage: %v", err)
		}
	}
	a.Close() // a shutdown right after the choices

	b := openURL(t, url)
	for _, p := range phones {
		if got, err := b.Language(ctx, p); err != nil || got != crm.Swahili {
			t.Fatalf("Language after the first replica closed = %q, %v; want sw", got, err)
		}
	}
}

func TestLanguageChoicesSurviveAFailedWrite(t *testing.T) {
	url, a, b := replicas(t)
	ctx := storetest.Context(t)
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))

	// While the table cannot be written, the choice waits, and its replica still answers it.
	if _, err := admin.Exec(ctx, `ALTER TABLE citizens RENAME TO citizens_away`); err != nil {
		t.Fatalf("rename: %v", err)
	}
	phone := crm.Phone("+254712999001")
	if err := a.SetLanguage(ctx, phone, crm.Swahili); err != nil {
		t.Fatalf("SetLanguage: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // let the writer try and fail
	if got, err := a.Language(ctx, phone); err != nil || got != crm.Swahili {
		t.Fatalf("Language while the write fails = %q, %v; want sw", got, err)
	}
	if _, err := admin.Exec(ctx, `ALTER TABLE citizens_away RENAME TO citizens`); err != nil {
		t.Fatalf("rename back: %v", err)
	}
	eventually(t, b, []crm.Phone{phone}, crm.Swahili)
}
