-- Voice: every phone call through the contact-centre number, and the recorded message a
-- complaint or callback lodged by phone carries: the same tables as the Postgres store's.
-- Timestamps are RFC 3339 text in UTC with microseconds (they compare as text in time
-- order), booleans are 0 or 1.
--
-- A call is one row per Africa's Talking voice session, written by one upsert per callback
-- (see calls.go): callbacks may come repeated, out of order or only the final one, and all
-- give the same row. direction and phone are '' only until a callback names them; a missing
-- case or agent, and the end of a call still up, are NULL.

-- +goose Up
ALTER TABLE cases ADD COLUMN recording_url TEXT NOT NULL DEFAULT '';

CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    session_id       TEXT    NOT NULL,
    direction        TEXT    NOT NULL CONSTRAINT calls_direction_check
        CHECK (direction IN ('', 'inbound', 'outbound')),
    phone            TEXT    NOT NULL,
    lang             TEXT    NOT NULL,
    case_id          INTEGER CONSTRAINT calls_case_fkey REFERENCES cases (id),
    agent_id         INTEGER CONSTRAINT calls_agent_fkey REFERENCES users (id),
    queue            TEXT    NOT NULL,
    outcome          TEXT    NOT NULL CONSTRAINT calls_outcome_check
        CHECK (outcome IN ('menu', 'queued', 'answered', 'callback', 'message', 'complaint', 'abandoned')),
    recording_url    TEXT    NOT NULL,
    duration_seconds INTEGER NOT NULL CONSTRAINT calls_duration_check CHECK (duration_seconds >= 0),
    cost             TEXT    NOT NULL,
    hangup_cause     TEXT    NOT NULL,
    active           INTEGER NOT NULL CONSTRAINT calls_active_check CHECK (active IN (0, 1)),
    started_at       TEXT    NOT NULL,
    ended_at         TEXT,
    CONSTRAINT calls_session_id_key UNIQUE (session_id)
) STRICT;

-- A case's calls (the case detail), and a phone's calls, newest first (the agents' lookup).
CREATE INDEX calls_case ON calls (case_id, started_at) WHERE case_id IS NOT NULL;
CREATE INDEX calls_phone ON calls (phone, started_at);

-- +goose Down
DROP TABLE calls;
ALTER TABLE cases DROP COLUMN recording_url;
