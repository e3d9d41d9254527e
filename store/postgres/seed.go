package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Seed writes reference data that is not in the store yet, in one transaction. Rows that
// exist are left alone (ON CONFLICT DO NOTHING): once seeded, the tables are the operator's,
// and re-running the seed after a deploy must never undo an edit such as a moved holiday.
func (s *Store) Seed(ctx context.Context, d crm.RefData) error {
	b := &pgx.Batch{}
	for _, c := range d.Centres {
		b.Queue(`INSERT INTO centres (code, name, county, town) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, c.Code, c.Name, c.County, c.Town)
	}
	for i, sv := range d.Services {
		b.Queue(`INSERT INTO services (code, institution, name, scope, short_en, short_sw, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			sv.Code, sv.Institution, sv.Name, string(sv.Scope), sv.ShortEN, sv.ShortSW, i+1)
	}
	for _, o := range d.Offerings {
		b.Queue(`INSERT INTO offerings (centre, service) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			o.Centre, o.Service)
	}
	for _, h := range d.Holidays {
		b.Queue(`INSERT INTO holidays (day, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			crm.DateOf(h.Day), h.Name)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("postgres: seed reference data: %w", err)
	}
	return nil
}
