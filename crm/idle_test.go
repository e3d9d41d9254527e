package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A console session lasts while it is used: each use pushes the idle limit on, a pause longer
// than it ends the session (the token is gone), and the login's own lifetime still caps it.
// The same token through Authenticate (the API's door) knows no idle limit.
func TestConsoleSessionsEndWhenLeftIdle(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 08:00"))
		ctx := storetest.Context(t)
		o.addUser(t, "achieng", crm.RoleAgent, "", 1)
		const idle = 30 * time.Minute
		token, _, err := o.Login(ctx, "achieng", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 { // two hours of work, a request every 29 minutes
			o.clock.Advance(29 * time.Minute)
			if _, err := o.AuthenticateIdle(ctx, token, idle); err != nil {
				t.Fatalf("use %d, 29 minutes after the last: %v", i+1, err)
			}
		}
		o.clock.Advance(31 * time.Minute)
		if _, err := o.AuthenticateIdle(ctx, token, idle); !errors.Is(err, crm.ErrTokenExpired) {
			t.Fatalf("after 31 idle minutes: %v, want ErrTokenExpired", err)
		}
		if _, err := o.Authenticate(ctx, token); !errors.Is(err, crm.ErrUnauthenticated) {
			t.Fatalf("the idle session's token still works: %v", err)
		}

		api, _, err := o.Login(ctx, "achieng", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		o.clock.Advance(3 * time.Hour)
		if _, err := o.Authenticate(ctx, api); err != nil {
			t.Fatalf("an API token three idle hours on: %v", err)
		}
		o.clock.Advance(10 * time.Hour) // past the login's 12 h
		if _, err := o.AuthenticateIdle(ctx, api, idle); !errors.Is(err, crm.ErrTokenExpired) {
			t.Fatalf("past the login's lifetime: %v", err)
		}
	})
}
