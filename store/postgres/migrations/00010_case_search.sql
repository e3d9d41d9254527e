-- Case search (crm.ParseCaseSearch): an agent finds a citizen's cases by the last digits of
-- their phone ("5678"). A suffix is no prefix of the column, so cases_phone cannot serve it;
-- this index holds every phone's last four digits, and store/postgres/case_search.go repeats
-- the expression word for word so the planner can use it. A search by case number uses the
-- unique index cases_number_key; a search by words scans (see crm.CaseFilter.Words).

-- +goose Up
CREATE INDEX cases_phone_last4 ON cases (right(phone, 4));

-- +goose Down
DROP INDEX cases_phone_last4;
