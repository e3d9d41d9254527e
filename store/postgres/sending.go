package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// dueAt is when an outbox row may next be claimed: its lease's end while it is sending, its
// next attempt while it waits out a back-off, its creation otherwise. It is the expression
// the outbox_due indexes (migration 00020) are built on, written exactly as they are, so
// that the claim reads their ranges.
const dueAt = `coalesce(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END, created_at)`

// claimSQL is the claim statement by day and in the quiet hours (see claimStatement).
var claimSQL = [2]string{claimStatement(false), claimStatement(true)}

// claimStatement builds the claim: one locking read per priority of crm.ClaimOrder, each an
// index range (priority = p AND due <= now) in due order, so no row that is not due is read
// however large the backlog in back-off; the arms are read in priority order, lazily, until
// the limit is met (an arm after that is never run). In the quiet hours a priority only some
// of whose rows go is read from the index of essential rows.
//
// FOR UPDATE SKIP LOCKED lets concurrent claimers in any number of replicas pass over each
// other's rows instead of queueing behind them, and the update that marks them sending is
// the same statement: a row is claimed by exactly one worker. Postgres refuses FOR UPDATE
// under UNION, so each arm is a CTE of its own.
func claimStatement(urgentOnly bool) string {
	var arms, union []string
	for _, p := range crm.ClaimOrder {
		extra := ""
		switch {
		case !urgentOnly || crm.SendsInQuietHours(p, false):
		case crm.SendsInQuietHours(p, true):
			extra = " AND essential"
		default:
			continue
		}
		name := fmt.Sprintf("p%d", p)
		arms = append(arms, fmt.Sprintf(`%s AS (
			SELECT id AS due_id, %s AS due_time FROM outbox
			WHERE status IN ('queued', 'sending') AND priority = %d%s AND %s <= $1
			ORDER BY %s, id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)`, name, dueAt, p, extra, dueAt, dueAt))
		union = append(union, "SELECT due_id, due_time FROM "+name)
	}
	return `WITH ` + strings.Join(arms, ",\n") + `,
		due AS (` + strings.Join(union, " UNION ALL ") + ` LIMIT $2)
		UPDATE outbox SET status = 'sending', lease_until = $3, attempts = attempts + 1,
			claims = claims + 1, updated_at = $1
		FROM due WHERE id = due_id
		RETURNING ` + notificationColumns + `, claims, lease_until,
			EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = outbox.phone), due_time`
}

