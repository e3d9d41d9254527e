-- Tracked requests and their history, the agencies that push their statuses, and the outbox
-- every change's notifications are queued in: the same tables as the Postgres store's, with
-- days as 'YYYY-MM-DD' text, timestamps as RFC 3339 text in UTC with microseconds, booleans
-- as 0 or 1 and JSON as text.

-- +goose Up

-- One row per outbound message. The SMS channel sends queued rows, most urgent first, and
-- adds what it needs to track sending (attempts, retries, the aggregator's id) in its own
-- migration. params holds the template arguments as a JSON object. AUTOINCREMENT keeps ids
-- from being reused after the newest row is deleted, so id order is arrival order.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    phone      TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    params     TEXT    NOT NULL DEFAULT '{}' CONSTRAINT outbox_params_check CHECK (json_valid(params)),
    priority   INTEGER NOT NULL,
    essential  INTEGER NOT NULL CONSTRAINT outbox_essential_check CHECK (essential IN (0, 1)),
    subject    TEXT    NOT NULL DEFAULT '',
    status     TEXT    NOT NULL DEFAULT 'queued',
    created_at TEXT    NOT NULL
) STRICT;

-- The sender's queue: queued rows by priority, then in order of arrival. Sent rows leave the
-- index, so it stays as small as the backlog.
CREATE INDEX outbox_queued ON outbox (priority, id) WHERE status = 'queued';

-- A citizen's messages (opt-outs, the agents' view of failures).
CREATE INDEX outbox_phone ON outbox (phone);

-- key_hash is the hex SHA-256 of the agency's API key: the key itself is never stored.
CREATE TABLE agencies (
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT agencies_pkey PRIMARY KEY (code),
    CONSTRAINT agencies_key_hash_key UNIQUE (key_hash)
) STRICT;

-- The services an agency may register requests for.
CREATE TABLE agency_services (
    agency  TEXT NOT NULL REFERENCES agencies (code) ON DELETE CASCADE,
    service TEXT NOT NULL,
    CONSTRAINT agency_services_pkey PRIMARY KEY (agency, service)
) STRICT;

-- A tracked request: its current state, which the latest event set. version counts the
-- changes, so an agency push that read an older state is refused instead of overwriting a
-- newer one. ready is the expected-ready day, NULL when unknown.
CREATE TABLE requests (
    ref        TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    service    TEXT    NOT NULL,
    centre     TEXT    NOT NULL,
    agency     TEXT    NOT NULL,
    status     TEXT    NOT NULL CONSTRAINT requests_status_check CHECK (status IN
        ('received', 'processing', 'needs_action', 'ready_for_collection', 'collected', 'rejected')),
    reason     TEXT    NOT NULL DEFAULT '',
    ready      TEXT    CONSTRAINT requests_ready_check CHECK (ready IS date(ready)),
    version    INTEGER NOT NULL CONSTRAINT requests_version_check CHECK (version >= 1),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    CONSTRAINT requests_pkey PRIMARY KEY (ref)
) STRICT;

-- A citizen's requests ("where is my ID?").
CREATE INDEX requests_phone ON requests (phone);

-- A request's history, oldest first by id. idempotency_key names the agency push that
-- recorded the event: the same push twice records one event. Events without a key are NULL,
-- which the UNIQUE does not compare, so they never collide.
CREATE TABLE request_events (
    id              INTEGER PRIMARY KEY,
    ref             TEXT    NOT NULL REFERENCES requests (ref),
    status          TEXT    NOT NULL CONSTRAINT request_events_status_check CHECK (status IN
        ('received', 'processing', 'needs_action', 'ready_for_collection', 'collected', 'rejected')),
    reason          TEXT    NOT NULL DEFAULT '',
    ready           TEXT    CONSTRAINT request_events_ready_check CHECK (ready IS date(ready)),
    note            TEXT    NOT NULL DEFAULT '',
    by_agency       TEXT    NOT NULL,
    at              TEXT    NOT NULL,
    idempotency_key TEXT,
    CONSTRAINT request_events_idempotency_key UNIQUE (ref, idempotency_key)
) STRICT;

-- +goose Down
DROP TABLE request_events;
DROP TABLE requests;
DROP TABLE agency_services;
DROP TABLE agencies;
DROP TABLE outbox;
