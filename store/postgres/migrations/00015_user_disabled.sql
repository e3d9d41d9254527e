-- A person who leaves, or whose account is misused, is disabled rather than deleted: their
-- name stays on the cases and audit entries they touched, and they can be enabled again.

-- +goose Up
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE users DROP COLUMN disabled;
