package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Every listing endpoint refuses a query parameter it does not know with a 400 that names it,
// rather than ignoring it into a wider answer than was asked for.
func TestListingsRefuseUnknownParameters(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		for _, tc := range []struct{ user, path, names string }{
			{"supervisor", "/api/v1/users?rol=agent", `"rol"`},
			{"supervisor", "/api/v1/users?role=agent&queue=integrity", `"queue"`},
			{"supervisor", "/api/v1/ratings?by=centre&centre=KSM", `"centre"`},
			{"agent", "/api/v1/calls?phone=%2B254712345678&since=yesterday", `"since"`},
		} {
			status, body := w.as(t, tc.user, http.MethodGet, tc.path, nil)
			var e struct{ Error string }
			_ = json.Unmarshal(body, &e)
			if status != http.StatusBadRequest || !strings.Contains(e.Error, "unknown query parameter "+tc.names) {
				t.Errorf("GET %s: %d %s, want 400 naming %s", tc.path, status, body, tc.names)
			}
		}
		for _, path := range []string{"/api/v1/users?role=agent", "/api/v1/ratings?by=agent", "/api/v1/calls?phone=%2B254712345678&limit=5"} {
			if status, body := w.as(t, "supervisor", http.MethodGet, path, nil); status != http.StatusOK {
				t.Errorf("GET %s: %d %s", path, status, body)
			}
		}
	})
}
