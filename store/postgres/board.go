package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// OpenCaseCounts counts the open cases by queue, level, language and assignee.
func (s *Store) OpenCaseCounts(ctx context.Context) ([]crm.CaseCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT queue, level, lang, COALESCE(assignee_id, 0), COUNT(*) FROM cases
		WHERE status NOT IN ('resolved', 'closed') GROUP BY queue, level, lang, assignee_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: open case counts: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.CaseCount, error) {
		var c crm.CaseCount
		var level int
		err := r.Scan(&c.Queue, &level, &c.Lang, &c.AssigneeID, &c.Count)
		c.Level = crm.Level(level)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: open case counts: %w", err)
	}
	return list, nil
}
