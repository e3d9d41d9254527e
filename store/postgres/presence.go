package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// TouchViewer records v, replacing the record of the same session.
func (s *Store) TouchViewer(ctx context.Context, v crm.CaseViewer) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO case_viewers (session, case_id, user_id, seen_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (session) DO UPDATE SET case_id = excluded.case_id, user_id = excluded.user_id, seen_at = excluded.seen_at`,
		v.Session, v.CaseID, v.UserID, v.SeenAt)
	if err != nil {
		return fmt.Errorf("postgres: touch case viewer: %w", err)
	}
	return nil
}

// LeaveViewer forgets a session's record.
func (s *Store) LeaveViewer(ctx context.Context, session string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM case_viewers WHERE session = $1`, session); err != nil {
		return fmt.Errorf("postgres: leave case viewer: %w", err)
	}
	return nil
}

// CaseViewers lists a case's records seen at or after since, with the users' names.
func (s *Store) CaseViewers(ctx context.Context, caseID int64, since time.Time) ([]crm.CaseViewer, error) {
	rows, _ := s.pool.Query(ctx, `SELECT v.session, v.case_id, v.user_id, coalesce(nullif(u.name, ''), u.username) AS name, v.seen_at
		FROM case_viewers v JOIN users u ON u.id = v.user_id
		WHERE v.case_id = $1 AND v.seen_at >= $2 ORDER BY name, v.session`, caseID, since)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.CaseViewer, error) {
		var v crm.CaseViewer
		err := r.Scan(&v.Session, &v.CaseID, &v.UserID, &v.Name, &v.SeenAt)
		v.SeenAt = v.SeenAt.UTC()
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: case viewers: %w", err)
	}
	return list, nil
}

// ForgetViewers deletes every record seen before the given time.
func (s *Store) ForgetViewers(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM case_viewers WHERE seen_at < $1`, before); err != nil {
		return fmt.Errorf("postgres: forget case viewers: %w", err)
	}
	return nil
}
