-- Citizens' SMS are kept only for a while (crm.Desk.ForgetOldInbound, 30 days by default):
-- their text is personal data, and the record is needed only while the aggregator might
-- deliver a message again. The deletes take the oldest first through this index.

-- +goose Up
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);

-- +goose Down
DROP INDEX inbound_messages_received;
