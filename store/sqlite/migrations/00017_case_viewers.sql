-- Who has a case open: one row per open case page (its event stream), refreshed while the
-- page is open (crm.PresenceStore).

-- +goose Up
CREATE TABLE case_viewers (
    session TEXT    PRIMARY KEY,
    case_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    seen_at TEXT    NOT NULL
) STRICT;
CREATE INDEX case_viewers_case ON case_viewers (case_id, seen_at);
CREATE INDEX case_viewers_seen ON case_viewers (seen_at);

-- +goose Down
DROP TABLE case_viewers;
