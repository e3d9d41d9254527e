package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// CreateAgency registers an agency and its services in one transaction; crm.ErrExists when
// the code is taken. The code is looked up first rather than told from the insert's error:
// SQLite names a violated key by its columns, and transactions never overlap (see Store), so
// nothing can take the code between the look and the insert.
func (s *Store) CreateAgency(ctx context.Context, a crm.Agency) error {
	created := a.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create agency %s: %w", a.Code, err)
	}
	defer rollback(tx)

	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM agencies WHERE code = ?)`, a.Code).Scan(&taken); err != nil {
		return fmt.Errorf("sqlite: create agency %s: %w", a.Code, err)
	}
	if taken {
		return fmt.Errorf("sqlite: create agency %s: %w", a.Code, crm.ErrExists)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO agencies (code, name, key_hash, created_at) VALUES (?, ?, ?, ?)`,
		a.Code, a.Name, a.KeyHash, formatTimestamp(created)); err != nil {
		return fmt.Errorf("sqlite: create agency %s: %w", a.Code, err)
	}
	for _, svc := range a.Services {
		// A service listed twice is one row.
		if _, err := tx.ExecContext(ctx, `INSERT INTO agency_services (agency, service) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, a.Code, svc); err != nil {
			return fmt.Errorf("sqlite: create agency %s: service %s: %w", a.Code, svc, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create agency %s: commit: %w", a.Code, err)
	}
	return nil
}

// Agency reads the agency with the code, its services sorted; crm.ErrNotFound if none.
func (s *Store) Agency(ctx context.Context, code string) (crm.Agency, error) {
	a, err := s.agencyWhere(ctx, `code = ?`, code)
	if err != nil {
		return crm.Agency{}, fmt.Errorf("sqlite: agency %s: %w", code, err)
	}
	return a, nil
}

// AgencyByKey reads the agency whose API key hashes to keyHash, its services sorted;
// crm.ErrNotFound if none. The error never quotes the hash: it is a credential's stand-in.
func (s *Store) AgencyByKey(ctx context.Context, keyHash string) (crm.Agency, error) {
	a, err := s.agencyWhere(ctx, `key_hash = ?`, keyHash)
	if err != nil {
		return crm.Agency{}, fmt.Errorf("sqlite: agency by key: %w", err)
	}
	return a, nil
}

// agencyWhere reads the agency the condition on agencies selects and its services, in one
// transaction so the services are those of the row it returns.
func (s *Store) agencyWhere(ctx context.Context, cond string, arg any) (crm.Agency, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return crm.Agency{}, err
	}
	defer rollback(tx)

	var a crm.Agency
	var created string
	err = tx.QueryRowContext(ctx, `SELECT code, name, key_hash, created_at FROM agencies WHERE `+cond, arg).
		Scan(&a.Code, &a.Name, &a.KeyHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Agency{}, crm.ErrNotFound
	}
	if err != nil {
		return crm.Agency{}, err
	}
	if a.CreatedAt, err = parseTimestamp(created); err != nil {
		return crm.Agency{}, err
	}
	// Codes compare as bytes (SQLite's BINARY collation), the order Go sorts strings in.
	if a.Services, err = collect(ctx, tx, `SELECT service FROM agency_services WHERE agency = ? ORDER BY service`,
		func(r *sql.Rows, svc *string) error { return r.Scan(svc) }, a.Code); err != nil {
		return crm.Agency{}, fmt.Errorf("services: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Agency{}, err
	}
	return a, nil
}