// ClaimNotifications claims due rows for a worker; see crm.SendingStore and claimStatement.
func (s *Store) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, urgentOnly bool) ([]crm.ClaimedNotification, error) {
	if limit <= 0 {
		return nil, nil
	}
	q := claimSQL[0]
	if urgentOnly {
		q = claimSQL[1]
	}
	rows, _ := s.pool.Query(ctx, q, now, limit, now.Add(lease))
	type claimed struct {
		crm.ClaimedNotification
		due time.Time
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		var err error
		c.Notification, err = scanNotification(r, &c.Claim.Token, &c.LeaseUntil, &c.OptedOut, &c.due)
		c.Claim.ID = c.ID
		c.LeaseUntil = c.LeaseUntil.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim notifications: %w", err)
	}
	// RETURNING keeps no order.
	slices.SortFunc(list, func(a, b claimed) int {
		if a.Priority != b.Priority {
			return int(a.Priority - b.Priority)
		}
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	out := make([]crm.ClaimedNotification, len(list))
	for i, c := range list {
		out[i] = c.ClaimedNotification
	}
	return out, nil
}

// settle applies a write to a row the claim still holds (status sending, the claim's token).
// When it changes nothing, the row is read: still under this token with the status the write
// sets means the write committed before (a retry after a lost reply) and is no error;
// anything else is crm.ErrClaimLost, or crm.ErrNotFound for no row.
func (s *Store) settle(ctx context.Context, op string, c crm.Claim, status, set string, args ...any) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET status = $3, lease_until = NULL, `+set+`
		WHERE id = $1 AND claims = $2 AND status = 'sending'`,
		append([]any{c.ID, c.Token, status}, args...)...)
	if err != nil {
		return fmt.Errorf("postgres: %s notification %d: %w", op, c.ID, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return s.settledBefore(ctx, op, c, status)
}

// settledBefore explains a settling write that changed nothing: nil when the row is in
// status under the claim's token (the write committed before), else ErrClaimLost or, for
// no row, ErrNotFound.
func (s *Store) settledBefore(ctx context.Context, op string, c crm.Claim, status string) error {
	var (
		gotStatus string
		gotToken  int64
	)
	err := s.pool.QueryRow(ctx, `SELECT status, claims FROM outbox WHERE id = $1`, c.ID).Scan(&gotStatus, &gotToken)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: %s notification %d: %w", op, c.ID, crm.ErrNotFound)
	case err != nil:
		return fmt.Errorf("postgres: %s notification %d: %w", op, c.ID, err)
	case gotToken == c.Token && gotStatus == status:
		return nil
	}
	return fmt.Errorf("postgres: %s notification %d (claim %d; row is %s under claim %d): %w",
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

// markSentSQL records one send under its claim. A batch of sends runs it once a row, in one
// pipelined transaction (one round trip, one commit), rather than as one statement over
// the unnest of arrays: such a statement joins the outbox to its arrays, and the generic plan
// a pooled connection keeps for it was made when the outbox was small. While a backlog
// drained, it read the whole outbox (or the whole of outbox_due) for every batch, 70–200 ms
// each. "id = $1" is read by the primary key in any plan. TestBatchStatementsReadByIndex
// keeps the statements of a batch so.
const markSentSQL = `UPDATE outbox SET status = 'sent', lease_until = NULL, at_message_id = $3,
		cost = $4, sent_at = $5, updated_at = $5, failure_reason = '', next_attempt_at = NULL
	WHERE id = $1 AND claims = $2 AND status = 'sending'`

// MarkSentAll records the sends in one transaction, then adopts the delivery reports that
// arrived before them (see RecordDelivery). The adoption runs after the sends committed,
// which is what makes the hand-over with a report arriving at the same moment safe.
func (s *Store) MarkSentAll(ctx context.Context, sent []crm.Sent, now time.Time) ([]error, error) {
	recorded, err := s.inOneTransaction(ctx, len(sent), func(b *pgx.Batch) {
		for _, x := range sent {
			b.Queue(markSentSQL, x.Claim.ID, x.Claim.Token, nullText(x.ATMessageID), x.Cost, now)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: mark %d notifications sent: %w", len(sent), err)
	}
	errs := make([]error, len(sent))
	var ids []string
	for i, x := range sent {
		if !recorded[i] {
			if errs[i] = s.settledBefore(ctx, "mark sent", x.Claim, crm.OutboxSent); errs[i] != nil &&
				!errors.Is(errs[i], crm.ErrClaimLost) && !errors.Is(errs[i], crm.ErrNotFound) {
				return nil, errs[i]
			}
		}
		if errs[i] == nil && x.ATMessageID != "" {
			ids = append(ids, x.ATMessageID)
		}
	}
	if err := s.adoptParked(ctx, ids, now); err != nil {
		return nil, fmt.Errorf("postgres: mark %d notifications sent: %w", len(sent), err)
	}
	return errs, nil
}

// inOneTransaction runs the n statements queue queues in one transaction, pipelined, and
// reports for each whether it changed a row.
func (s *Store) inOneTransaction(ctx context.Context, n int, queue func(*pgx.Batch)) ([]bool, error) {
	changed := make([]bool, n)
	if n == 0 {
		return changed, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	b := &pgx.Batch{}
	queue(b)
	results := tx.SendBatch(ctx, b)
	for i := range n {
		tag, err := results.Exec()
		if err != nil {
			_ = results.Close()
			return nil, err
		}
		changed[i] = tag.RowsAffected() > 0
	}
	if err := results.Close(); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return changed, nil
}

// nullText stores "" as NULL.
func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Store) MarkRetry(ctx context.Context, c crm.Claim, next time.Time, reason string, now time.Time) error {
	return s.settle(ctx, "retry", c, crm.OutboxQueued,
		`next_attempt_at = $4, failure_reason = $5, updated_at = $6`, next, reason, now)
}

func (s *Store) Release(ctx context.Context, c crm.Claim, next time.Time, now time.Time) error {
	return s.settle(ctx, "release", c, crm.OutboxQueued,
		`next_attempt_at = $4, attempts = greatest(attempts - 1, 0), updated_at = $5`, next, now)
}

func (s *Store) Postpone(ctx context.Context, c crm.Claim, next time.Time, reason string, now time.Time) error {
	return s.settle(ctx, "postpone", c, crm.OutboxQueued,
		`next_attempt_at = $4, attempts = greatest(attempts - 1, 0), failure_reason = $5, updated_at = $6`, next, reason, now)
}

func (s *Store) MarkExpired(ctx context.Context, c crm.Claim, reason string, now time.Time) error {
	return s.settle(ctx, "mark expired", c, crm.OutboxExpired,
		`failure_reason = $4, updated_at = $5, next_attempt_at = NULL`, reason, now)
}

func (s *Store) MarkFailed(ctx context.Context, c crm.Claim, reason string, now time.Time) error {
	return s.settle(ctx, "mark failed", c, crm.OutboxFailed,
		`failure_reason = $4, updated_at = $5, next_attempt_at = NULL`, reason, now)
}

func (s *Store) MarkSuppressed(ctx context.Context, c crm.Claim, reason string, now time.Time) error {
	return s.settle(ctx, "mark suppressed", c, crm.OutboxSuppressed,
		`failure_reason = $4, updated_at = $5, next_attempt_at = NULL`, reason, now)
}

// RecordDelivery records a delivery report; see crm.SendingStore. The condition on the
// current status makes a final status stick whatever order reports arrive in.
//
// A report can overtake the worker: Africa's Talking may report on a message before the
// worker has committed MarkSent. Such a report is parked in delivery_reports (with the same
// precedence) and adopted by whichever comes second: MarkSent, which adopts after its commit,
// or this method, which tries to adopt after parking. Either the send committed before the
// park and this method finds the row, or it committed after and MarkSent finds the report.
// Parked reports for ids we never sent are dropped after parkedReportsKept.
func (s *Store) RecordDelivery(ctx context.Context, atMessageID, status, failureReason string, now time.Time) (bool, error) {
	if atMessageID == "" {
		return false, nil
	}
	apply := func() (bool, error) {
		tag, err := s.pool.Exec(ctx, recordDeliverySQL, atMessageID, status, failureReason, now, crm.FinalDeliveryStatuses())
		if err != nil {
			return false, fmt.Errorf("postgres: record delivery: %w", err)
		}
		return tag.RowsAffected() > 0, nil
	}
	if done, err := apply(); err != nil || done {
		return done, err
	}
	var found bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE at_message_id = $1)`, atMessageID).Scan(&found); err != nil {
		return false, fmt.Errorf("postgres: record delivery: %w", err)
	}
	if found {
		// Either the row's status is final (applying again changes nothing) or MarkSent
		// committed since the first try (applying again records the report).
		if _, err := apply(); err != nil {
			return false, err
		}
		return true, nil
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO delivery_reports (at_message_id, status, failure_reason, received_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (at_message_id) DO UPDATE SET status = EXCLUDED.status,
			failure_reason = CASE WHEN EXCLUDED.failure_reason = '' THEN delivery_reports.failure_reason
				ELSE EXCLUDED.failure_reason END,
			received_at = EXCLUDED.received_at
		WHERE delivery_reports.status <> ALL ($5)`,
		atMessageID, status, failureReason, now, crm.FinalDeliveryStatuses()); err != nil {
		return false, fmt.Errorf("postgres: record delivery: park the report: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM delivery_reports WHERE received_at < $1`, now.Add(-parkedReportsKept)); err != nil {
		return false, fmt.Errorf("postgres: record delivery: drop old reports: %w", err)
	}
	adopted, err := s.adoptReport(ctx, atMessageID, now)
	if err != nil {
		return false, fmt.Errorf("postgres: record delivery: %w", err)
	}
	return adopted, nil
}

// recordDeliverySQL applies a report to the row that carries its id, unless the row's
// status is final. "at_message_id = $1" is read by its (partial) index in any plan.
const recordDeliverySQL = `UPDATE outbox SET delivery_status = $2,
		failure_reason = CASE WHEN $3 = '' THEN failure_reason ELSE $3 END,
		delivered_at = $4, updated_at = $4
	WHERE at_message_id = $1 AND delivery_status <> ALL ($5)`

// RecordDeliveries records reports; see crm.SendingStore. The reports on rows that carry
// their ids and are not final are written in one transaction (a statement each, pipelined:
// see markSentSQL); the rest (a final row, a report that overtook the send) go through
// RecordDelivery one by one, in order.
func (s *Store) RecordDeliveries(ctx context.Context, reports []crm.DeliveryReport, now time.Time) ([]bool, error) {
	folded := crm.FoldDeliveryReports(reports)
	finals := crm.FinalDeliveryStatuses()
	changed, err := s.inOneTransaction(ctx, len(folded), func(b *pgx.Batch) {
		for _, r := range folded {
			b.Queue(recordDeliverySQL, r.ATMessageID, r.Status, r.FailureReason, now, finals)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: record %d delivery reports: %w", len(folded), err)
	}
	applied := map[string]bool{}
	for i, r := range folded {
		if changed[i] {
			applied[r.ATMessageID] = true
		}
	}
	return crm.RecordTheRest(ctx, reports, applied, now, s.RecordDelivery)
}

// parkedReportsKept is how long a report for an id no row carries is kept.
const parkedReportsKept = 7 * 24 * time.Hour

// adoptReport moves a parked delivery report onto the row that now carries its message id,
// under the usual precedence. It reports whether there was a row to adopt it.
func (s *Store) adoptReport(ctx context.Context, atMessageID string, now time.Time) (bool, error) {
	var n int
	err := s.pool.QueryRow(ctx, `WITH p AS (
			DELETE FROM delivery_reports
			WHERE at_message_id = $1 AND EXISTS (SELECT 1 FROM outbox WHERE at_message_id = $1)
			RETURNING status, failure_reason, received_at
		), u AS (
			UPDATE outbox SET delivery_status = p.status,
				failure_reason = CASE WHEN p.failure_reason = '' THEN outbox.failure_reason ELSE p.failure_reason END,
				delivered_at = p.received_at, updated_at = $3
			FROM p WHERE outbox.at_message_id = $1 AND outbox.delivery_status <> ALL ($2)
		)
		SELECT count(*) FROM p`, atMessageID, crm.FinalDeliveryStatuses(), now).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("adopt a parked delivery report: %w", err)
	}
	return n > 0, nil
}

// adoptParked adopts the parked reports of any of ids. Nearly always none is parked, so it
// looks first, in one read of the small delivery_reports table.
func (s *Store) adoptParked(ctx context.Context, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT at_message_id FROM delivery_reports WHERE at_message_id = ANY ($1)`, ids)
	parked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("look for parked delivery reports: %w", err)
	}
	for _, id := range parked {
		if _, err := s.adoptReport(ctx, id, now); err != nil {
			return err
		}
	}
	return nil
}

// OutboxStats counts the rows still to send and the failed ones; see crm.SendingStore. Each
// count reads a partial index, so the sent rows (nearly all of the table) are never read.
func (s *Store) OutboxStats(ctx context.Context) (crm.OutboxStats, error) {
	var st crm.OutboxStats
	var oldest *time.Time
	err := s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM outbox WHERE status = 'queued'),
			(SELECT count(*) FROM outbox WHERE status = 'sending'),
			(SELECT count(*) FROM outbox WHERE status = 'failed'),
			(SELECT min(created_at) FROM outbox WHERE status = 'queued')`).
		Scan(&st.Queued, &st.Sending, &st.Failed, &oldest)
	if err != nil {
		return crm.OutboxStats{}, fmt.Errorf("postgres: outbox stats: %w", err)
	}
	if oldest != nil {
		st.OldestQueued = oldest.UTC()
	}
	return st, nil
}
