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

// dueAt is when an outbox row may next be claimed: its lease's end while it is sending, its
// next attempt while it waits out a back-off, its creation otherwise. It is the expression
// the outbox_due indexes (migration 00020) are built on, written exactly as they are, so
// that the claim reads their ranges.
const dueAt = `coalesce(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END, created_at)`

// claimSQL is the claim's read by day and in the quiet hours (see claimStatement).
var claimSQL = [2]string{claimStatement(false), claimStatement(true)}

// claimStatement builds the claim's read: one index range per priority of crm.ClaimOrder,
// (priority = p AND due <= ?1) in due order, so no row that is not due is read however
// large the backlog in back-off. In the quiet hours a priority only some of whose rows go is
// read from the index of essential rows. ?2 is the limit.
func claimStatement(urgentOnly bool) string {
	var arms []string
	for _, p := range crm.ClaimOrder {
		extra := ""
		switch {
		case !urgentOnly || crm.SendsInQuietHours(p, false):
		case crm.SendsInQuietHours(p, true):
			extra = " AND essential = 1"
		default:
			continue
		}
		arms = append(arms, fmt.Sprintf(`SELECT * FROM (SELECT id FROM outbox
			WHERE status IN ('queued', 'sending') AND priority = %d%s AND %s <= ?1
			ORDER BY %s, id LIMIT ?2)`, p, extra, dueAt, dueAt))
	}
	return strings.Join(arms, "\nUNION ALL\n") + "\nLIMIT ?2"
}

// ClaimNotifications claims due rows for a worker; see crm.SendingStore and claimStatement.
// The store's one connection runs one transaction at a time, so two claims never meet: the
// second starts after the first committed and finds its rows sending.
func (s *Store) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, urgentOnly bool) ([]crm.ClaimedNotification, error) {
	if limit <= 0 {
		return nil, nil
	}
	at, until := formatTimestamp(now), formatTimestamp(now.Add(lease))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	defer rollback(tx)
	q := claimSQL[0]
	if urgentOnly {
		q = claimSQL[1]
	}
	ids, err := collect(ctx, tx, q, func(r *sql.Rows, id *int64) error { return r.Scan(id) }, at, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	in := inList(len(ids), 3)
	args := []any{at, until}
	for _, id := range ids {
		args = append(args, id)
	}
	// The order is read before the update makes every row due at the lease's end.
	list, err := collect(ctx, tx, `SELECT `+notificationColumns+`, outbox.claims + 1, ?2,
			EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = outbox.phone)
		FROM outbox WHERE outbox.id IN (`+in+`)
		ORDER BY outbox.priority, `+qualified(dueAt)+`, outbox.id`,
		func(r *sql.Rows, c *crm.ClaimedNotification) error {
			var lease string
			var err error
			if c.Notification, err = scanNotification(r, &c.Claim.Token, &lease, &c.OptedOut); err != nil {
				return err
			}
			c.Claim.ID = c.ID
			c.Status = crm.OutboxSending
			c.Attempts++
			c.LeaseUntil, err = parseTimestamp(lease)
			return err
		}, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sending', lease_until = ?2,
			attempts = attempts + 1, claims = claims + 1, updated_at = ?1
		WHERE id IN (`+in+`)`, args...); err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	return list, nil
}

// qualified names outbox's columns in dueAt, for a statement that may join.
func qualified(expr string) string {
	for _, c := range []string{"status", "lease_until", "next_attempt_at", "created_at"} {
		expr = strings.ReplaceAll(expr, c, "outbox."+c)
	}
	return expr
}

// inList is n numbered placeholders from ?first on: "?3, ?4, ?5".
func inList(n, first int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "?%d", first+i)
	}
	return b.String()
}

// settle applies a write to a row the claim still holds (status sending, the claim's token).
// When it changes nothing, the row is read: still under this token with the status the write
// sets means the write committed before (a retry after a lost reply) and is no error;
// anything else is crm.ErrClaimLost, or crm.ErrNotFound for no row. The read runs after the
// update has finished, never inside a transaction (the store has one connection).
func (s *Store) settle(ctx context.Context, op string, c crm.Claim, status, set string, args ...any) error {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = ?3, lease_until = NULL, `+set+`
		WHERE id = ?1 AND claims = ?2 AND status = 'sending'`,
		append([]any{c.ID, c.Token, status}, args...)...)
	if err != nil {
		return fmt.Errorf("sqlite: %s notification %d: %w", op, c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s notification %d: %w", op, c.ID, err)
	} else if n == 1 {
		return nil
	}
	return settledBefore(ctx, s.db, op, c, status)
}

// settledBefore explains a settling write that changed nothing: nil when the row is in
// status under the claim's token (the write committed before), else ErrClaimLost or, for
// no row, ErrNotFound. q is the database, or the transaction the write ran in.
func settledBefore(ctx context.Context, q querier, op string, c crm.Claim, status string) error {
	var (
		gotStatus string
		gotToken  int64
	)
	err := q.QueryRowContext(ctx, `SELECT status, claims FROM outbox WHERE id = ?`, c.ID).Scan(&gotStatus, &gotToken)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s notification %d: %w", op, c.ID, crm.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: %s notification %d: %w", op, c.ID, err)
	case gotToken == c.Token && gotStatus == status:
		return nil
	}
	return fmt.Errorf("sqlite: %s notification %d (claim %d; row is %s under claim %d): %w",
		op, c.ID, c.Token, gotStatus, gotToken, crm.ErrClaimLost)
}

