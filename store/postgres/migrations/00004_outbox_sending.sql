-- What the SMS channel needs to send the outbox durably: claims under a lease, attempts and
-- back-off, Africa's Talking's message id (the key of its delivery reports), what a message
-- cost, why it failed, and the latest delivery report. Also the phones that texted STOP.
--
-- A row's life: queued → sending (claimed by a worker until lease_until) → sent, failed or
-- suppressed; a retry puts it back to queued with next_attempt_at in the future. A worker that
-- dies holding a row leaves it 'sending' with a lease that runs out, and the next claim takes
-- it again. claims counts the claims ever taken: it is the claim's token, so a worker whose
-- lease ran out cannot settle a row another worker has claimed since.

-- +goose Up
ALTER TABLE outbox
    -- Sends tried. A claim counts one; a claim given back unsent (bad credentials) does not.
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
    -- Claims ever taken, never decremented: the token a worker settles its claim with.
    ADD COLUMN claims          bigint      NOT NULL DEFAULT 0,
    -- When a queued row may next be sent; NULL means at once (a new row).
    ADD COLUMN next_attempt_at timestamptz,
    -- When a 'sending' row's claim runs out and another worker may take it.
    ADD COLUMN lease_until     timestamptz,
    ADD COLUMN at_message_id   text,
    ADD COLUMN cost            text        NOT NULL DEFAULT '',
    -- Why the row failed or was suppressed, the last retry's reason while it waits, or the
    -- failure a delivery report gave.
    ADD COLUMN failure_reason  text        NOT NULL DEFAULT '',
    -- The latest delivery report's status (Success, Failed, Buffered, ...); '' before any.
    ADD COLUMN delivery_status text        NOT NULL DEFAULT '',
    ADD COLUMN sent_at         timestamptz,
    ADD COLUMN delivered_at    timestamptz,
    ADD COLUMN updated_at      timestamptz;

-- The claim's scan: rows a worker may take, most urgent first, then in order of arrival.
-- Settled rows leave the index, so it stays as small as the backlog.
DROP INDEX outbox_queued;
CREATE INDEX outbox_claim ON outbox (priority, id) WHERE status IN ('queued', 'sending');

-- Delivery reports name the message by Africa's Talking's id. Not unique: a duplicate id
-- from the aggregator must not stop a worker recording a send it has made.
CREATE INDEX outbox_at_message_id ON outbox (at_message_id) WHERE at_message_id IS NOT NULL;

-- The depth gauge counts failed rows without reading the sent ones.
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

-- Phones that texted STOP: non-essential messages to them are not sent. Written by the
-- inbound SMS keywords, read by the outbox worker's claim.
CREATE TABLE opt_outs (
    phone text        NOT NULL,
    at    timestamptz NOT NULL,
    CONSTRAINT opt_outs_pkey PRIMARY KEY (phone)
);

-- A delivery report that overtook the worker: it names a message id no row carries yet
-- (the worker has not committed MarkSent). It waits here and MarkSent adopts it; a report
-- for an id we never sent is dropped after a week.
CREATE TABLE delivery_reports (
    at_message_id  text        NOT NULL,
    status         text        NOT NULL,
    failure_reason text        NOT NULL DEFAULT '',
    received_at    timestamptz NOT NULL,
    CONSTRAINT delivery_reports_pkey PRIMARY KEY (at_message_id)
);
CREATE INDEX delivery_reports_received_at ON delivery_reports (received_at);

-- +goose Down
DROP TABLE delivery_reports;
DROP TABLE opt_outs;
DROP INDEX outbox_failed;
DROP INDEX outbox_at_message_id;
DROP INDEX outbox_claim;
CREATE INDEX outbox_queued ON outbox (priority, id) WHERE status = 'queued';
ALTER TABLE outbox
    DROP COLUMN updated_at,
    DROP COLUMN delivered_at,
    DROP COLUMN sent_at,
    DROP COLUMN delivery_status,
    DROP COLUMN failure_reason,
    DROP COLUMN cost,
    DROP COLUMN at_message_id,
    DROP COLUMN lease_until,
    DROP COLUMN next_attempt_at,
    DROP COLUMN claims,
    DROP COLUMN attempts;
