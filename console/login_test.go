package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

func TestLogin(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		// Wrong password, unknown user: 401, and the answer does not say which.
		for name, b := range map[string]map[string]string{
			"wrong password":      {"username": "agent", "password": "not the password"},
			"unknown user":        {"username": "nobody", "password": password},
			"a 100-byte password": {"username": "agent", "password": strings.Repeat("p", 100)},
		} {
			status, body := w.call(t, http.MethodPost, "/api/v1/login", b, nil)
			wantStatus(t, "login with "+name, status, body, http.StatusUnauthorized)
			if msg := errorOf(t, body); msg != crm.ErrBadCredentials.Error() {
				t.Errorf("login with %s: error %q, want %q", name, msg, crm.ErrBadCredentials)
			}
		}
		status, body := w.call(t, http.MethodPost, "/api/v1/login", map[string]string{"username": "agent"}, nil)
		wantStatus(t, "login without a password", status, body, http.StatusBadRequest)
		status, body = w.call(t, http.MethodPost, "/api/v1/login", "username=agent&password=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		wantStatus(t, "login with a form", status, body, http.StatusBadRequest)

		// A good login: a token, its lifetime, the user, and no hash of anything.
		status, body = w.call(t, http.MethodPost, "/api/v1/login", map[string]string{"username": " Supervisor ", "password": password}, nil)
		wantStatus(t, "login", status, body, http.StatusOK)
		var login struct {
			Token     string
			ExpiresIn int `json:"expires_in"`
			User      struct {
				ID       int64
				Username string
				Role     string
			}
		}
		decodeInto(t, body, &login)
		if !strings.HasPrefix(login.Token, "hct_") || login.ExpiresIn != int((12*time.Hour).Seconds()) ||
			login.User.Username != "supervisor" || login.User.Role != "supervisor" {
			t.Errorf("login answered %s", body)
		}
		for _, leak := range []string{"$2a$", "$2b$", "hash", w.users["supervisor"].PasswordHash, crm.HashSecret(login.Token)} {
			if strings.Contains(string(body), leak) {
				t.Errorf("the login answer carries %q: %s", leak, body)
			}
		}
		bearer := map[string]string{"Authorization": "Bearer " + login.Token}

		status, body = w.call(t, http.MethodGet, "/api/v1/me", nil, bearer)
		wantStatus(t, "me", status, body, http.StatusOK)
		if !strings.Contains(string(body), `"username":"supervisor"`) || strings.Contains(string(body), "$2a$") {
			t.Errorf("me answered %s", body)
		}

		// Availability.
		status, body = w.call(t, http.MethodPut, "/api/v1/me/availability", map[string]bool{"available": true}, bearer)
		wantStatus(t, "set available", status, body, http.StatusOK)
		if !strings.Contains(string(body), `"available":true`) {
			t.Errorf("set available answered %s", body)
		}
		status, body = w.call(t, http.MethodPut, "/api/v1/me/availability", map[string]string{}, bearer)
		wantStatus(t, "set availability without a value", status, body, http.StatusBadRequest)
		status, body = w.call(t, http.MethodPut, "/api/v1/me/availability", map[string]string{"available": "yes"}, bearer)
		wantStatus(t, "set availability to a string", status, body, http.StatusBadRequest)
		u, err := w.store.User(storetest.Context(t), login.User.ID)
		if err != nil || !u.Available {
			t.Errorf("after PUT availability the user is %+v (%v), want available", u, err)
		}

		// No token, a made-up token, a key where a token belongs: 401.
		for name, h := range map[string]map[string]string{
			"no token":        nil,
			"a made-up token": {"Authorization": "Bearer hct_made-up"},
			"an agency key":   {"Authorization": "Bearer " + w.nrbKey},
		} {
			status, body = w.call(t, http.MethodGet, "/api/v1/me", nil, h)
			wantStatus(t, "me with "+name, status, body, http.StatusUnauthorized)
		}

		// Logout ends the session; logging out again is harmless.
		status, body = w.call(t, http.MethodPost, "/api/v1/logout", nil, bearer)
		wantStatus(t, "logout", status, body, http.StatusNoContent)
		status, body = w.call(t, http.MethodGet, "/api/v1/me", nil, bearer)
		wantStatus(t, "me after logout", status, body, http.StatusUnauthorized)
		status, body = w.call(t, http.MethodPost, "/api/v1/logout", nil, bearer)
		wantStatus(t, "logout twice", status, body, http.StatusNoContent)
		status, body = w.call(t, http.MethodPost, "/api/v1/logout", nil, nil)
		wantStatus(t, "logout without a token", status, body, http.StatusUnauthorized)

		// Users: supervisors, integrity officers and admins; never a hash.
		for _, who := range []string{"agent", "manager_ksm"} {
			status, body = w.as(t, who, http.MethodGet, "/api/v1/users", nil)
			wantStatus(t, who+" lists users", status, body, http.StatusForbidden)
		}
		status, body = w.as(t, "admin", http.MethodGet, "/api/v1/users?role=agent", nil)
		wantStatus(t, "admin lists agents", status, body, http.StatusOK)
		var users struct {
			Users []struct{ Username, Role string }
		}
		decodeInto(t, body, &users)
		if len(users.Users) != 2 || users.Users[0].Username != "agent" || users.Users[1].Username != "agent2" {
			t.Errorf("agents: %s", body)
		}
		if strings.Contains(string(body), "$2a$") || strings.Contains(string(body), "password") {
			t.Errorf("the users list carries password hashes: %s", body)
		}
		status, body = w.as(t, "integrity", http.MethodGet, "/api/v1/users?role=centre_manager&centre=ksm", nil)
		wantStatus(t, "integrity officer lists KSM's managers", status, body, http.StatusOK)
		decodeInto(t, body, &users)
		if len(users.Users) != 1 || users.Users[0].Username != "manager_ksm" {
			t.Errorf("KSM's managers: %s", body)
		}
		status, body = w.as(t, "supervisor", http.MethodGet, "/api/v1/users?role=king", nil)
		wantStatus(t, "users of an unknown role", status, body, http.StatusBadRequest)

		// The expiry: the clock passes the token's lifetime.
		w.clock.Advance(12*time.Hour + time.Minute)
		status, body = w.as(t, "agent", http.MethodGet, "/api/v1/me", nil)
		wantStatus(t, "me with an expired token", status, body, http.StatusUnauthorized)
		if msg := errorOf(t, body); msg != "session expired, log in again" {
			t.Errorf("expired token: error %q", msg)
		}
		status, body = w.as(t, "agent", http.MethodGet, "/api/v1/cases", nil)
		wantStatus(t, "cases with an expired token (deleted on first sight)", status, body, http.StatusUnauthorized)
	})
}

