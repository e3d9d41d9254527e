package storetest

import (
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
