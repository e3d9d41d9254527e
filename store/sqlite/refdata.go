package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// ReferenceData reads the four reference tables in one transaction, so a catalogue is never
// built from half of an operator's edit made by another process.
func (s *Store) ReferenceData(ctx context.Context) (crm.RefData, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return crm.RefData{}, fmt.Errorf("sqlite: reference data: %w", err)
	}
	defer rollback(tx)
	var d crm.RefData
	if d.Centres, err = collect(ctx, tx, `SELECT code, name, county, town FROM centres ORDER BY code`,
		func(r *sql.Rows, c *crm.Centre) error { return r.Scan(&c.Code, &c.Name, &c.County, &c.Town) }); err != nil {
		return crm.RefData{}, fmt.Errorf("sqlite: reference data: centres: %w", err)
	}
	// Published order: NewCatalog lists a centre's services in this order.
	if d.Services, err = collect(ctx, tx, `SELECT code, institution, name, scope, short_en, short_sw
		FROM services ORDER BY position NULLS LAST, code`,
		func(r *sql.Rows, sv *crm.Service) error {
			return r.Scan(&sv.Code, &sv.Institution, &sv.Name, &sv.Scope, &sv.ShortEN, &sv.ShortSW)
		}); err != nil {
		return crm.RefData{}, fmt.Errorf("sqlite: reference data: services: %w", err)
	}
	if d.Offerings, err = collect(ctx, tx, `SELECT centre, service FROM offerings ORDER BY centre, service`,
		func(r *sql.Rows, o *crm.Offering) error { return r.Scan(&o.Centre, &o.Service) }); err != nil {
		return crm.RefData{}, fmt.Errorf("sqlite: reference data: offerings: %w", err)
	}
	if d.Holidays, err = collect(ctx, tx, `SELECT day, name FROM holidays ORDER BY day`,
		func(r *sql.Rows, h *crm.Holiday) error {
			var day string
			if err := r.Scan(&day, &h.Name); err != nil {
				return err
			}
			h.Day, err = parseDay(day)
			return err
		}); err != nil {
		return crm.RefData{}, fmt.Errorf("sqlite: reference data: holidays: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.RefData{}, fmt.Errorf("sqlite: reference data: %w", err)
	}
	return d, nil
}

// querier is what both *sql.DB and *sql.Tx offer. Inside a transaction, pass the *sql.Tx:
// with the store's single connection, a query on the *sql.DB would wait for ever.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// collect runs a query and scans every row into a T, closing the rows before it returns so
// the next statement of the transaction can run.
func collect[T any](ctx context.Context, q querier, query string, scan func(*sql.Rows, *T) error, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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
