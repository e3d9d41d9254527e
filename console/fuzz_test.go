package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

// Whatever JSON (or not JSON) a client sends to an endpoint that reads a body, the answer is
// a 2xx or a 4xx with a reason, never a 500. Seeds in testdata/fuzz/FuzzJSONBodies; the
// endpoint is chosen by the first seed value.
func FuzzJSONBodies(f *testing.F) {
	for i, body := range []string{
		`{"username":"agent","password":"correct horse battery"}`,
		`{"phone":"+254712000555","service":"ID-NEW","centre":"KSM","note":"lodged"}`,
		`{"status":"processing","note":"\u0000"}`,
		`{"body":"Tumepokea malalamiko yako","reply":true}`,
		`{"user_id":1e309}`, `[]`, `null`, `{"status":"resolved","note":"\xff"}`, `{"reason":"` + strings.Repeat("x", 60000) + `"}`,
	} {
		f.Add(uint8(i), body)
	}
	w := newWorld(f, realstore.Kinds[0].OpenSeeded(f))
	w.logs.AllowErrors()
	c := w.complaint(f, "+254712000556", "KSM", crm.CategoryLongWait)
	ticket := "/api/v1/requests"
	targets := []struct{ method, path, auth string }{
		{http.MethodPost, "/api/v1/login", ""},
		{http.MethodPost, "/api/v1/requests", w.nrbKey},
		{http.MethodPost, ticket + "/600042550/events", w.nrbKey},
		{http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/notes", c.ID), w.tokens["supervisor"]},
		{http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/status", c.ID), w.tokens["supervisor"]},
		{http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/assign", c.ID), w.tokens["supervisor"]},
		{http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/escalate", c.ID), w.tokens["supervisor"]},
		{http.MethodPut, "/api/v1/me/availability", w.tokens["agent"]},
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		target := targets[int(which)%len(targets)]
		req := httptest.NewRequest(target.method, target.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if target.auth != "" {
			req.Header.Set("Authorization", "Bearer "+target.auth)
		}
		resp, err := w.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d", target.method, target.path, body, resp.StatusCode)
		}
	})
}
