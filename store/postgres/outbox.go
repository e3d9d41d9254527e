package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// notificationColumns is the select list scanNotification reads. The names are bare so the
// list also serves an UPDATE's RETURNING.
const notificationColumns = `id, phone, lang, kind, params, priority, essential, subject, status, created_at,
	attempts, next_attempt_at, coalesce(at_message_id, ''), cost, failure_reason, delivery_status, sent_at`

func scanNotification(row pgx.Row, extra ...any) (crm.Notification, error) {
	var n crm.Notification
	var next, sent *time.Time
	dest := append([]any{&n.ID, &n.Phone, &n.Lang, &n.Kind, &n.Params, &n.Priority, &n.Essential,
		&n.Subject, &n.Status, &n.CreatedAt,
		&n.Attempts, &next, &n.ATMessageID, &n.Cost, &n.FailureReason, &n.DeliveryStatus, &sent}, extra...)
	err := row.Scan(dest...)
	n.CreatedAt = n.CreatedAt.UTC() // pgx hands timestamptz back in the local zone
	if next != nil {
		n.NextAttemptAt = next.UTC()
	}
	if sent != nil {
		n.SentAt = sent.UTC()
	}
	return n, err
}

// insertNotifications queues n as outbox rows in the caller's transaction, so a change is
// committed with its messages or not at all. now is the created_at of a notification that
// has none.
func insertNotifications(ctx context.Context, tx pgx.Tx, now time.Time, n []crm.Notification) error {
	for _, m := range n {
		created := m.CreatedAt
		if created.IsZero() {
			created = now
		}
		params := m.Params
		if params == nil {
			params = map[string]string{} // the column holds an object, never JSON null
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox
			(phone, lang, kind, params, priority, essential, subject, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			m.Phone, m.Lang, m.Kind, params, m.Priority, m.Essential, m.Subject, created); err != nil {
			return fmt.Errorf("queue %s notification: %w", m.Kind, err)
		}
	}
	return nil
}

// notificationArrays are notifications column by column, for statements that insert them
// with unnest in the same round trip as other work (see bookSQL).
type notificationArrays struct {
	phones, langs, kinds, params, subjects []string
	priorities                             []int
	essentials                             []bool
	created                                []time.Time
}

func notificationColumnsOf(now time.Time, n []crm.Notification) (notificationArrays, error) {
	var a notificationArrays
	for _, m := range n {
		created := m.CreatedAt
		if created.IsZero() {
			created = now
		}
		params := m.Params
		if params == nil {
			params = map[string]string{} // the column holds an object, never JSON null
		}
		p, err := json.Marshal(params)
		if err != nil {
			return a, fmt.Errorf("queue %s notification: %w", m.Kind, err)
		}
		a.phones = append(a.phones, string(m.Phone))
		a.langs = append(a.langs, string(m.Lang))
		a.kinds = append(a.kinds, string(m.Kind))
		a.params = append(a.params, string(p))
		a.priorities = append(a.priorities, int(m.Priority))
		a.essentials = append(a.essentials, m.Essential)
		a.subjects = append(a.subjects, m.Subject)
		a.created = append(a.created, created)
	}
	return a, nil
}

// Notifications lists the outbox rows the filter selects, by ID. A zero field does not
// filter.
func (s *Store) Notifications(ctx context.Context, f crm.NotificationFilter) ([]crm.Notification, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM outbox
		WHERE ($1 = '' OR phone = $1) AND ($2 = '' OR kind = $2) AND ($3 = '' OR subject = $3)
			AND ($4 = '' OR status = $4)
		ORDER BY id`, string(f.Phone), string(f.Kind), f.Subject, f.Status)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Notification, error) { return scanNotification(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: notifications: %w", err)
	}
	return list, nil
}
