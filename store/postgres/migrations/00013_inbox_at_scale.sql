-- The console's inbox and search at 1,000,000 cases (BenchmarkInboxMillion in crm, figures in
-- docs/PERFORMANCE.md):
--
-- * Every list is ordered by deadline then id ("ORDER BY due_at NULLS LAST, id"), which is
--   this index's own order, so a page of a long list ("any status", "resolved") is read in
--   order and stops after 51 rows instead of sorting a third of the table. It also serves the
--   sweep's "due before now", which the index on due_at alone served before.
-- * Words of a description are found with ILIKE '%word%', which a trigram index can answer
--   (pg_trgm, a trusted extension since PostgreSQL 13: the database's owner may create it).
--   The extension goes in public, database-wide, so the operator class is found by its
--   qualified name whatever the search_path.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX cases_description_trgm ON cases USING gin (description public.gin_trgm_ops);
CREATE INDEX cases_due_order ON cases (due_at, id);
DROP INDEX cases_due;

-- +goose Down
CREATE INDEX cases_due ON cases (due_at);
DROP INDEX cases_due_order;
DROP INDEX cases_description_trgm;
