package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Failed logins count per key within a window: each failure adds one, concurrent failures all
// count, a failure after the window starts the count again, and clearing forgets it.
func testLoginFailures(t *testing.T, s Store) {
	ctx := Context(t)
	const window = time.Hour
	record := func(key string, at time.Duration) crm.LoginFailures {
		t.Helper()
		f, err := s.RecordLoginFailure(ctx, key, caseAt(at), window)
		if err != nil {
			t.Fatalf("RecordLoginFailure(%s): %v", key, err)
		}
		return f
	}
	for i := range 3 {
		f := record("user:akinyi", time.Duration(i)*time.Minute)
		if f.Failures != i+1 || !f.FirstAt.Equal(caseAt(0)) || !f.LastAt.Equal(caseAt(time.Duration(i)*time.Minute)) {
			t.Fatalf("failure %d: %+v", i+1, f)
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { record("addr:192.0.2.7", 5*time.Minute) })
	}
	wg.Wait()
	list, err := s.LoginFailures(ctx, "user:akinyi", "addr:192.0.2.7", "user:nobody")
	if err != nil {
		t.Fatalf("LoginFailures: %v", err)
	}
	if len(list) != 2 || list[0].Key != "addr:192.0.2.7" || list[0].Failures != 20 || list[1].Key != "user:akinyi" || list[1].Failures != 3 {
		t.Fatalf("LoginFailures = %+v, want the address at 20 (concurrent failures all counted) and akinyi at 3", list)
	}
	if f := record("user:akinyi", 61*time.Minute); f.Failures != 1 || !f.FirstAt.Equal(caseAt(61*time.Minute)) {
		t.Fatalf("a failure after the window: %+v, want a new count of 1", f)
	}
	for range 2 {
		if err := s.ClearLoginFailures(ctx, "user:akinyi"); err != nil {
			t.Fatalf("ClearLoginFailures: %v", err)
		}
	}
	if list, err := s.LoginFailures(ctx, "user:akinyi"); err != nil || len(list) != 0 {
		t.Fatalf("after clearing: %+v, %v", list, err)
	}
}

// Purging deletes the counts last failed before a time and the tokens expired before now,
// and nothing else.
func testLoginPurge(t *testing.T, s Store) {
	ctx := Context(t)
	u := mustCreateUser(t, s, agent("baraka", crm.English))
	for _, tok := range []crm.Token{
		{Hash: "expired", UserID: u.ID, Expires: caseAt(time.Hour), LastSeen: caseAt(0)},
		{Hash: "live", UserID: u.ID, Expires: caseAt(3 * time.Hour), LastSeen: caseAt(0)},
	} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	for key, at := range map[string]time.Duration{"user:old": 0, "user:recent": 2 * time.Hour} {
		if _, err := s.RecordLoginFailure(ctx, key, caseAt(at), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteExpiredTokens(ctx, caseAt(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteExpiredTokens = %d, %v; want the expired one", n, err)
	}
	if _, _, err := s.TokenUser(ctx, "live"); err != nil {
		t.Fatalf("the live token: %v", err)
	}
	if _, _, err := s.TokenUser(ctx, "expired"); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("the expired token: %v, want ErrNotFound", err)
	}
	if n, err := s.ForgetLoginFailures(ctx, caseAt(time.Hour)); err != nil || n != 1 {
		t.Fatalf("ForgetLoginFailures = %d, %v; want the old count", n, err)
	}
	list, err := s.LoginFailures(ctx, "user:old", "user:recent")
	if err != nil || len(list) != 1 || list[0].Key != "user:recent" {
		t.Fatalf("counts left: %+v, %v", list, err)
	}
}
