package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// noRedirect is an HTTP client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// httpLogin logs in with the form and returns the session cookie.
func (s *site) httpLogin(t *testing.T, username string) *http.Cookie {
	t.Helper()
	resp, err := noRedirect.PostForm(s.url+"/console/login", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "huduma_console" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("login %s: %d, no session cookie", username, resp.StatusCode)
	return nil
}

func (s *site) get(t *testing.T, path string, cookie *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The session cookie cannot be read by scripts or sent by other sites, and a login gives a
// new one each time (so a cookie planted before it is worth nothing).
func TestSessionCookie(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		resp, err := noRedirect.PostForm(s.url+"/console/login", url.Values{"username": {"akinyi"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		header := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"huduma_console=hct_", "HttpOnly", "SameSite=Strict", "path=/console"} {
			if !strings.Contains(header, want) {
				t.Fatalf("Set-Cookie %q lacks %q", header, want)
			}
		}
		first, second := s.httpLogin(t, "akinyi"), s.httpLogin(t, "akinyi")
		if first.Value == second.Value {
			t.Fatal("two logins gave the same session id")
		}
		if resp, _ := s.get(t, "/console/", second); resp.StatusCode != http.StatusOK {
			t.Fatalf("inbox with a session: %d", resp.StatusCode)
		}
		if resp, _ := s.get(t, "/console/", &http.Cookie{Name: "huduma_console", Value: "hct_forged"}); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
			t.Fatalf("a forged cookie got %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}

		// In the browser, the cookie is invisible to scripts.
		tab := newTab(t)
		s.login(t, tab, "akinyi")
		cookies, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.cookie`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(cookies, "huduma_console") {
			t.Fatalf("document.cookie shows the session: %q", cookies)
		}
	})
}

// A form posted from another site is refused with 403, by Sec-Fetch-Site or by Origin; the
// same site's posts and non-browser clients (no Origin) go through.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		cookie := s.httpLogin(t, "akinyi")
		c := s.complaint(t, "+254712000010", crm.CategoryLongWait, "Queue at the ID desk")
		host := strings.TrimPrefix(s.url, "http://")
		for _, tc := range []struct {
			name    string
			headers map[string]string
			want    int
		}{
			{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
			{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": s.url}, http.StatusForbidden},
			{"same-site but other origin", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
			{"same origin by Origin", map[string]string{"Origin": "http://" + host}, http.StatusSeeOther},
			{"same origin by Sec-Fetch-Site", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
			{"no Origin (not a browser)", nil, http.StatusSeeOther},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"version": {"0"}, "text": {"x"}}
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/console/cases/%d/note", s.url, c.ID), strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(cookie)
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				// A same-origin post with a stale version is refused by the case (409), which
				// still proves it passed the origin check; a fresh one redirects.
				got := resp.StatusCode
				if got == http.StatusConflict {
					got = http.StatusSeeOther
				}
				if got != tc.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
				}
			})
		}
	})
}

// Every page carries a strict CSP with no inline script, and pages with personal data are
// never cached.
func TestSecurityHeaders(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		cookie := s.httpLogin(t, "akinyi")
		c := s.complaint(t, "+254712000011", crm.CategoryLongWait, "Queue")
		for _, path := range []string{"/console/login", "/console/", fmt.Sprintf("/console/cases/%d", c.ID), "/console/nowhere"} {
			resp, _ := s.get(t, path, cookie)
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
				resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: Cache-Control %q, nosniff %q, Referrer-Policy %q", path, resp.Header.Get("Cache-Control"),
					resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy"))
			}
		}
	})
}

// A filter the inbox does not understand, or a malformed one, is an error on the page and
// never "all cases".
func TestUnknownFiltersShowAnError(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		cookie := s.httpLogin(t, "akinyi")
		c := s.complaint(t, "+254712000012", crm.CategoryLongWait, "Queue")
		for _, q := range []string{"?phone=0712000012", "?list=all&colour=red", "?list=everything", "?status=lost", "?page=0", "?page=abc"} {
			resp, body := s.get(t, "/console/"+q, cookie)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="filter-error"`) || strings.Contains(body, c.Number.Grouped()) {
				t.Errorf("%s: status %d, error shown %v, case listed %v", q, resp.StatusCode,
					strings.Contains(body, `id="filter-error"`), strings.Contains(body, c.Number.Grouped()))
			}
		}
	})
}

// A corruption report is the integrity unit's alone: an agent gets the same "not found" as
// for a case that does not exist; an integrity officer opens it.
func TestCorruptionReportsAreForIntegrityOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		c := s.complaint(t, "+254712000013", crm.CategoryCorruption, "Asked for 500 shillings to speed up my ID")
		path := fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)
		agent := newTab(t)
		s.login(t, agent, "akinyi")
		run(t, agent, chromedp.Navigate(path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		missing := text(t, agent, "main h1")
		run(t, agent, chromedp.Navigate(s.url+"/console/cases/999999"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if none := text(t, agent, "main h1"); missing != "Not found" || none != missing {
			t.Fatalf("agent sees %q for the corruption report and %q for no case", missing, none)
		}
		officer := newTab(t)
		s.login(t, officer, "faith")
		run(t, officer, chromedp.Navigate(path), chromedp.WaitVisible(chromedp.CSS("#case-status")))
		if got := text(t, officer, "main blockquote"); !strings.Contains(got, "500 shillings") {
			t.Fatalf("integrity officer sees %q", got)
		}
		// The officer's reading is in the report's audit trail (who, when), shown on the
		// page; the agent's refused attempts are not views.
		audit, _, err := s.store.Timeline(storetest.Context(t), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var views []string
		for _, a := range audit {
			if a.Action == "viewed" {
				views = append(views, a.Actor)
			}
		}
		if len(views) != 1 || views[0] != "faith" {
			t.Fatalf("views in the audit: %v, want [faith]", views)
		}
		if got := text(t, officer, "ol.timeline"); !strings.Contains(got, "faith viewed") {
			t.Fatalf("the timeline does not show the view:\n%s", got)
		}
	})
}

// A console session left unused for 30 minutes ends: the next page is the login, saying why,
// and the old cookie is worth nothing. One used every 29 minutes goes on.
func TestConsoleSessionEndsWhenIdle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		cookie := s.httpLogin(t, "akinyi")
		for range 3 {
			s.advance(29 * time.Minute)
			if resp, _ := s.get(t, "/console/", cookie); resp.StatusCode != http.StatusOK {
				t.Fatalf("29 minutes after the last request: %d", resp.StatusCode)
			}
		}
		s.advance(31 * time.Minute)
		resp, _ := s.get(t, "/console/?list=all", cookie)
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "expired=1") {
			t.Fatalf("after 31 idle minutes: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := s.get(t, resp.Header.Get("Location"), nil); !strings.Contains(body, "Your session ended") {
			t.Fatal("the login page does not say why")
		}
		if resp, _ := s.get(t, "/console/", cookie); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the idle session's cookie still opens the inbox: %d", resp.StatusCode)
		}
	})
}

// A live inbox refreshing itself on case events is not someone using the console: a console
// left open on a busy inbox still ends after 30 minutes, and the refresh that finds the session
// gone sends the whole page to the login (HX-Redirect), not the login page into the list.
func TestLiveRefreshesDoNotKeepASessionAlive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		cookie := s.httpLogin(t, "akinyi")
		refresh := func() *http.Response {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, s.url+"/console/?list=all&status=open", nil)
			req.AddCookie(cookie)
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Trigger", "list")
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		for range 3 { // 29 minutes apart: were these uses, the session would go on
			s.advance(29 * time.Minute)
			if resp := refresh(); resp.StatusCode != http.StatusOK {
				if resp.Header.Get("HX-Redirect") == "" {
					t.Fatalf("a refresh answered %d without sending the page to the login", resp.StatusCode)
				}
				if !strings.Contains(resp.Header.Get("HX-Redirect"), "expired=1") {
					t.Fatalf("HX-Redirect %q", resp.Header.Get("HX-Redirect"))
				}
				return // ended at the refresh after 30 idle minutes, as it should
			}
		}
		t.Fatal("three refreshes 29 minutes apart kept an unattended session alive for 87 minutes")
	})
}
