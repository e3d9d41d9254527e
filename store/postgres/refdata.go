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
		func(tx pgx.Tx) error {
			var err error
			if d.Centres, err = collect(ctx, tx, `SELECT code, name, county, town FROM centres ORDER BY code`,
				func(r pgx.Rows, c *crm.Centre) error { return r.Scan(&c.Code, &c.Name, &c.County, &c.Town) }); err != nil {
				return fmt.Errorf("centres: %w", err)
			}
			// Published order: NewCatalog lists a centre's services in this order.
			if d.Services, err = collect(ctx, tx, `SELECT code, institution, name, scope, short_en, short_sw
				FROM services ORDER BY position NULLS LAST, code`,
				func(r pgx.Rows, sv *crm.Service) error {
					return r.Scan(&sv.Code, &sv.Institution, &sv.Name, &sv.Scope, &sv.ShortEN, &sv.ShortSW)
				}); err != nil {
				return fmt.Errorf("services: %w", err)
			}
			if d.Offerings, err = collect(ctx, tx, `SELECT centre, service FROM offerings ORDER BY centre, service`,
				func(r pgx.Rows, o *crm.Offering) error { return r.Scan(&o.Centre, &o.Service) }); err != nil {
				return fmt.Errorf("offerings: %w", err)
			}
			if d.Holidays, err = collect(ctx, tx, `SELECT day, name FROM holidays ORDER BY day`,
				func(r pgx.Rows, h *crm.Holiday) error { return r.Scan(&h.Day, &h.Name) }); err != nil {
				return fmt.Errorf("holidays: %w", err)
			}
			return nil
		})
	if err != nil {
		return crm.RefData{}, fmt.Errorf("postgres: reference data: %w", err)
	}
	return d, nil
}

// collect runs a query and scans every row into a T.
func collect[T any](ctx context.Context, q querier, sql string, scan func(pgx.Rows, *T) error) ([]T, error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
