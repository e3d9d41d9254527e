package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/console"
	"github.com/huduma-connect/huduma/crm"
)

// Every API answer, success or error, carries the headers that keep personal data out of
// caches and out of pages: no-store, nosniff, no referrer, a CSP that allows nothing. HSTS is
// sent only when the gateway is configured as served over https.
func TestAPISecurityHeaders(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		c := w.complaint(t, "+254712000401", "KSM", crm.CategoryLongWait)
		login := `{"username":"agent","password":"wrong password"}`
		for _, req := range []*http.Request{
			httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil),
			httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), nil),
			httptest.NewRequest(http.MethodPost, "/api/v1/login", strings.NewReader(login)),
			httptest.NewRequest(http.MethodGet, "/api/v1/nowhere", nil),
		} {
			req.Header.Set("Content-Type", "application/json")
			if strings.Contains(req.URL.Path, "/cases/") {
				req.Header.Set("Authorization", "Bearer "+w.tokens["agent"])
			}
			resp, err := w.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := map[string]string{
				"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "Strict-Transport-Security": "",
			}
			for h, v := range want {
				if got := resp.Header.Get(h); got != v {
					t.Errorf("%s %s (%d): %s %q, want %q", req.Method, req.URL.Path, resp.StatusCode, h, got, v)
				}
			}
		}
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	console.New((*crm.Office)(nil), console.Config{HSTS: true}).Mount(app)
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != console.HSTSHeader {
		t.Errorf("over https: Strict-Transport-Security %q, want %q", got, console.HSTSHeader)
	}
}
