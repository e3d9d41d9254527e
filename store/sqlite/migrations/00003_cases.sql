-- Console users and their session tokens; cases (complaints and callback requests), their
-- notes and audit trail: the same tables as the Postgres store's. Timestamps are RFC 3339
-- text in UTC with microseconds, booleans are 0 or 1. A zero time, a missing assignee and a
-- missing rating are NULL.
--
-- SQLite reports a unique violation by its columns, so each uniqueness rule here has its
-- own column set (see cases.go and users.go).

-- +goose Up
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    username         TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    role             TEXT    NOT NULL CONSTRAINT users_role_check
        CHECK (role IN ('agent', 'supervisor', 'centre_manager', 'integrity_officer', 'admin')),
    phone            TEXT    NOT NULL,
    centre           TEXT    NOT NULL,
    queue            TEXT    NOT NULL,
    -- Languages the user speaks, comma-separated ("en,sw"), matched by assignment.
    langs            TEXT    NOT NULL,
    available        INTEGER NOT NULL CONSTRAINT users_available_check CHECK (available IN (0, 1)),
    password_hash    TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    -- Round-robin order: the available agent assigned longest ago (never first) goes next.
    last_assigned_at TEXT,
    CONSTRAINT users_username_key UNIQUE (username)
) STRICT;

-- Only the hash of a session token is kept, so a copy of the database lets nobody log in.
CREATE TABLE tokens (
    hash    TEXT    NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL CONSTRAINT tokens_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    expires TEXT    NOT NULL
) STRICT;

CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    number            TEXT    NOT NULL,
    kind              TEXT    NOT NULL CONSTRAINT cases_kind_check CHECK (kind IN ('complaint', 'callback')),
    category          TEXT    NOT NULL,
    queue             TEXT    NOT NULL CONSTRAINT cases_queue_check CHECK (queue IN ('general', 'integrity')),
    phone             TEXT    NOT NULL,
    lang              TEXT    NOT NULL,
    centre            TEXT    NOT NULL, -- '' when the case is not about a centre
    service           TEXT    NOT NULL, -- '' when none was chosen
    description       TEXT    NOT NULL,
    callback_from     TEXT,
    callback_to       TEXT,
    callback_asap     INTEGER NOT NULL CONSTRAINT cases_callback_asap_check CHECK (callback_asap IN (0, 1)),
    status            TEXT    NOT NULL CONSTRAINT cases_status_check
        CHECK (status IN ('new', 'assigned', 'in_progress', 'pending_citizen', 'resolved', 'closed')),
    level             INTEGER NOT NULL CONSTRAINT cases_level_check CHECK (level BETWEEN 1 AND 4),
    assignee_id       INTEGER CONSTRAINT cases_assignee_fkey REFERENCES users (id),
    due_at            TEXT,
    resolution_due    TEXT,
    first_response_at TEXT,
    paused_at         TEXT,
    resolved_at       TEXT,
    rating            TEXT    CONSTRAINT cases_rating_check
        CHECK (rating IN ('excellent', 'good', 'acceptable', 'poor')),
    rated_at          TEXT,
    idempotency_key   TEXT,
    version           INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    CONSTRAINT cases_number_key UNIQUE (number),
    CONSTRAINT cases_idempotency_key_key UNIQUE (idempotency_key)
) STRICT;

-- The escalation sweep: only cases whose SLA clock runs are in this index, so the sweep
-- reads the few overdue entries at its front however many cases are open or closed.
-- DueCases repeats this predicate word for word: SQLite uses a partial index only for a
-- query whose WHERE contains the index's terms.
CREATE INDEX cases_due ON cases (due_at)
    WHERE status NOT IN ('resolved', 'closed', 'pending_citizen') AND due_at IS NOT NULL;

-- An agent's open cases, counted against the cap on every assignment, and "my cases".
CREATE INDEX cases_assignee_status ON cases (assignee_id, status);
-- A centre manager's list, a citizen's cases, the lists by status.
CREATE INDEX cases_centre ON cases (centre);
CREATE INDEX cases_phone ON cases (phone);
CREATE INDEX cases_status ON cases (status);
-- The assignment sweep: new cases nobody holds yet, oldest first.
CREATE INDEX cases_new_unassigned ON cases (created_at) WHERE status = 'new' AND assignee_id IS NULL;

-- Notes and audit entries are history: they name their author or actor by ID and username
-- as they were, without a reference a user's later edit could disturb. An ID of 0 (the
-- system, the citizen) is NULL.
CREATE TABLE case_notes (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL CONSTRAINT case_notes_case_fkey REFERENCES cases (id),
    author_id INTEGER,
    author    TEXT    NOT NULL,
    body      TEXT    NOT NULL,
    reply     INTEGER NOT NULL CONSTRAINT case_notes_reply_check CHECK (reply IN (0, 1)),
    at        TEXT    NOT NULL
) STRICT;

CREATE INDEX case_notes_case ON case_notes (case_id, at);

CREATE TABLE case_audit (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL CONSTRAINT case_audit_case_fkey REFERENCES cases (id),
    at         TEXT    NOT NULL,
    actor_id   INTEGER,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    from_value TEXT    NOT NULL,
    to_value   TEXT    NOT NULL,
    detail     TEXT    NOT NULL
) STRICT;

CREATE INDEX case_audit_case ON case_audit (case_id, at);

-- +goose Down
DROP TABLE case_audit;
DROP TABLE case_notes;
DROP TABLE cases;
DROP TABLE tokens;
DROP TABLE users;
