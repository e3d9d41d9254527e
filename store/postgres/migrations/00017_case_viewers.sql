-- Who has a case open: one row per open case page (its event stream), refreshed while the
-- page is open, so every replica's pages see each other (crm.PresenceStore). Unlogged: the
-- rows are minutes old at most and worthless after a crash, so they need not cost WAL.

-- +goose Up
CREATE UNLOGGED TABLE case_viewers (
    session text        PRIMARY KEY,
    case_id bigint      NOT NULL,
    user_id bigint      NOT NULL,
    seen_at timestamptz NOT NULL
);
CREATE INDEX case_viewers_case ON case_viewers (case_id, seen_at);
CREATE INDEX case_viewers_seen ON case_viewers (seen_at);

-- +goose Down
DROP TABLE case_viewers;
