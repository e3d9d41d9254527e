package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// ReferenceData reads the four reference tables in one read-only, repeatable-read
// transaction, so a catalogue is never built from half of an operator's edit.
func (s *Store) ReferenceData(ctx context.Context) (crm.RefData, error) {
	var d crm.RefData
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		// A failed Query surfaces from CollectRows (pgx defers it to the rows), so the first
		// return value is all each step needs.
		func(tx pgx.Tx) error {
			var err error
			rows, _ := tx.Query(ctx, `SELECT code, name, county, town FROM centres ORDER BY code`)
			if d.Centres, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (c crm.Centre, err error) {
				return c, r.Scan(&c.Code, &c.Name, &c.County, &c.Town)
			}); err != nil {
				return fmt.Errorf("centres: %w", err)
			}
			// Published order: NewCatalog lists a centre's services in this order.
			rows, _ = tx.Query(ctx, `SELECT code, institution, name, scope, short_en, short_sw
				FROM services ORDER BY position NULLS LAST, code`)
			if d.Services, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (sv crm.Service, err error) {
				return sv, r.Scan(&sv.Code, &sv.Institution, &sv.Name, &sv.Scope, &sv.ShortEN, &sv.ShortSW)
			}); err != nil {
				return fmt.Errorf("services: %w", err)
			}
			rows, _ = tx.Query(ctx, `SELECT centre, service FROM offerings ORDER BY centre, service`)
			if d.Offerings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (o crm.Offering, err error) {
				return o, r.Scan(&o.Centre, &o.Service)
			}); err != nil {
				return fmt.Errorf("offerings: %w", err)
			}
			rows, _ = tx.Query(ctx, `SELECT day, name FROM holidays ORDER BY day`)
			if d.Holidays, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (h crm.Holiday, err error) {
				return h, r.Scan(&h.Day, &h.Name)
			}); err != nil {
				return fmt.Errorf("holidays: %w", err)
			}
			return nil
		})
	if err != nil {
		return crm.RefData{}, fmt.Errorf("postgres: reference data: %w", err)
	}
	return d, nil
}
