-- Claims that read only what is due (issue 16): see the Postgres migration of the same number
-- for why. The due expression is written out again in sending.go (dueAt) and must match it
-- exactly; a test explains the claim to hold them to it. Timestamps are RFC 3339 text in UTC
-- with microseconds, which compare in time order as text.
--
-- SQLite cannot add a CHECK constraint to a table, so triggers refuse a priority the claim
-- does not know (crm.ClaimOrder).

-- +goose Up
UPDATE outbox SET priority = 20
WHERE kind IN ('manager_alert', 'escalation_alert') AND status IN ('queued', 'sending');
UPDATE outbox SET priority = CASE WHEN priority <= 0 THEN 0 WHEN priority <= 5 THEN 5 WHEN priority <= 9 THEN 9 ELSE 20 END
WHERE priority NOT IN (0, 5, 9, 20);

-- +goose StatementBegin
CREATE TRIGGER outbox_priority_insert BEFORE INSERT ON outbox
WHEN NEW.priority NOT IN (0, 5, 9, 20)
BEGIN
    SELECT RAISE(ABORT, 'outbox_priority_check: priority must be 0, 5, 9 or 20');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER outbox_priority_update BEFORE UPDATE OF priority ON outbox
WHEN NEW.priority NOT IN (0, 5, 9, 20)
BEGIN
    SELECT RAISE(ABORT, 'outbox_priority_check: priority must be 0, 5, 9 or 20');
END;
-- +goose StatementEnd

DROP INDEX outbox_claim;
CREATE INDEX outbox_due ON outbox
    (priority, coalesce(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END, created_at), id)
    WHERE status IN ('queued', 'sending');
CREATE INDEX outbox_due_essential ON outbox
    (priority, coalesce(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END, created_at), id)
    WHERE status IN ('queued', 'sending') AND essential = 1;

-- +goose Down
DROP INDEX outbox_due_essential;
DROP INDEX outbox_due;
CREATE INDEX outbox_claim ON outbox (priority, id) WHERE status IN ('queued', 'sending');
DROP TRIGGER outbox_priority_update;
DROP TRIGGER outbox_priority_insert;
UPDATE outbox SET priority = 0
WHERE kind IN ('manager_alert', 'escalation_alert') AND status IN ('queued', 'sending');
