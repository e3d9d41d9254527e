-- The sweep assigns waiting cases queue by queue and language by language, oldest first
-- (crm.Office.assignWaiting): the index of new cases nobody holds leads with their kind.

-- +goose Up
DROP INDEX cases_new_unassigned;
CREATE INDEX cases_new_unassigned ON cases (queue, lang, created_at, id) WHERE status = 'new' AND assignee_id IS NULL;

-- +goose Down
DROP INDEX cases_new_unassigned;
CREATE INDEX cases_new_unassigned ON cases (created_at) WHERE status = 'new' AND assignee_id IS NULL;
