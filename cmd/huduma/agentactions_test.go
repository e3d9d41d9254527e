package main

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// An operator looks after an account from the command line: disable it (its sessions end,
// its password no longer lets it in), enable it, reset its password (printed once; the old
// one stops working), log it out everywhere, and unlock it after failed logins.
func TestAgentActionsFromTheCommandLine(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			ctx := storetest.Context(t)
			url := db.url(t)
			agent := func(args ...string) string {
				t.Helper()
				var out bytes.Buffer
				if err := agentCommand(ctx, append(args, "-db", url), strings.NewReader("a long passphrase\n"), &out); err != nil {
					t.Fatalf("agent %v: %v", args, err)
				}
				return out.String()
			}
			agent("add", "-username", "baraka", "-role", "agent", "-password-stdin")
			bo, err := openBackOffice(ctx, config{DatabaseURL: url, LogLevel: "error", Timezone: "Africa/Nairobi", PasswordChecks: 1, PasswordShare: 100})
			if err != nil {
				t.Fatal(err)
			}
			defer bo.store.Close()
			login := func(password string) error {
				t.Helper()
				_, _, err := bo.office.Login(ctx, "baraka", password)
				return err
			}
			token, _, err := bo.office.Login(ctx, "baraka", "a long passphrase")
			if err != nil {
				t.Fatal(err)
			}

			agent("disable", "-username", "Baraka")
			if err := login("a long passphrase"); !errors.Is(err, crm.ErrDisabled) {
				t.Fatalf("a disabled account logs in: %v", err)
			}
			if _, err := bo.office.Authenticate(ctx, token); err == nil {
				t.Fatal("a disabled account's session still works")
			}
			agent("enable", "-username", "baraka")
			if err := login("a long passphrase"); err != nil {
				t.Fatalf("enabled again: %v", err)
			}

			out := agent("reset-password", "-username", "baraka")
			m := regexp.MustCompile(`\(shown once; every session ended\): (\S+)`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("reset-password said %q", out)
			}
			if err := login("a long passphrase"); !errors.Is(err, crm.ErrBadCredentials) {
				t.Fatalf("the old password after a reset: %v", err)
			}
			token, _, err = bo.office.Login(ctx, "baraka", m[1])
			if err != nil {
				t.Fatalf("the new password: %v", err)
			}
			if out := agent("logout", "-username", "baraka"); !strings.Contains(out, "logged out of") {
				t.Fatalf("logout said %q", out)
			}
			if _, err := bo.office.Authenticate(ctx, token); err == nil {
				t.Fatal("a session survived logout")
			}

			for range 5 {
				_ = login("wrong password")
			}
			if err := login(m[1]); !errors.Is(err, crm.ErrThrottled) {
				t.Fatalf("after 5 wrong passwords: %v, want ErrThrottled", err)
			}
			agent("unlock", "-username", "baraka")
			if err := login(m[1]); err != nil {
				t.Fatalf("after unlock: %v", err)
			}
			var out2 bytes.Buffer
			if err := agentCommand(ctx, []string{"disable", "-username", "nobody", "-db", url}, nil, &out2); err == nil || !strings.Contains(err.Error(), `no user "nobody"`) {
				t.Fatalf("disable of no such user: %v", err)
			}
		})
	}
}
