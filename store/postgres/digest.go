package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// AlertsSent says what a phone was sent of kinds since a time, and whether a digest to it
// waits; see crm.SendingStore.
func (s *Store) AlertsSent(ctx context.Context, phone crm.Phone, kinds []crm.NotificationKind, since time.Time) (crm.AlertHistory, error) {
	var h crm.AlertHistory
	var last *time.Time
	err := s.pool.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE status = 'sent' AND sent_at >= $3 AND (kind = ANY ($2) OR kind = $4)),
			max(sent_at) FILTER (WHERE status = 'sent' AND sent_at >= $3 AND kind = $4),
			coalesce(bool_or(status IN ('queued', 'sending') AND kind = $4), false)
		FROM outbox WHERE phone = $1 AND (kind = ANY ($2) OR kind = $4) AND (status IN ('queued', 'sending') OR sent_at >= $3)`,
		phone, kindStrings(kinds), since, crm.NotifyAlertDigest).Scan(&h.Sent, &last, &h.DigestWaiting)
	if err != nil {
		return crm.AlertHistory{}, fmt.Errorf("postgres: alerts sent to %s: %w", phone.Masked(), err)
	}
	if last != nil {
		h.LastDigest = last.UTC()
	}
	return h, nil
}

func kindStrings(kinds []crm.NotificationKind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

// FoldAlerts merges a storm of alerts into one digest; see crm.SendingStore. An advisory
// lock on the phone makes two workers that meet the same storm fold it once: the second
// finds the first's digest waiting and merges nothing. One statement picks the rows (locked),
// queues the digest with their counts and marks them merged, all under one snapshot, so an
// alert queued meanwhile is either counted and merged or left for later, never half.
func (s *Store) FoldAlerts(ctx context.Context, c crm.Claim, also []crm.Claim, f crm.AlertFold, now time.Time) (int64, int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: fold alerts: %w", err)
	}
	defer rollback(ctx, tx)
	var phone, lang string
	err = tx.QueryRow(ctx, `SELECT phone, lang FROM outbox WHERE id = $1 AND claims = $2 AND status = 'sending' FOR UPDATE`,
		c.ID, c.Token).Scan(&phone, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, fmt.Errorf("postgres: fold alerts into a digest (claim %d on %d): %w", c.Token, c.ID, crm.ErrClaimLost)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: fold alerts: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('huduma digest ' || $1))`, phone); err != nil {
		return 0, 0, fmt.Errorf("postgres: fold alerts: lock: %w", err)
	}
	var waiting bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE phone = $1 AND kind = $2 AND status IN ('queued', 'sending'))`,
		phone, crm.NotifyAlertDigest).Scan(&waiting); err != nil {
		return 0, 0, fmt.Errorf("postgres: fold alerts: %w", err)
	}
	if waiting {
		return 0, 0, tx.Commit(ctx)
	}
	ids, tokens := []int64{c.ID}, []int64{c.Token}
	for _, a := range also {
		ids, tokens = append(ids, a.ID), append(tokens, a.Token)
	}
	var digest int64
	var merged int
	err = tx.QueryRow(ctx, `WITH held AS (
			SELECT * FROM unnest($7::bigint[], $8::bigint[]) AS h(id, claims)
		), picked AS (
			SELECT o.id, o.params, o.created_at FROM outbox o
			WHERE o.phone = $1 AND o.kind = ANY ($2) AND coalesce(o.params->>'category', '') <> ALL ($3)
			  AND (o.status = 'queued' OR (o.status = 'sending' AND (o.id, o.claims) IN (SELECT id, claims FROM held)))
			FOR UPDATE
		), digest AS (
			INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at)
			SELECT $1, $4, $5, jsonb_build_object(
					'count', count(DISTINCT params->>'case')::text,
					'complaints', count(DISTINCT params->>'case') FILTER (WHERE params->>'category' IS DISTINCT FROM 'callback')::text,
					'callbacks', count(DISTINCT params->>'case') FILTER (WHERE params->>'category' = 'callback')::text,
					'level', coalesce(max(params->>'level'), ''),
					'since', to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
					'url', $6::text),
				$9, true, 'digest', $10
			FROM picked
			RETURNING id
		), merged AS (
			UPDATE outbox SET status = 'merged', lease_until = NULL, next_attempt_at = NULL, updated_at = $10,
				failure_reason = 'merged into the digest of alerts (outbox ' || (SELECT id FROM digest) || ')'
			FROM picked WHERE outbox.id = picked.id
			RETURNING outbox.id
		)
		SELECT (SELECT id FROM digest), (SELECT count(*) FROM merged)`,
		phone, kindStrings(f.Kinds), f.Except, lang, crm.NotifyAlertDigest, f.URL, ids, tokens, int(crm.PriorityStaff), now).
		Scan(&digest, &merged)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: fold alerts: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("postgres: fold alerts: commit: %w", err)
	}
	return digest, merged, nil
}
