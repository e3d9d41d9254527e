package postgres

import (
	"context"
	"fmt"
	"strings"

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
	// Only the conditions the filter sets, so each list reads its own index (by case, by
	// user) rather than every view ever recorded, whatever plan a prepared statement keeps.
	var where []string
	var args []any
	for _, c := range []struct {
		cond string
		arg  any
		set  bool
	}{{"v.case_id = $%d", f.CaseID, f.CaseID != 0}, {"v.user_id = $%d", f.UserID, f.UserID != 0}, {"c.queue = $%d", string(f.Queue), f.Queue != ""}} {
		if c.set {
			args = append(args, c.arg)
			where = append(where, fmt.Sprintf(c.cond, len(args)))
		}
	}
	if len(where) == 0 {
		where = append(where, "true")
	}
	args = append(args, limit)
	rows, _ := s.pool.Query(ctx, `SELECT v.id, v.case_id, v.user_id, v.username, v.at, c.number, c.queue
		FROM case_views v JOIN cases c ON c.id = v.case_id
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(`
		ORDER BY v.at DESC, v.id DESC LIMIT $%d`, len(args)), args...)
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
