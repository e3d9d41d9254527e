package console_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Past five wrong passwords, the API answers 429 with Retry-After, to the right password too,
// until the wait is over.
func TestLoginThrottledWithRetryAfter(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		login := func(password string) (int, string) {
			t.Helper()
			req := httptest.NewRequest(http.MethodPost, "/api/v1/login", strings.NewReader(`{"username":"agent","password":"`+password+`"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := w.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode, resp.Header.Get("Retry-After")
		}
		for i := range 5 {
			if status, _ := login("not the password"); status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d, want 401", i+1, status)
			}
		}
		status, after := login(password)
		if n, err := strconv.Atoi(after); status != http.StatusTooManyRequests || err != nil || n < 1 {
			t.Fatalf("the right password after 5 wrong ones: %d, Retry-After %q; want 429 and a wait", status, after)
		}
		w.clock.Advance(time.Duration(1+mustAtoi(t, after)) * time.Second)
		if status, _ := login(password); status != http.StatusOK {
			t.Fatalf("after the wait: %d, want 200", status)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