// MarkSent records the send; see MarkSentAll.
func (s *Store) MarkSent(ctx context.Context, c crm.Claim, atMessageID, cost string, now time.Time) error {
	errs, err := s.MarkSentAll(ctx, []crm.Sent{{Claim: c, ATMessageID: atMessageID, Cost: cost}}, now)
	if err != nil {
		return err
	}
	return errs[0]
}

// MarkSentAll records the sends in one transaction (one write to disk), then adopts the
// delivery reports that arrived before them (see RecordDelivery).
func (s *Store) MarkSentAll(ctx context.Context, sent []crm.Sent, now time.Time) ([]error, error) {
	errs, err := s.markSentAll(ctx, sent, now)
	if err != nil {
		return nil, err
	}
	for i, x := range sent {
		if errs[i] != nil || x.ATMessageID == "" {
			continue
		}
		if _, err := s.adoptReport(ctx, x.ATMessageID, now); err != nil {
			return nil, fmt.Errorf("sqlite: mark notification %d sent: %w", x.Claim.ID, err)
		}
	}
	return errs, nil
}

func (s *Store) markSentAll(ctx context.Context, sent []crm.Sent, now time.Time) ([]error, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: mark %d notifications sent: %w", len(sent), err)
	}
	defer rollback(tx)
	errs := make([]error, len(sent))
	at := formatTimestamp(now)
	for i, x := range sent {
		c := x.Claim
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', lease_until = NULL, at_message_id = ?3,
				cost = ?4, sent_at = ?5, updated_at = ?5, failure_reason = '', next_attempt_at = NULL
			WHERE id = ?1 AND claims = ?2 AND status = 'sending'`, c.ID, c.Token, nullText(x.ATMessageID), x.Cost, at)
		if err != nil {
			return nil, fmt.Errorf("sqlite: mark notification %d sent: %w", c.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("sqlite: mark notification %d sent: %w", c.ID, err)
		} else if n == 1 {
			continue
		}
		errs[i] = settledBefore(ctx, tx, "mark sent", c, crm.OutboxSent)
		if errs[i] != nil && !errors.Is(errs[i], crm.ErrClaimLost) && !errors.Is(errs[i], crm.ErrNotFound) {
			return nil, errs[i]
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: mark %d notifications sent: %w", len(sent), err)
	}
	return errs, nil
}

func (s *Store) MarkRetry(ctx context.Context, c crm.Claim, next time.Time, reason string, now time.Time) error {
	return s.settle(ctx, "retry", c, crm.OutboxQueued,
		`next_attempt_at = ?4, failure_reason = ?5, updated_at = ?6`,
		formatTimestamp(next), reason, formatTimestamp(now))
}

func (s *Store) Release(ctx context.Context, c crm.Claim, next time.Time, now time.Time) error {
	return s.settle(ctx, "release", c, crm.OutboxQueued,
		`next_attempt_at = ?4, attempts = max(attempts - 1, 0), updated_at = ?5`,
		formatTimestamp(next), formatTimestamp(now))
}

func (s *Store) Postpone(ctx context.Context, c crm.Claim, next time.Time, reason string, now time.Time) error {
	return s.settle(ctx, "postpone", c, crm.OutboxQueued,
		`next_attempt_at = ?4, attempts = max(attempts - 1, 0), failure_reason = ?5, updated_at = ?6`,
		formatTimestamp(next), reason, formatTimestamp(now))
}

func (s *Store) MarkExpired(ctx context.Context, c crm.Claim, reason string, now time.Time) error {
	return s.settle(ctx, "mark expired", c, crm.OutboxExpired,
		`failure_reason = ?4, updated_at = ?5, next_attempt_at = NULL`, reason, formatTimestamp(now))
}

func (s *Store) MarkFailed(ctx context.Context, c crm.Claim, reason string, now time.Time) error {
	return s.settle(ctx, "mark failed", c, crm.OutboxFailed,
		`failure_reason = ?4, updated_at = ?5, next_attempt_at = NULL`, reason, formatTimestamp(now))
}

func (s *Store) MarkSuppressed(ctx context.Context, c crm.Claim, reason string, now time.Time) error {
	return s.settle(ctx, "mark suppressed", c, crm.OutboxSuppressed,
		`failure_reason = ?4, updated_at = ?5, next_attempt_at = NULL`, reason, formatTimestamp(now))
}

// recordDeliverySQL applies a report (deliveryArgs) to the row that carries its id, unless
// the row's status is final.
var recordDeliverySQL = `UPDATE outbox SET delivery_status = ?2,
		failure_reason = CASE WHEN ?3 = '' THEN failure_reason ELSE ?3 END,
		delivered_at = ?4, updated_at = ?4
	WHERE at_message_id = ?1 AND delivery_status NOT IN (` + inList(len(crm.FinalDeliveryStatuses()), 5) + `)`

// deliveryArgs are recordDeliverySQL's arguments, the final statuses last.
func deliveryArgs(atMessageID, status, failureReason string, now time.Time) []any {
	args := []any{atMessageID, status, failureReason, formatTimestamp(now)}
	for _, f := range crm.FinalDeliveryStatuses() {
		args = append(args, f)
	}
	return args
}

// RecordDeliveries records reports; see crm.SendingStore. The reports on rows that carry
// their ids and are not final are written in one transaction; the rest (a final row, a
// report that overtook the send) go through RecordDelivery one by one, in order.
func (s *Store) RecordDeliveries(ctx context.Context, reports []crm.DeliveryReport, now time.Time) ([]bool, error) {
	applied, err := s.applyDeliveries(ctx, crm.FoldDeliveryReports(reports), now)
	if err != nil {
		return nil, err
	}
	return crm.RecordTheRest(ctx, reports, applied, now, s.RecordDelivery)
}

// applyDeliveries writes folded reports to the rows that carry their ids and are not final,
// in one transaction, and returns the ids it wrote.
func (s *Store) applyDeliveries(ctx context.Context, folded []crm.DeliveryReport, now time.Time) (map[string]bool, error) {
	applied := map[string]bool{}
	if len(folded) == 0 {
		return applied, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: record %d delivery reports: %w", len(folded), err)
	}
	defer rollback(tx)
	for _, r := range folded {
		res, err := tx.ExecContext(ctx, recordDeliverySQL, deliveryArgs(r.ATMessageID, r.Status, r.FailureReason, now)...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: record delivery report %s: %w", r.ATMessageID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("sqlite: record delivery report %s: %w", r.ATMessageID, err)
		} else if n > 0 {
			applied[r.ATMessageID] = true
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: record %d delivery reports: %w", len(folded), err)
	}
	return applied, nil
}

// RecordDelivery records a delivery report; see crm.SendingStore and the Postgres store's
// RecordDelivery, which this follows: a report that overtook the worker's MarkSent is parked
// in delivery_reports and adopted by MarkSent. The store's one connection runs the steps of
// a report and of a MarkSent one after the other, never interleaved within a statement.
func (s *Store) RecordDelivery(ctx context.Context, atMessageID, status, failureReason string, now time.Time) (bool, error) {
	if atMessageID == "" {
		return false, nil
	}
	args := deliveryArgs(atMessageID, status, failureReason, now)
	notFinal := `NOT IN (` + inList(len(crm.FinalDeliveryStatuses()), 5) + `)`
	apply := func() (bool, error) {
		res, err := s.db.ExecContext(ctx, recordDeliverySQL, args...)
		if err != nil {
			return false, fmt.Errorf("sqlite: record delivery: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("sqlite: record delivery: %w", err)
		}
		return n > 0, nil
	}
	if done, err := apply(); err != nil || done {
		return done, err
	}
	var found bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE at_message_id = ?)`, atMessageID).Scan(&found); err != nil {
		return false, fmt.Errorf("sqlite: record delivery: %w", err)
	}
	if found {
		// Either the row's status is final (applying again changes nothing) or MarkSent
		// committed since the first try (applying again records the report).
		if _, err := apply(); err != nil {
			return false, err
		}
		return true, nil
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO delivery_reports (at_message_id, status, failure_reason, received_at)
		VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (at_message_id) DO UPDATE SET status = excluded.status,
			failure_reason = CASE WHEN excluded.failure_reason = '' THEN delivery_reports.failure_reason
				ELSE excluded.failure_reason END,
			received_at = excluded.received_at
		WHERE delivery_reports.status `+notFinal, args...); err != nil {
		return false, fmt.Errorf("sqlite: record delivery: park the report: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM delivery_reports WHERE received_at < ?`,
		formatTimestamp(now.Add(-parkedReportsKept))); err != nil {
		return false, fmt.Errorf("sqlite: record delivery: drop old reports: %w", err)
	}
	adopted, err := s.adoptReport(ctx, atMessageID, now)
	if err != nil {
		return false, fmt.Errorf("sqlite: record delivery: %w", err)
	}
	return adopted, nil
}

