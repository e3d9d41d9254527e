-- Tracked requests and their history, the agencies that push their statuses, and the outbox
-- every change's notifications are queued in, in the change's own transaction. Constraint
-- names are explicit because the store tells its errors apart by them (see errors.go).

-- +goose Up

-- One row per outbound message. The SMS channel sends queued rows, most urgent first, and
-- adds what it needs to track sending (attempts, retries, the aggregator's id) in its own
-- migration. params holds the template arguments as a JSON object.
CREATE TABLE outbox (
    id         bigserial   PRIMARY KEY,
    phone      text        NOT NULL,
    lang       text        NOT NULL,
    kind       text        NOT NULL,
    params     jsonb       NOT NULL DEFAULT '{}',
    priority   integer     NOT NULL,
    essential  boolean     NOT NULL,
    subject    text        NOT NULL DEFAULT '',
    status     text        NOT NULL DEFAULT 'queued',
    created_at timestamptz NOT NULL
);

-- The sender's queue: queued rows by priority, then in order of arrival. Sent rows leave the
-- index, so it stays as small as the backlog.
CREATE INDEX outbox_queued ON outbox (priority, id) WHERE status = 'queued';

-- A citizen's messages (opt-outs, the agents' view of failures).
CREATE INDEX outbox_phone ON outbox (phone);

-- key_hash is the hex SHA-256 of the agency's API key: the key itself is never stored.
CREATE TABLE agencies (
    code       text        NOT NULL,
    name       text        NOT NULL,
    key_hash   text        NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT agencies_pkey PRIMARY KEY (code),
    CONSTRAINT agencies_key_hash_key UNIQUE (key_hash)
);

-- The services an agency may register requests for.
CREATE TABLE agency_services (
    agency  text NOT NULL REFERENCES agencies (code) ON DELETE CASCADE,
    service text NOT NULL,
    CONSTRAINT agency_services_pkey PRIMARY KEY (agency, service)
);

-- A tracked request: its current state, which the latest event set. version counts the
-- changes, so an agency push that read an older state is refused instead of overwriting a
-- newer one. ready is the expected-ready civil date, NULL when unknown.
CREATE TABLE requests (
    ref        text        NOT NULL,
    phone      text        NOT NULL,
    service    text        NOT NULL,
    centre     text        NOT NULL,
    agency     text        NOT NULL,
    status     text        NOT NULL CONSTRAINT requests_status_check CHECK (status IN
        ('received', 'processing', 'needs_action', 'ready_for_collection', 'collected', 'rejected')),
    reason     text        NOT NULL DEFAULT '',
    ready      date,
    version    integer     NOT NULL CONSTRAINT requests_version_check CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT requests_pkey PRIMARY KEY (ref)
);

-- A citizen's requests ("where is my ID?").
CREATE INDEX requests_phone ON requests (phone);

-- A request's history, oldest first by id. idempotency_key names the agency push that
-- recorded the event: the same push twice records one event. Events without a key are NULL,
-- which the UNIQUE does not compare, so they never collide.
CREATE TABLE request_events (
    id              bigserial   PRIMARY KEY,
    ref             text        NOT NULL REFERENCES requests (ref),
    status          text        NOT NULL CONSTRAINT request_events_status_check CHECK (status IN
        ('received', 'processing', 'needs_action', 'ready_for_collection', 'collected', 'rejected')),
    reason          text        NOT NULL DEFAULT '',
    ready           date,
    note            text        NOT NULL DEFAULT '',
    by_agency       text        NOT NULL,
    at              timestamptz NOT NULL,
    idempotency_key text,
    CONSTRAINT request_events_idempotency_key UNIQUE (ref, idempotency_key)
);

-- +goose Down
DROP TABLE request_events;
DROP TABLE requests;
DROP TABLE agency_services;
DROP TABLE agencies;
DROP TABLE outbox;
