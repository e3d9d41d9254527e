-- Saved replies: answers agents send often, kept by name in each language, inserted into a
-- reply and edited before sending. Supervisors keep them.

-- +goose Up
CREATE TABLE saved_replies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT saved_replies_name_lang UNIQUE (name, lang)
) STRICT;

-- +goose Down
DROP TABLE saved_replies;
