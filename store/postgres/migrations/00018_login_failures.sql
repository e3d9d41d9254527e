-- Failed logins, counted per username ("user:<name>") and per client address ("addr:<ip>"),
-- so every replica slows and locks password guessing alike (crm.LoginPolicy).

-- +goose Up
CREATE TABLE login_failures (
    key      text        PRIMARY KEY,
    failures integer     NOT NULL,
    first_at timestamptz NOT NULL,
    last_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE login_failures;
