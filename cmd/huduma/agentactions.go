package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/huduma-connect/huduma/crm"
)

// agentActions are what `huduma agent` does to an existing account, from the command line: the
// same crm operations as the console's people page, as crm.Operator.
var agentActions = []string{"disable", "enable", "reset-password", "logout", "unlock"}

func manageAgent(ctx context.Context, action string, args []string, stdout io.Writer) error {
	var cfg config
	var username string
	fs := flag.NewFlagSet("agent "+action, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), agentUsage); fs.PrintDefaults() }
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&username, "username", "", "the account's login name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if username == "" {
		return fmt.Errorf("agent %s: -username is required", action)
	}
	bo, err := openBackOffice(ctx, cfg)
	if err != nil {
		return err
	}
	defer bo.store.Close()
	o := bo.office
	if action == "unlock" { // works for a username with no account too: guesses count alike
		if err := o.UnlockLogin(ctx, username); err != nil {
			return fmt.Errorf("agent unlock: %w", err)
		}
		fmt.Fprintf(stdout, "%s may log in again at once\n", username)
		return nil
	}
	u, err := o.UserNamed(ctx, username)
	if errors.Is(err, crm.ErrNotFound) {
		return fmt.Errorf("agent %s: no user %q in %s", action, username, bo.name)
	}
	if err != nil {
		return fmt.Errorf("agent %s: %w", action, err)
	}
	switch action {
	case "disable", "enable":
		if _, err := o.SetDisabled(ctx, crm.Operator, u.ID, action == "disable"); err != nil {
			return fmt.Errorf("agent %s: %w", action, err)
		}
		fmt.Fprintf(stdout, "%s is %sd\n", u.Username, action)
	case "reset-password":
		_, password, err := o.ResetPassword(ctx, crm.Operator, u.ID)
		if err != nil {
			return fmt.Errorf("agent reset-password: %w", err)
		}
		fmt.Fprintf(stdout, "new password for %s (shown once; every session ended): %s\n", u.Username, password)
	case "logout":
		n, err := o.EndSessions(ctx, crm.Operator, u.ID)
		if err != nil {
			return fmt.Errorf("agent logout: %w", err)
		}
		fmt.Fprintf(stdout, "%s logged out of %d sessions\n", u.Username, n)
	}
	return nil
}
