-- Case search (crm.ParseCaseSearch): an agent finds a citizen's cases by the last digits of
-- their phone ("5678"). A suffix is no prefix of the column, so cases_phone cannot serve it;
-- this index holds every phone's last four digits, and store/sqlite/case_search.go repeats
-- the expression word for word so SQLite can use it. A search by case number uses the
-- unique index on cases.number; a search by words scans (see crm.CaseFilter.Words).

-- +goose Up
CREATE INDEX cases_phone_last4 ON cases (substr(phone, -4));

-- +goose Down
DROP INDEX cases_phone_last4;
