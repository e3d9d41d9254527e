package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// conAgencyCode is the constraint a taken agency code breaks (migrations/00002_requests.sql).
const conAgencyCode = "agencies_pkey"

// agencySelect reads an agency with its services in one statement, so the services are
// those of the row it returns. The caller adds the WHERE clause on a.
const agencySelect = `SELECT a.code, a.name, a.key_hash, a.created_at,
		coalesce(array_agg(s.service) FILTER (WHERE s.service IS NOT NULL), '{}')
	FROM agencies a LEFT JOIN agency_services s ON s.agency = a.code`

func scanAgency(row pgx.Row) (crm.Agency, error) {
	var a crm.Agency
	if err := row.Scan(&a.Code, &a.Name, &a.KeyHash, &a.CreatedAt, &a.Services); err != nil {
		return crm.Agency{}, err
	}
	a.CreatedAt = a.CreatedAt.UTC() // pgx reads timestamptz in the local zone
	// Sorted here rather than in SQL: the database's collation may order codes with a '-'
	// differently from Go, and callers compare against sorted Go slices.
	slices.Sort(a.Services)
	if len(a.Services) == 0 {
		a.Services = nil
	}
	return a, nil
}

// CreateAgency registers an agency and its services in one transaction; crm.ErrExists when
// the code is taken.
func (s *Store) CreateAgency(ctx context.Context, a crm.Agency) error {
	created := a.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: create agency: %w", err)
	}
	defer rollback(ctx, tx)

	if _, err := tx.Exec(ctx, `INSERT INTO agencies (code, name, key_hash, created_at) VALUES ($1, $2, $3, $4)`,
		a.Code, a.Name, a.KeyHash, created); err != nil {
		if constraint, ok := uniqueViolation(err); ok && constraint == conAgencyCode {
			return fmt.Errorf("postgres: create agency %s: %w", a.Code, crm.ErrExists)
		}
		return fmt.Errorf("postgres: create agency %s: %w", a.Code, err)
	}
	// unnest writes every service in one statement; a service listed twice is one row.
	if _, err := tx.Exec(ctx, `INSERT INTO agency_services (agency, service)
		SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, a.Code, a.Services); err != nil {
		return fmt.Errorf("postgres: create agency %s: services: %w", a.Code, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: create agency %s: commit: %w", a.Code, err)
	}
	return nil
}

// Agency reads the agency with the code, its services sorted; crm.ErrNotFound if none.
func (s *Store) Agency(ctx context.Context, code string) (crm.Agency, error) {
	a, err := scanAgency(s.pool.QueryRow(ctx, agencySelect+` WHERE a.code = $1 GROUP BY a.code`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Agency{}, fmt.Errorf("postgres: agency %s: %w", code, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Agency{}, fmt.Errorf("postgres: agency %s: %w", code, err)
	}
	return a, nil
}

// AgencyByKey reads the agency whose API key hashes to keyHash, its services sorted;
// crm.ErrNotFound if none. The error never quotes the hash: it is a credential's stand-in.
func (s *Store) AgencyByKey(ctx context.Context, keyHash string) (crm.Agency, error) {
	a, err := scanAgency(s.pool.QueryRow(ctx, agencySelect+` WHERE a.key_hash = $1 GROUP BY a.code`, keyHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Agency{}, fmt.Errorf("postgres: agency by key: %w", crm.ErrNotFound)
	}
	if err != nil {
		return crm.Agency{}, fmt.Errorf("postgres: agency by key: %w", err)
	}
	return a, nil
}
