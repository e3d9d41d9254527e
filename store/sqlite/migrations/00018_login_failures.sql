-- Failed logins, counted per username ("user:<name>") and per client address ("addr:<ip>")
-- (crm.LoginPolicy).

-- +goose Up
CREATE TABLE login_failures (
    key      TEXT    PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_at TEXT    NOT NULL,
    last_at  TEXT    NOT NULL
) STRICT;

-- +goose Down
DROP TABLE login_failures;
