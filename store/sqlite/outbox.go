package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// notificationColumns is the select list scanNotification reads. The names are qualified so
// the list can be read from a join.
const notificationColumns = `outbox.id, outbox.phone, outbox.lang, outbox.kind, outbox.params,
	outbox.priority, outbox.essential, outbox.subject, outbox.status, outbox.created_at,
	outbox.attempts, outbox.next_attempt_at, coalesce(outbox.at_message_id, ''), outbox.cost,
	outbox.failure_reason, outbox.delivery_status, outbox.sent_at`

// scanNotification reads a row of notificationColumns followed by the columns extra points to.
func scanNotification(row scanner, extra ...any) (crm.Notification, error) {
	var n crm.Notification
	var params, created string
	var next, sent sql.NullString
	dest := append([]any{&n.ID, &n.Phone, &n.Lang, &n.Kind, &params, &n.Priority, &n.Essential,
		&n.Subject, &n.Status, &created,
		&n.Attempts, &next, &n.ATMessageID, &n.Cost, &n.FailureReason, &n.DeliveryStatus, &sent}, extra...)
	if err := row.Scan(dest...); err != nil {
		return crm.Notification{}, err
	}
	if err := json.Unmarshal([]byte(params), &n.Params); err != nil {
		return crm.Notification{}, fmt.Errorf("stored params of notification %d: %w", n.ID, err)
	}
	var err error
	if n.CreatedAt, err = parseTimestamp(created); err != nil {
		return crm.Notification{}, err
	}
	for _, t := range []struct {
		src sql.NullString
		dst *time.Time
	}{{next, &n.NextAttemptAt}, {sent, &n.SentAt}} {
		if t.src.Valid {
			if *t.dst, err = parseTimestamp(t.src.String); err != nil {
				return crm.Notification{}, err
			}
		}
	}
	return n, nil
}

// insertNotifications queues n as outbox rows in the caller's transaction, so a change is
// committed with its messages or not at all. now is the created_at of a notification that
// has none.
func insertNotifications(ctx context.Context, tx *sql.Tx, now time.Time, n []crm.Notification) error {
	for _, m := range n {
		created := m.CreatedAt
		if created.IsZero() {
			created = now
		}
		params := m.Params
		if params == nil {
			params = map[string]string{} // the column holds an object, never JSON null
		}
		js, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("queue %s notification: params: %w", m.Kind, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox
			(phone, lang, kind, params, priority, essential, subject, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Phone, m.Lang, m.Kind, string(js), int(m.Priority), m.Essential, m.Subject,
			formatTimestamp(created)); err != nil {
			return fmt.Errorf("queue %s notification: %w", m.Kind, err)
		}
	}
	return nil
}

// Notifications lists the outbox rows the filter selects, by ID. A zero field does not
// filter.
func (s *Store) Notifications(ctx context.Context, f crm.NotificationFilter) ([]crm.Notification, error) {
	list, err := collect(ctx, s.db, `SELECT `+notificationColumns+` FROM outbox
		WHERE (?1 = '' OR phone = ?1) AND (?2 = '' OR kind = ?2) AND (?3 = '' OR subject = ?3)
			AND (?4 = '' OR status = ?4)
		ORDER BY id`,
		func(r *sql.Rows, n *crm.Notification) error {
			var err error
			*n, err = scanNotification(r)
			return err
		}, string(f.Phone), string(f.Kind), f.Subject, f.Status)
	if err != nil {
		return nil, fmt.Errorf("sqlite: notifications: %w", err)
	}
	return list, nil
}
