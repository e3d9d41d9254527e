-- The citizen's rights under the Data Protection Act 2019 (crm/rights.go, retention.go,
-- views.go): the data protection officer's role, the record of every erasure, the record of
-- every reading of a case, and the indexes the retention schedule's batches read.
--
-- A phone column whose value begins with 'erased:' holds nobody's number (crm.ErasedPrefix):
-- an erasure's random token, or the retention schedule's marker. The retention indexes below
-- hold only the rows still to do, so each batch reads the front of its index however many
-- rows were anonymised before; the stores repeat their predicates word for word so the
-- planner can prove they apply.

-- +goose Up
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('agent', 'supervisor', 'centre_manager', 'integrity_officer', 'admin', 'dpo'));

-- Who erased a phone's data, when and why, and how many rows of each table changed. Neither
-- the phone nor anything of the citizen's is kept: only the token their data became.
CREATE TABLE erasures (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    token       text        NOT NULL,
    at          timestamptz NOT NULL,
    by_id       bigint,     -- NULL: the command line
    by_username text        NOT NULL,
    reason      text        NOT NULL,
    counts      jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT erasures_pkey PRIMARY KEY (id)
);

-- Every reading of a case's personal data (crm.Office.CaseDetail, a citizen's copy), for the
-- data protection officer: who read a case, and what a person read. One insert per case page.
CREATE TABLE case_views (
    id       bigint      GENERATED ALWAYS AS IDENTITY,
    case_id  bigint      NOT NULL CONSTRAINT case_views_case_fkey REFERENCES cases (id),
    user_id  bigint,     -- NULL: the command line
    username text        NOT NULL,
    at       timestamptz NOT NULL,
    CONSTRAINT case_views_pkey PRIMARY KEY (id)
);
CREATE INDEX case_views_case ON case_views (case_id, at);
CREATE INDEX case_views_user ON case_views (user_id, at);

-- The retention schedule's batches: closed cases not yet anonymised by resolution time,
-- recording links by age, settled messages' bodies by age, appointments' phones by day.
CREATE INDEX cases_retention ON cases (resolved_at)
    WHERE status IN ('resolved', 'closed') AND substr(phone, 1, 7) <> 'erased:';
CREATE INDEX cases_recording ON cases (created_at) WHERE recording_url <> '';
CREATE INDEX calls_recording ON calls (started_at) WHERE recording_url <> '';
CREATE INDEX outbox_bodies ON outbox (created_at) WHERE params <> '{}'::jsonb;
CREATE INDEX appointments_retention ON appointments (day) WHERE substr(phone, 1, 7) <> 'erased:';

-- +goose Down
DROP INDEX appointments_retention;
DROP INDEX outbox_bodies;
DROP INDEX calls_recording;
DROP INDEX cases_recording;
DROP INDEX cases_retention;
DROP TABLE case_views;
DROP TABLE erasures;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('agent', 'supervisor', 'centre_manager', 'integrity_officer', 'admin'));
