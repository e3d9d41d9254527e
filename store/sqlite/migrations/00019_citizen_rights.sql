-- The citizen's rights under the Data Protection Act 2019: the same tables and indexes as the
-- Postgres store's (see its 00019_citizen_rights.sql), with timestamps as RFC 3339 text in UTC
-- with microseconds and JSON as text.
--
-- The data protection officer's role widens the CHECK on users.role. SQLite cannot alter a
-- CHECK, and rebuilding users would drop and re-create a table that tokens, cases and calls
-- reference (with foreign keys on, the drop deletes every session token). A CHECK that only
-- admits one more value changes nothing stored, so the table's definition is edited in place,
-- as SQLite's documentation of ALTER TABLE describes for such changes; writable_schema=RESET
-- reloads it, and the CREATE TABLE statements after it bump the schema cookie so every other
-- connection reloads it too.

-- +goose Up
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''integrity_officer'', ''admin'')', '''integrity_officer'', ''admin'', ''dpo'')')
WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;

CREATE TABLE erasures (
    id          INTEGER PRIMARY KEY,
    token       TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    by_id       INTEGER, -- NULL: the command line
    by_username TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    counts      TEXT    NOT NULL DEFAULT '{}' CONSTRAINT erasures_counts_check CHECK (json_valid(counts))
) STRICT;

CREATE TABLE case_views (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL CONSTRAINT case_views_case_fkey REFERENCES cases (id),
    user_id  INTEGER, -- NULL: the command line
    username TEXT    NOT NULL,
    at       TEXT    NOT NULL
) STRICT;
CREATE INDEX case_views_case ON case_views (case_id, at);
CREATE INDEX case_views_user ON case_views (user_id, at);

CREATE INDEX cases_retention ON cases (resolved_at)
    WHERE status IN ('resolved', 'closed') AND substr(phone, 1, 7) <> 'erased:';
CREATE INDEX cases_recording ON cases (created_at) WHERE recording_url <> '';
CREATE INDEX calls_recording ON calls (started_at) WHERE recording_url <> '';
CREATE INDEX outbox_bodies ON outbox (created_at) WHERE params <> '{}';
CREATE INDEX appointments_retention ON appointments (day) WHERE substr(phone, 1, 7) <> 'erased:';

-- +goose Down
DROP INDEX appointments_retention;
DROP INDEX outbox_bodies;
DROP INDEX calls_recording;
DROP INDEX cases_recording;
DROP INDEX cases_retention;
DROP TABLE case_views;
DROP TABLE erasures;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''integrity_officer'', ''admin'', ''dpo'')', '''integrity_officer'', ''admin'')')
WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
