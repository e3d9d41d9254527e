-- The slots with no place left, in an index of their own: every gateway process reads them
-- all each second to offer only free times without a read per booking hop (crm.fullSlots),
-- and there are few of them next to the slots with room.

-- +goose Up
CREATE INDEX slots_full ON slots (day) WHERE booked >= capacity;

-- +goose Down
DROP INDEX slots_full;
