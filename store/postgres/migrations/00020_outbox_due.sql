-- Claims that read only what is due (issue 16). The old claim index ordered the backlog by
-- (priority, id) and filtered out, row by row, everything still waiting out a back-off or a
-- lease: with 130,000 rows in back-off after an SMS provider outage, each claim of 10 rows
-- read tens of thousands and Postgres ran hot doing nothing.
--
-- A row's due time is when it may next be claimed: its lease's end while it is sending, its
-- next attempt while it waits out a back-off, its creation otherwise. The claim reads one
-- index range per priority, (priority = p AND due <= now), in due order: every entry it
-- reads is a row it may take. That is why a row's priority must be one the claim knows
-- (crm.ClaimOrder), checked below. The expression is written out again in sending.go (dueAt);
-- the two must match exactly for the index to serve the claim, and a test explains the claim
-- to hold them to it.
--
-- The second index serves the quiet hours, when of the normal priority only essential rows
-- go: without it a night's non-essential rows would be read and passed over at every claim.
--
-- Staff alerts move behind every citizen's message (crm.PriorityStaff).

-- +goose Up
UPDATE outbox SET priority = 20
WHERE kind IN ('manager_alert', 'escalation_alert') AND status IN ('queued', 'sending');
UPDATE outbox SET priority = CASE WHEN priority <= 0 THEN 0 WHEN priority <= 5 THEN 5 WHEN priority <= 9 THEN 9 ELSE 20 END
WHERE priority NOT IN (0, 5, 9, 20);
ALTER TABLE outbox ADD CONSTRAINT outbox_priority_check CHECK (priority IN (0, 5, 9, 20));

DROP INDEX outbox_claim;
CREATE INDEX outbox_due ON outbox
    (priority, (coalesce(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END, created_at)), id)
    WHERE status IN ('queued', 'sending');
CREATE INDEX outbox_due_essential ON outbox
    (priority, (coalesce(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END, created_at)), id)
    WHERE status IN ('queued', 'sending') AND essential;

-- +goose Down
DROP INDEX outbox_due_essential;
DROP INDEX outbox_due;
CREATE INDEX outbox_claim ON outbox (priority, id) WHERE status IN ('queued', 'sending');
ALTER TABLE outbox DROP CONSTRAINT outbox_priority_check;
UPDATE outbox SET priority = 0
WHERE kind IN ('manager_alert', 'escalation_alert') AND status IN ('queued', 'sending');
