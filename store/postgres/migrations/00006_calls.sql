-- Voice: every phone call through the contact-centre number, and the recorded message a
-- complaint or callback lodged by phone carries.
--
-- A call is one row per Africa's Talking voice session, written by one upsert per callback
-- (see calls.go): callbacks may come repeated, out of order or only the final one, and all
-- give the same row. direction and phone are '' only until a callback names them; a missing
-- case or agent, and the end of a call still up, are NULL.

-- +goose Up
ALTER TABLE cases ADD COLUMN recording_url text NOT NULL DEFAULT '';

CREATE TABLE calls (
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    session_id       text        NOT NULL,
    direction        text        NOT NULL CONSTRAINT calls_direction_check
        CHECK (direction IN ('', 'inbound', 'outbound')),
    phone            text        NOT NULL,
    lang             text        NOT NULL,
    case_id          bigint      CONSTRAINT calls_case_fkey REFERENCES cases (id),
    agent_id         bigint      CONSTRAINT calls_agent_fkey REFERENCES users (id),
    queue            text        NOT NULL,
    outcome          text        NOT NULL CONSTRAINT calls_outcome_check
        CHECK (outcome IN ('menu', 'queued', 'answered', 'callback', 'message', 'complaint', 'abandoned')),
    recording_url    text        NOT NULL,
    duration_seconds integer     NOT NULL CONSTRAINT calls_duration_check CHECK (duration_seconds >= 0),
    cost             text        NOT NULL,
    hangup_cause     text        NOT NULL,
    active           boolean     NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    CONSTRAINT calls_pkey PRIMARY KEY (id),
    CONSTRAINT calls_session_id_key UNIQUE (session_id)
);

-- A case's calls (the case detail), and a phone's calls, newest first (the agents' lookup).
CREATE INDEX calls_case ON calls (case_id, started_at) WHERE case_id IS NOT NULL;
CREATE INDEX calls_phone ON calls (phone, started_at);

-- +goose Down
DROP TABLE calls;
ALTER TABLE cases DROP COLUMN recording_url;
