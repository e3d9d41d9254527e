package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// AlertsSent says what a phone was sent of kinds since a time, and whether a digest to it
// waits; see crm.SendingStore.
func (s *Store) AlertsSent(ctx context.Context, phone crm.Phone, kinds []crm.NotificationKind, since time.Time) (crm.AlertHistory, error) {
	var h crm.AlertHistory
	var last sql.NullString
	in, args := kindArgs(kinds, 4)
	err := s.db.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE status = 'sent' AND sent_at >= ?2),
			max(sent_at) FILTER (WHERE status = 'sent' AND sent_at >= ?2 AND kind = ?3),
			coalesce(max(status IN ('queued', 'sending') AND kind = ?3), 0)
		FROM outbox WHERE phone = ?1 AND (kind = ?3 OR kind IN (`+in+`)) AND (status IN ('queued', 'sending') OR sent_at >= ?2)`,
		append([]any{string(phone), formatTimestamp(since), string(crm.NotifyAlertDigest)}, args...)...).Scan(&h.Sent, &last, &h.DigestWaiting)
	if err != nil {
		return crm.AlertHistory{}, fmt.Errorf("sqlite: alerts sent to %s: %w", phone.Masked(), err)
	}
	if last.Valid {
		if h.LastDigest, err = parseTimestamp(last.String); err != nil {
			return crm.AlertHistory{}, err
		}
	}
	return h, nil
}

// kindArgs is an IN list of numbered placeholders from ?first on, with its arguments.
func kindArgs(kinds []crm.NotificationKind, first int) (string, []any) {
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = string(k)
	}
	return inList(len(kinds), first), args
}

// FoldAlerts merges a storm of alerts into one digest; see crm.SendingStore. The store's
// one connection runs it as one transaction, so two folds never meet: the second finds the
// first's digest waiting and merges nothing.
func (s *Store) FoldAlerts(ctx context.Context, c crm.Claim, also []crm.Claim, f crm.AlertFold, now time.Time) (int64, int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: %w", err)
	}
	defer rollback(tx)
	var phone, lang string
	err = tx.QueryRowContext(ctx, `SELECT phone, lang FROM outbox WHERE id = ? AND claims = ? AND status = 'sending'`, c.ID, c.Token).Scan(&phone, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("sqlite: fold alerts into a digest (claim %d on %d): %w", c.Token, c.ID, crm.ErrClaimLost)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: %w", err)
	}
	var waiting bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE phone = ? AND kind = ? AND status IN ('queued', 'sending'))`,
		phone, string(crm.NotifyAlertDigest)).Scan(&waiting); err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: %w", err)
	}
	if waiting {
		return 0, 0, tx.Commit()
	}
	// The rows to merge: queued alerts to the phone, and the rows this worker holds.
	held := []string{fmt.Sprintf("(id = %d AND claims = %d)", c.ID, c.Token)}
	for _, a := range also {
		held = append(held, fmt.Sprintf("(id = %d AND claims = %d)", a.ID, a.Token))
	}
	kinds, kargs := kindArgs(f.Kinds, 2)
	var except []string
	args := append([]any{phone}, kargs...)
	for _, e := range f.Except {
		args = append(args, e)
		except = append(except, fmt.Sprintf("?%d", len(args)))
	}
	if len(except) == 0 {
		except = []string{"''"}
	}
	where := `phone = ?1 AND kind IN (` + kinds + `) AND coalesce(json_extract(params, '$.category'), '') NOT IN (` +
		strings.Join(except, ", ") + `) AND (status = 'queued' OR (status = 'sending' AND (` + strings.Join(held, " OR ") + `)))`
	var (
		count, complaints, callbacks int
		level, since                 sql.NullString
	)
	if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT json_extract(params, '$.case')),
			count(DISTINCT json_extract(params, '$.case')) FILTER (WHERE coalesce(json_extract(params, '$.category'), '') <> 'callback'),
			count(DISTINCT json_extract(params, '$.case')) FILTER (WHERE json_extract(params, '$.category') = 'callback'),
			max(json_extract(params, '$.level')), min(created_at)
		FROM outbox WHERE `+where, args...).Scan(&count, &complaints, &callbacks, &level, &since); err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: count: %w", err)
	}
	sinceAt := now
	if since.Valid {
		if sinceAt, err = parseTimestamp(since.String); err != nil {
			return 0, 0, err
		}
	}
	d := crm.Notification{Phone: crm.Phone(phone), Lang: crm.Lang(lang), Kind: crm.NotifyAlertDigest, Priority: crm.PriorityStaff,
		Essential: true, Subject: "digest", CreatedAt: now, Params: map[string]string{
			"count": fmt.Sprint(count), "complaints": fmt.Sprint(complaints), "callbacks": fmt.Sprint(callbacks),
			"level": level.String, "since": sinceAt.UTC().Format(time.RFC3339), "url": f.URL,
		}}
	if err := insertNotifications(ctx, tx, now, []crm.Notification{d}); err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: %w", err)
	}
	var digest int64
	if err := tx.QueryRowContext(ctx, `SELECT last_insert_rowid()`).Scan(&digest); err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'merged', lease_until = NULL, next_attempt_at = NULL,
			updated_at = ?`+fmt.Sprint(len(args)+1)+`, failure_reason = ?`+fmt.Sprint(len(args)+2)+`
		WHERE `+where, append(args, formatTimestamp(now), fmt.Sprintf("merged into the digest of alerts (outbox %d)", digest))...)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: merge: %w", err)
	}
	merged, err := res.RowsAffected()
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("sqlite: fold alerts: commit: %w", err)
	}
	return digest, int(merged), nil
}
