package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// defaultViewLimit is how many views CaseViews lists when the filter does not say.
const defaultViewLimit = 500

// RecordCaseView records one reading of a case: one insert, on the case page's path.
func (s *Store) RecordCaseView(ctx context.Context, v crm.CaseView) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO case_views (case_id, user_id, username, at) VALUES (?, ?, ?, ?)`,
		v.CaseID, nullID(v.UserID), v.Username, formatTimestamp(v.At)); err != nil {
		return fmt.Errorf("sqlite: record case view: %w", err)
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
	// user) rather than every view ever recorded.
	var where []string
	var args []any
	for _, c := range []struct {
		cond string
		arg  any
		set  bool
	}{{"v.case_id = ?", f.CaseID, f.CaseID != 0}, {"v.user_id = ?", f.UserID, f.UserID != 0}, {"c.queue = ?", string(f.Queue), f.Queue != ""}} {
		if c.set {
			where, args = append(where, c.cond), append(args, c.arg)
		}
	}
	if len(where) == 0 {
		where = append(where, "1 = 1")
	}
	list, err := collect(ctx, s.db, `SELECT v.id, v.case_id, v.user_id, v.username, v.at, c.number, c.queue
		FROM case_views v JOIN cases c ON c.id = v.case_id
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY v.at DESC, v.id DESC LIMIT ?`, func(r *sql.Rows, v *crm.CaseView) error {
		var user sql.NullInt64
		var at string
		if err := r.Scan(&v.ID, &v.CaseID, &user, &v.Username, &at, &v.CaseNumber, &v.Queue); err != nil {
			return err
		}
		v.UserID = user.Int64
		var err error
		v.At, err = parseTimestamp(at)
		return err
	}, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: case views: %w", err)
	}
	return list, nil
}
