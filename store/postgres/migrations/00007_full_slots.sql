-- The slots with no place left, in an index of their own: every gateway process reads them
-- all each second to offer only free times without a read per booking hop (crm.fullSlots),
-- and there are few of them next to the slots with room. CREATE INDEX (not CONCURRENTLY, which
-- cannot run in a migration's transaction) holds slot writes while it builds: moments on a
-- slots table of this size; on a much larger one, build it by hand first.

-- +goose Up
CREATE INDEX slots_full ON slots (day) WHERE booked >= capacity;

-- +goose Down
DROP INDEX slots_full;
