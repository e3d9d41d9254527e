package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// OpenCaseCounts counts the open cases by queue, level, language and assignee.
func (s *Store) OpenCaseCounts(ctx context.Context) ([]crm.CaseCount, error) {
	list, err := collect(ctx, s.db, `SELECT queue, level, lang, COALESCE(assignee_id, 0), COUNT(*) FROM cases
		WHERE status NOT IN ('resolved', 'closed') GROUP BY queue, level, lang, assignee_id`,
		func(r *sql.Rows, c *crm.CaseCount) error {
			return r.Scan(&c.Queue, &c.Level, &c.Lang, &c.AssigneeID, &c.Count)
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: open case counts: %w", err)
	}
	return list, nil
}
