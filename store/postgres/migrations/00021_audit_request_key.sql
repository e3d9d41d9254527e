-- The Idempotency-Key of the request that made a change (issue 16). A manual escalation may
-- carry one, so that the same request repeated (a double click, a client that retries after
-- a lost answer) is recognised and answered with the case as it stands instead of
-- escalating it again. Empty for changes made without one.

-- +goose Up
ALTER TABLE case_audit ADD COLUMN request_key TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE case_audit DROP COLUMN request_key;
