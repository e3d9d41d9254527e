-- What the SMS channel remembers about citizens' messages and appointment reminders: the
-- same tables as the Postgres store's (see its 00005_reminders.sql), with timestamps as
-- RFC 3339 text in UTC with microseconds.

-- +goose Up
CREATE TABLE inbound_messages (
    id          TEXT NOT NULL,
    phone       TEXT NOT NULL,
    text        TEXT NOT NULL,
    sent_at     TEXT,
    received_at TEXT NOT NULL,
    CONSTRAINT inbound_messages_pkey PRIMARY KEY (id)
) STRICT;

CREATE INDEX inbound_messages_phone ON inbound_messages (phone, received_at);

CREATE TABLE reminders_sent (
    ref       TEXT NOT NULL CONSTRAINT reminders_sent_ref_fkey REFERENCES appointments (ref) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    CONSTRAINT reminders_sent_pkey PRIMARY KEY (ref, kind)
) STRICT;

CREATE INDEX appointments_booked_day ON appointments (day, start_min) WHERE status = 'booked';

-- +goose Down
DROP INDEX appointments_booked_day;
DROP TABLE reminders_sent;
DROP TABLE inbound_messages;
