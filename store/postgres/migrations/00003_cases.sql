-- Console users and their session tokens; cases (complaints and callback requests), their
-- notes and audit trail. Constraints carry explicit names because the store tells its
-- errors apart by them (see cases.go and users.go). A zero time, a missing assignee and a
-- missing rating are NULL.

-- +goose Up
CREATE TABLE users (
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    username         text        NOT NULL,
    name             text        NOT NULL,
    role             text        NOT NULL CONSTRAINT users_role_check
        CHECK (role IN ('agent', 'supervisor', 'centre_manager', 'integrity_officer', 'admin')),
    phone            text        NOT NULL,
    centre           text        NOT NULL,
    queue            text        NOT NULL,
    -- Languages the user speaks, comma-separated ("en,sw"), matched by assignment.
    langs            text        NOT NULL,
    available        boolean     NOT NULL,
    password_hash    text        NOT NULL,
    created_at       timestamptz NOT NULL,
    -- Round-robin order: the available agent assigned longest ago (never first) goes next.
    last_assigned_at timestamptz,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_key UNIQUE (username)
);

-- Only the hash of a session token is kept, so a copy of the database lets nobody log in.
CREATE TABLE tokens (
    hash    text        NOT NULL,
    user_id bigint      NOT NULL CONSTRAINT tokens_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    expires timestamptz NOT NULL,
    CONSTRAINT tokens_pkey PRIMARY KEY (hash)
);

CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE cases (
    id                bigint      GENERATED ALWAYS AS IDENTITY,
    number            text        NOT NULL,
    kind              text        NOT NULL CONSTRAINT cases_kind_check CHECK (kind IN ('complaint', 'callback')),
    category          text        NOT NULL,
    queue             text        NOT NULL CONSTRAINT cases_queue_check CHECK (queue IN ('general', 'integrity')),
    phone             text        NOT NULL,
    lang              text        NOT NULL,
    centre            text        NOT NULL, -- '' when the case is not about a centre
    service           text        NOT NULL, -- '' when none was chosen
    description       text        NOT NULL,
    callback_from     timestamptz,
    callback_to       timestamptz,
    callback_asap     boolean     NOT NULL, -- "as soon as possible" rather than a window
    status            text        NOT NULL CONSTRAINT cases_status_check
        CHECK (status IN ('new', 'assigned', 'in_progress', 'pending_citizen', 'resolved', 'closed')),
    level             integer     NOT NULL CONSTRAINT cases_level_check CHECK (level BETWEEN 1 AND 4),
    assignee_id       bigint      CONSTRAINT cases_assignee_fkey REFERENCES users (id),
    due_at            timestamptz,
    resolution_due    timestamptz,
    first_response_at timestamptz,
    paused_at         timestamptz,
    resolved_at       timestamptz,
    rating            text        CONSTRAINT cases_rating_check
        CHECK (rating IN ('excellent', 'good', 'acceptable', 'poor')),
    rated_at          timestamptz,
    idempotency_key   text,
    version           integer     NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT cases_pkey PRIMARY KEY (id),
    CONSTRAINT cases_number_key UNIQUE (number),
    CONSTRAINT cases_idempotency_key_key UNIQUE (idempotency_key)
);

-- The escalation sweep runs every minute in every replica. Only cases whose SLA clock runs
-- are in this index, so the sweep reads the few overdue entries at its front however many
-- cases are open or closed. DueCases repeats this predicate word for word so the planner
-- can prove the index applies.
CREATE INDEX cases_due ON cases (due_at)
    WHERE status NOT IN ('resolved', 'closed', 'pending_citizen') AND due_at IS NOT NULL;

-- An agent's open cases, counted against the cap on every assignment, and "my cases".
CREATE INDEX cases_assignee_status ON cases (assignee_id, status);
-- A centre manager's list, a citizen's cases, the lists by status.
CREATE INDEX cases_centre ON cases (centre);
CREATE INDEX cases_phone ON cases (phone);
CREATE INDEX cases_status ON cases (status);
-- The assignment sweep: new cases nobody holds yet, oldest first.
CREATE INDEX cases_new_unassigned ON cases (created_at, id) WHERE status = 'new' AND assignee_id IS NULL;

-- Notes and audit entries are history: they name their author or actor by ID and username
-- as they were, without a reference a user's later edit could disturb. An ID of 0 (the
-- system, the citizen) is NULL.
CREATE TABLE case_notes (
    id        bigint      GENERATED ALWAYS AS IDENTITY,
    case_id   bigint      NOT NULL CONSTRAINT case_notes_case_fkey REFERENCES cases (id),
    author_id bigint,
    author    text        NOT NULL,
    body      text        NOT NULL,
    reply     boolean     NOT NULL,
    at        timestamptz NOT NULL,
    CONSTRAINT case_notes_pkey PRIMARY KEY (id)
);

CREATE INDEX case_notes_case ON case_notes (case_id, at, id);

CREATE TABLE case_audit (
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    case_id    bigint      NOT NULL CONSTRAINT case_audit_case_fkey REFERENCES cases (id),
    at         timestamptz NOT NULL,
    actor_id   bigint,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    from_value text        NOT NULL,
    to_value   text        NOT NULL,
    detail     text        NOT NULL,
    CONSTRAINT case_audit_pkey PRIMARY KEY (id)
);

CREATE INDEX case_audit_case ON case_audit (case_id, at, id);

-- +goose Down
DROP TABLE case_audit;
DROP TABLE case_notes;
DROP TABLE cases;
DROP TABLE tokens;
DROP TABLE users;
