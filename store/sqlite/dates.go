package sqlite

import (
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// SQLite has no date or timestamp type, so the store writes text in one fixed form and
// parses it back. Days are 'YYYY-MM-DD': they sort and compare as text in date order.
// Timestamps are UTC with microseconds, the precision Postgres keeps, so both stores hand
// back the same CreatedAt.
const timestampLayout = "2006-01-02T15:04:05.000000Z07:00"

func formatDay(t time.Time) string { return crm.DateOf(t).Format(time.DateOnly) }

func parseDay(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored day %q: %w", s, err)
	}
	return t, nil
}

func formatTimestamp(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(timestampLayout)
}

func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}
