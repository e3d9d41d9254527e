package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// TouchViewer records v, replacing the record of the same session.
func (s *Store) TouchViewer(ctx context.Context, v crm.CaseViewer) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO case_viewers (session, case_id, user_id, seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (session) DO UPDATE SET case_id = excluded.case_id, user_id = excluded.user_id, seen_at = excluded.seen_at`,
		v.Session, v.CaseID, v.UserID, formatTimestamp(v.SeenAt))
	if err != nil {
		return fmt.Errorf("sqlite: touch case viewer: %w", err)
	}
	return nil
}

// LeaveViewer forgets a session's record.
func (s *Store) LeaveViewer(ctx context.Context, session string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM case_viewers WHERE session = ?`, session); err != nil {
		return fmt.Errorf("sqlite: leave case viewer: %w", err)
	}
	return nil
}

// CaseViewers lists a case's records seen at or after since, with the users' names. The
// timestamps are text in one fixed layout, so they compare in time order.
func (s *Store) CaseViewers(ctx context.Context, caseID int64, since time.Time) ([]crm.CaseViewer, error) {
	list, err := collect(ctx, s.db, `SELECT v.session, v.case_id, v.user_id, coalesce(nullif(u.name, ''), u.username) AS name, v.seen_at
		FROM case_viewers v JOIN users u ON u.id = v.user_id
		WHERE v.case_id = ? AND v.seen_at >= ? ORDER BY name, v.session`,
		func(r *sql.Rows, v *crm.CaseViewer) error {
			var at string
			if err := r.Scan(&v.Session, &v.CaseID, &v.UserID, &v.Name, &at); err != nil {
				return err
			}
			var err error
			v.SeenAt, err = parseTimestamp(at)
			return err
		}, caseID, formatTimestamp(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: case viewers: %w", err)
	}
	return list, nil
}

// ForgetViewers deletes every record seen before the given time.
func (s *Store) ForgetViewers(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM case_viewers WHERE seen_at < ?`, formatTimestamp(before)); err != nil {
		return fmt.Errorf("sqlite: forget case viewers: %w", err)
	}
	return nil
}
