-- What the SMS channel remembers about citizens' messages and appointment reminders: the
-- messages citizens sent us, by the aggregator's id, so one delivered twice is acted on and
-- answered once; and each reminder queued, so that none is queued twice, however many
-- replicas run the scheduler.

-- +goose Up

-- One row per SMS a citizen sent; written in the transaction that queues its replies.
-- sent_at is the aggregator's time (NULL when it gave none we could read).
CREATE TABLE inbound_messages (
    id          text        NOT NULL,
    phone       text        NOT NULL,
    text        text        NOT NULL,
    sent_at     timestamptz,
    received_at timestamptz NOT NULL,
    CONSTRAINT inbound_messages_pkey PRIMARY KEY (id)
);

CREATE INDEX inbound_messages_phone ON inbound_messages (phone, received_at);

-- One row per reminder queued (kind reminder_evening or reminder_morning), written in the
-- transaction that queues its outbox row: the key is what makes a reminder happen once.
CREATE TABLE reminders_sent (
    ref       text        NOT NULL CONSTRAINT reminders_sent_ref_fkey REFERENCES appointments (ref) ON DELETE CASCADE,
    kind      text        NOT NULL,
    queued_at timestamptz NOT NULL,
    CONSTRAINT reminders_sent_pkey PRIMARY KEY (ref, kind)
);

-- The scheduler's scan: a day's booked appointments.
CREATE INDEX appointments_booked_day ON appointments (day, start_min) WHERE status = 'booked';

-- +goose Down
DROP INDEX appointments_booked_day;
DROP TABLE reminders_sent;
DROP TABLE inbound_messages;
