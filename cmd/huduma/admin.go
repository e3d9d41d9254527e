package main

import (
	"context"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// migrateCommand brings the schema up to date; serve does this too, the command exists for
// deployments that migrate in a separate step.
func migrateCommand(ctx context.Context, args []string) error {
	s, name, err := openFromFlags(ctx, command{name: "migrate", summary: "Brings the database schema up to date (serve does this too; this is for deployments that migrate in a step of their own).",
		usage: "huduma migrate [-db URL]", examples: []string{"huduma migrate -db postgres://huduma@db.internal:5432/huduma"}, only: storeSettings}, args)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	fmt.Printf("schema of %s is up to date\n", name)
	return nil
}

// seedCommand loads the embedded reference data. Rows that exist are left alone, so an
// operator's edits survive a re-seed.
func seedCommand(ctx context.Context, args []string) error {
	s, name, err := openFromFlags(ctx, command{name: "seed", summary: "Loads the centres, services and holidays; rows that exist are kept, so an operator's edits survive.",
		usage: "huduma seed [-db URL]", examples: []string{"huduma seed", "huduma seed -db postgres://huduma@db.internal:5432/huduma"}, only: storeSettings}, args)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	data, err := crm.DefaultRefData()
	if err != nil {
		return err
	}
	if err := s.Seed(ctx, data); err != nil {
		return fmt.Errorf("seed %s: %w", name, err)
	}
	fmt.Printf("seeded %s: %d centres, %d services, %d county desks, %d holidays (existing rows kept)\n",
		name, len(data.Centres), len(data.Services), len(data.Offerings), len(data.Holidays))
	return nil
}

// storeSettings are the settings of a command that only opens the database.
var storeSettings = []string{"db", "log-level"}

// officeSettings are those of a command that works through the back office (agent, agency,
// import, citizen): the database, and what the office needs to hash passwords and keep time.
var officeSettings = []string{"db", "log-level", "tz", "password-checks", "password-share"}

func openFromFlags(ctx context.Context, c command, args []string) (sqlStore, string, error) {
	var cfg config
	fs := c.flags()
	if err := cfg.flags(fs, false); err != nil {
		return nil, "", err
	}
	if err := c.parse(fs, args); err != nil {
		return nil, "", err
	}
	if fs.NArg() > 0 {
		return nil, "", misuse(c.name, "unexpected arguments %q (flags only)", fs.Args())
	}
	return openStore(ctx, cfg.DatabaseURL)
}
