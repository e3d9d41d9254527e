package callbackauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/internal/callbackauth"
	"github.com/huduma-connect/huduma/internal/testkit"
)

// app serves a callback route behind a guard; trusted names the proxies whose
// X-Forwarded-For is believed (app.Test's requests come from 0.0.0.0).
func app(t *testing.T, cfg callbackauth.Config, trusted ...string) (*fiber.App, *callbackauth.Guard) {
	t.Helper()
	log, logs := testkit.Logger(t)
	cfg.Logger = log
	g := callbackauth.New(cfg)
	fc := fiber.Config{DisableStartupMessage: true}
	if len(trusted) > 0 {
		fc.ProxyHeader, fc.EnableTrustedProxyCheck, fc.TrustedProxies, fc.EnableIPValidation = fiber.HeaderXForwardedFor, true, trusted, true
	}
	a := fiber.New(fc)
	a.Use("/at", g.Handler)
	a.Post("/at/ussd", func(c *fiber.Ctx) error { return c.SendString("CON Welcome") })
	t.Cleanup(func() {
		for _, secret := range cfg.Keys {
			if strings.TrimSpace(secret) != "" {
				logs.AssertAbsent(secret)
			}
		}
	})
	return a, g
}

func post(t *testing.T, a *fiber.App, target, forwardedFor string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, nil)
	if forwardedFor != "" {
		req.Header.Set(fiber.HeaderXForwardedFor, forwardedFor)
	}
	resp, err := a.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Keys: the current and the previous one are both accepted during a rotation; none, a wrong
// one or an empty one are refused and counted; with no key configured every request passes.
func TestGuardKeys(t *testing.T) {
	a, g := app(t, callbackauth.Config{Keys: []string{"new-key-0123456789", "old-key-0123456789", " "}})
	for _, tt := range []struct {
		target string
		want   int
	}{
		{"/at/ussd?key=new-key-0123456789", 200},
		{"/at/ussd?key=old-key-0123456789", 200},
		{"/at/ussd", 403},
		{"/at/ussd?key=", 403},
		{"/at/ussd?key=%20", 403},
		{"/at/ussd?key=new-key-012345678", 403},
		{"/at/ussd?key=new-key-0123456789x", 403},
	} {
		if got := post(t, a, tt.target, ""); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.target, got, tt.want)
		}
	}
	if byKey, byNet := g.Refused(); byKey != 5 || byNet != 0 {
		t.Errorf("refused %d by key and %d by network, want 5 and 0", byKey, byNet)
	}
	open, _ := app(t, callbackauth.Config{})
	if got := post(t, open, "/at/ussd", ""); got != 200 {
		t.Errorf("no key configured: %d, want 200", got)
	}
}

// Networks: with an allow-list, a request is admitted only from it, the client address read
// from X-Forwarded-For only when the request came through a trusted proxy.
func TestGuardNetworks(t *testing.T) {
	allow, err := callbackauth.ParsePrefixes("196.201.214.0/24, 41.215.160.7")
	if err != nil {
		t.Fatal(err)
	}
	behindProxy, g := app(t, callbackauth.Config{Keys: []string{"k-0123456789"}, Allow: allow}, "0.0.0.0")
	for _, tt := range []struct {
		from string
		want int
	}{
		{"196.201.214.9", 200},
		{"41.215.160.7", 200},
		{"41.215.160.8", 403},
		{"", 403}, // the proxy itself, 0.0.0.0
	} {
		if got := post(t, behindProxy, "/at/ussd?key=k-0123456789", tt.from); got != tt.want {
			t.Errorf("from %q: %d, want %d", tt.from, got, tt.want)
		}
	}
	if _, byNet := g.Refused(); byNet != 2 {
		t.Errorf("refused %d by network, want 2", byNet)
	}
	direct, _ := app(t, callbackauth.Config{Keys: []string{"k-0123456789"}, Allow: allow})
	if got := post(t, direct, "/at/ussd?key=k-0123456789", "196.201.214.9"); got != 403 {
		t.Errorf("X-Forwarded-For from an untrusted client was believed: %d", got)
	}
	for _, bad := range []string{"196.201.214.0/33", "africastalking.com"} {
		if _, err := callbackauth.ParsePrefixes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
