-- Saved replies: answers agents send often, kept by name in each language, inserted into a
-- reply and edited before sending. Supervisors keep them.

-- +goose Up
CREATE TABLE saved_replies (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL,
    lang       text        NOT NULL,
    body       text        NOT NULL,
    updated_by text        NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT saved_replies_name_lang UNIQUE (name, lang)
);

-- +goose Down
DROP TABLE saved_replies;