func TestRatings(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		ctx := storetest.Context(t)
		rate := func(centre string, phone crm.Phone, r crm.Rating) {
			c := w.complaint(t, phone, centre, crm.CategoryLongWait)
			if _, err := w.office.Claim(ctx, w.users["agent"], c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := w.office.Resolve(ctx, w.users["agent"], c.ID, "Sorted"); err != nil {
				t.Fatal(err)
			}
			if _, err := w.office.Rate(ctx, phone, c.Number, r); err != nil {
				t.Fatal(err)
			}
		}
		rate("KSM", "+254711000001", crm.RatingGood)
		rate("KSM", "+254711000002", crm.RatingGood)
		rate("MSA", "+254711000003", crm.RatingPoor)

		type rows struct {
			By      string
			Ratings []struct {
				Key, Rating string
				Count       int
			}
		}
		status, body := w.as(t, "supervisor", http.MethodGet, "/api/v1/ratings?by=centre", nil)
		wantStatus(t, "supervisor's ratings by centre", status, body, http.StatusOK)
		var got rows
		decodeInto(t, body, &got)
		counts := map[string]int{}
		for _, r := range got.Ratings {
			counts[r.Key+"/"+r.Rating] = r.Count
		}
		if got.By != "centre" || counts["KSM/good"] != 2 || counts["MSA/poor"] != 1 {
			t.Errorf("ratings by centre: %s", body)
		}

		status, body = w.as(t, "manager_ksm", http.MethodGet, "/api/v1/ratings", nil)
		wantStatus(t, "KSM manager's ratings", status, body, http.StatusOK)
		decodeInto(t, body, &got)
		if len(got.Ratings) != 1 || got.Ratings[0].Key != "KSM" || got.Ratings[0].Count != 2 {
			t.Errorf("the KSM manager sees %s, want KSM's row only", body)
		}
		status, body = w.as(t, "manager_ksm", http.MethodGet, "/api/v1/ratings?by=agent", nil)
		wantStatus(t, "KSM manager's ratings by agent", status, body, http.StatusForbidden)

		status, body = w.as(t, "admin", http.MethodGet, "/api/v1/ratings?by=agent", nil)
		wantStatus(t, "admin's ratings by agent", status, body, http.StatusOK)
		decodeInto(t, body, &got)
		if len(got.Ratings) != 2 || got.Ratings[0].Key != "agent" {
			t.Errorf("ratings by agent: %s", body)
		}
		status, body = w.as(t, "agent", http.MethodGet, "/api/v1/ratings", nil)
		wantStatus(t, "agent's ratings", status, body, http.StatusForbidden)
		// The integrity officer sees the integrity queue's figures, which hold no rating
		// yet: the general cases rated above must not show.
		status, body = w.as(t, "integrity", http.MethodGet, "/api/v1/ratings", nil)
		wantStatus(t, "integrity's ratings", status, body, http.StatusOK)
		decodeInto(t, body, &got)
		if len(got.Ratings) != 0 {
			t.Errorf("integrity officer's ratings show general cases: %s", body)
		}
		status, body = w.as(t, "admin", http.MethodGet, "/api/v1/ratings?by=county", nil)
		wantStatus(t, "ratings by county", status, body, http.StatusBadRequest)
	})
}
