-- Console sessions end after a time without use (crm.Office.AuthenticateIdle), on whichever
-- replica the person's next request reaches: when a login token was last used is kept with
-- it. NULL (tokens made before this migration) is treated as used at the moment it is next
-- presented.

-- +goose Up
ALTER TABLE tokens ADD COLUMN last_seen timestamptz;

-- +goose Down
ALTER TABLE tokens DROP COLUMN last_seen;
