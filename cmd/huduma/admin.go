package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// migrateCommand brings the schema up to date; serve does this too, the command exists for
// deployments that migrate in a separate step.
func migrateCommand(ctx context.Context, args []string) error {
	s, name, err := openFromFlags(ctx, "migrate", args)
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
	s, name, err := openFromFlags(ctx, "seed", args)
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

func openFromFlags(ctx context.Context, name string, args []string) (sqlStore, string, error) {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if err := cfg.flags(fs, false); err != nil {
		return nil, "", err
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	return openStore(ctx, cfg.DatabaseURL)
}