// parkedReportsKept is how long a report for an id no row carries is kept.
const parkedReportsKept = 7 * 24 * time.Hour

// adoptReport moves a parked delivery report onto the row that now carries its message id,
// under the usual precedence, in one transaction. It reports whether there was a row to
// adopt it.
func (s *Store) adoptReport(ctx context.Context, atMessageID string, now time.Time) (bool, error) {
	// Nearly always there is none: look before taking the write lock. A report parked after
	// this look is adopted by RecordDelivery itself, which looks after parking.
	var parked bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM delivery_reports WHERE at_message_id = ?)`,
		atMessageID).Scan(&parked); err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	if !parked {
		return false, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	defer rollback(tx)
	var status, reason, received string
	err = tx.QueryRowContext(ctx, `SELECT status, failure_reason, received_at FROM delivery_reports
		WHERE at_message_id = ?1 AND EXISTS (SELECT 1 FROM outbox WHERE at_message_id = ?1)`, atMessageID).
		Scan(&status, &reason, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	finals := crm.FinalDeliveryStatuses()
	args := []any{atMessageID, status, reason, received, formatTimestamp(now)}
	for _, f := range finals {
		args = append(args, f)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET delivery_status = ?2,
			failure_reason = CASE WHEN ?3 = '' THEN failure_reason ELSE ?3 END,
			delivered_at = ?4, updated_at = ?5
		WHERE at_message_id = ?1 AND delivery_status NOT IN (`+inList(len(finals), 6)+`)`, args...); err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM delivery_reports WHERE at_message_id = ?`, atMessageID); err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	return true, nil
}

// OutboxStats counts the rows still to send and the failed ones; see crm.SendingStore.
func (s *Store) OutboxStats(ctx context.Context) (crm.OutboxStats, error) {
	var st crm.OutboxStats
	var oldest sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM outbox WHERE status = 'queued'),
			(SELECT count(*) FROM outbox WHERE status = 'sending'),
			(SELECT count(*) FROM outbox WHERE status = 'failed'),
			(SELECT min(created_at) FROM outbox WHERE status = 'queued')`).
		Scan(&st.Queued, &st.Sending, &st.Failed, &oldest)
	if err != nil {
		return crm.OutboxStats{}, fmt.Errorf("sqlite: outbox stats: %w", err)
	}
	if oldest.Valid {
		if st.OldestQueued, err = parseTimestamp(oldest.String); err != nil {
			return crm.OutboxStats{}, fmt.Errorf("sqlite: outbox stats: %w", err)
		}
	}
	return st, nil
}
