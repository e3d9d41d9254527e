-- The case feed (crm.Store.WatchCases): every committed insert or update of a case is
-- announced on a channel of this schema, so that every replica's consoles hear changes made
-- through any replica, by any path (a citizen's hop, an agent, the escalation sweep, an
-- operator's SQL). NOTIFY is transactional: listeners hear only what committed, in commit
-- order. The payload carries what deciding who may see the change needs, not the case.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION huduma_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('huduma_cases:' || TG_TABLE_SCHEMA, json_build_object(
		'id', NEW.id, 'version', NEW.version, 'queue', NEW.queue, 'centre', NEW.centre,
		'status', NEW.status, 'assignee', NEW.assignee_id)::text);
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER cases_changed AFTER INSERT OR UPDATE ON cases
	FOR EACH ROW EXECUTE FUNCTION huduma_case_changed();

-- +goose Down
DROP TRIGGER cases_changed ON cases;
DROP FUNCTION huduma_case_changed();
