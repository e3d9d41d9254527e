package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// defaultViewLimit is how many views CaseViews lists when the filter does not say.
const defaultViewLimit = 500

// RecordCaseView records one reading of a case: one insert, on the case page's path.
func (s *Store) RecordCaseView(ctx context.Context, v crm.CaseView) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO case_views (case_id, user_id, username, at) VALUES ($1, $2, $3, $4)`,
		v.CaseID, idOrNull(v.UserID), v.Username, v.At); err != nil {
		return fmt.Errorf("postgres: record case view: %w", err)
	}
	return nil
}

// CaseViews lists the views f selects, newest first, with each case's number and queue.
func (s *Store) CaseViews(ctx context.Context, f crm.CaseViewFilter) ([]crm.CaseView, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultViewLimit
	}
	rows, _ := s.pool.Query(ctx, `SELECT v.id, v.case_id, v.user_id, v.username, v.at, c.number, c.queue
		FROM case_views v JOIN cases c ON c.id = v.case_id
		WHERE ($1 = 0 OR v.case_id = $1) AND ($2 = 0 OR v.user_id = $2) AND ($3 = '' OR c.queue = $3)
		ORDER BY v.at DESC, v.id DESC LIMIT $4`, f.CaseID, f.UserID, string(f.Queue), limit)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.CaseView, error) {
		var v crm.CaseView
		var user *int64
		err := r.Scan(&v.ID, &v.CaseID, &user, &v.Username, &v.At, &v.CaseNumber, &v.Queue)
		v.UserID, v.At = idOrZero(user), v.At.UTC()
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: case views: %w", err)
	}
	return list, nil
}
