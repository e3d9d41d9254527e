package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

func manageAgent(ctx context.Context, action string, args []string, stdout io.Writer) error {
	var cfg config
	var username string
	help := command{name: "agent " + action, usage: "huduma agent " + action + " -username NAME",
		summary:  strings.ToUpper(agentSubcommands[action][:1]) + agentSubcommands[action][1:] + ".",
		examples: []string{"huduma agent " + action + " -username baraka"}, only: officeSettings}
	fs := help.flags()
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&username, "username", "", "the account's login name")
	if err := help.parse(fs, args); err != nil {
		return err
	}
	if username == "" {
		return misuse(help.name, "-username is required")
	}
	if fs.NArg() > 0 {
		return misuse(help.name, "unexpected arguments %q (flags only)", fs.Args())
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
