-- What the SMS channel needs to send the outbox durably: the same columns as the Postgres
-- store's (see its 00004_outbox_sending.sql for what each means), with timestamps as RFC 3339
-- text in UTC with microseconds, which compare in time order as text.
--
-- A row's life: queued → sending (claimed by a worker until lease_until) → sent, failed or
-- suppressed; a retry puts it back to queued with next_attempt_at in the future. claims counts
-- the claims ever taken and is the token a worker settles its claim with.

-- +goose Up
ALTER TABLE outbox ADD COLUMN attempts        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claims          INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN lease_until     TEXT;
ALTER TABLE outbox ADD COLUMN at_message_id   TEXT;
ALTER TABLE outbox ADD COLUMN cost            TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN failure_reason  TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivery_status TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sent_at         TEXT;
ALTER TABLE outbox ADD COLUMN delivered_at    TEXT;
ALTER TABLE outbox ADD COLUMN updated_at      TEXT;

-- The claim's scan: rows a worker may take, most urgent first, then in order of arrival.
DROP INDEX outbox_queued;
CREATE INDEX outbox_claim ON outbox (priority, id) WHERE status IN ('queued', 'sending');

-- Delivery reports name the message by Africa's Talking's id (not unique, as in Postgres).
CREATE INDEX outbox_at_message_id ON outbox (at_message_id) WHERE at_message_id IS NOT NULL;

-- The depth gauge counts failed rows without reading the sent ones.
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

-- Phones that texted STOP: non-essential messages to them are not sent.
CREATE TABLE opt_outs (
    phone TEXT NOT NULL,
    at    TEXT NOT NULL,
    CONSTRAINT opt_outs_pkey PRIMARY KEY (phone)
) STRICT;

-- A delivery report that overtook the worker, until MarkSent adopts it (see the Postgres
-- migration).
CREATE TABLE delivery_reports (
    at_message_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    failure_reason TEXT NOT NULL DEFAULT '',
    received_at    TEXT NOT NULL,
    CONSTRAINT delivery_reports_pkey PRIMARY KEY (at_message_id)
) STRICT;
CREATE INDEX delivery_reports_received_at ON delivery_reports (received_at);

-- +goose Down
DROP TABLE delivery_reports;
DROP TABLE opt_outs;
DROP INDEX outbox_failed;
DROP INDEX outbox_at_message_id;
DROP INDEX outbox_claim;
CREATE INDEX outbox_queued ON outbox (priority, id) WHERE status = 'queued';
ALTER TABLE outbox DROP COLUMN updated_at;
ALTER TABLE outbox DROP COLUMN delivered_at;
ALTER TABLE outbox DROP COLUMN sent_at;
ALTER TABLE outbox DROP COLUMN delivery_status;
ALTER TABLE outbox DROP COLUMN failure_reason;
ALTER TABLE outbox DROP COLUMN cost;
ALTER TABLE outbox DROP COLUMN at_message_id;
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN next_attempt_at;
ALTER TABLE outbox DROP COLUMN claims;
ALTER TABLE outbox DROP COLUMN attempts;
