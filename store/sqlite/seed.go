package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// Seed writes reference data that is not in the store yet, in one transaction. Rows that
// exist are left alone (ON CONFLICT DO NOTHING): once seeded, the tables are the operator's,
// and re-running the seed after a deploy must never undo an edit such as a moved holiday.
func (s *Store) Seed(ctx context.Context, d crm.RefData) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: seed reference data: %w", err)
	}
	defer rollback(tx)
	if err := seed(ctx, tx, d); err != nil {
		return fmt.Errorf("sqlite: seed reference data: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: seed reference data: commit: %w", err)
	}
	return nil
}

func seed(ctx context.Context, tx *sql.Tx, d crm.RefData) error {
	insert := func(query string, rows int, args func(i int) []any) error {
		stmt, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := 0; i < rows; i++ {
			if _, err := stmt.ExecContext(ctx, args(i)...); err != nil {
				return err
			}
		}
		return nil
	}
	if err := insert(`INSERT INTO centres (code, name, county, town) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, len(d.Centres), func(i int) []any {
		c := d.Centres[i]
		return []any{c.Code, c.Name, c.County, c.Town}
	}); err != nil {
		return fmt.Errorf("centres: %w", err)
	}
	if err := insert(`INSERT INTO services (code, institution, name, scope, short_en, short_sw, position)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, len(d.Services), func(i int) []any {
		sv := d.Services[i]
		return []any{sv.Code, sv.Institution, sv.Name, string(sv.Scope), sv.ShortEN, sv.ShortSW, i + 1}
	}); err != nil {
		return fmt.Errorf("services: %w", err)
	}
	if err := insert(`INSERT INTO offerings (centre, service) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		len(d.Offerings), func(i int) []any { return []any{d.Offerings[i].Centre, d.Offerings[i].Service} }); err != nil {
		return fmt.Errorf("offerings: %w", err)
	}
	if err := insert(`INSERT INTO holidays (day, name) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		len(d.Holidays), func(i int) []any { return []any{formatDay(d.Holidays[i].Day), d.Holidays[i].Name} }); err != nil {
		return fmt.Errorf("holidays: %w", err)
	}
	return nil
}
