-- The first schema, the same tables as the Postgres store's. SQLite has no date type: days
-- are 'YYYY-MM-DD' text (the CHECKs reject anything else, and text compares in date order)
-- and timestamps are RFC 3339 text in UTC with microseconds. Tables are STRICT so a value of
-- the wrong type fails instead of being stored as something else.
--
-- SQLite reports a unique violation by its columns, not its index name, so the appointments
-- table keeps each uniqueness rule on its own column set (see errors.go).

-- +goose Up
CREATE TABLE centres (
    code   TEXT NOT NULL PRIMARY KEY,
    name   TEXT NOT NULL,
    county TEXT NOT NULL,
    town   TEXT NOT NULL
) STRICT;

-- position keeps the published order (national services first, by agency) that menus
-- follow; a service the operator adds without one is listed last.
CREATE TABLE services (
    code        TEXT NOT NULL PRIMARY KEY,
    institution TEXT NOT NULL,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL CONSTRAINT services_scope_check CHECK (scope IN ('national', 'county')),
    short_en    TEXT NOT NULL,
    short_sw    TEXT NOT NULL,
    position    INTEGER
) STRICT;

-- Which centres run a county desk for a county service; national services need no row.
CREATE TABLE offerings (
    centre  TEXT NOT NULL REFERENCES centres (code),
    service TEXT NOT NULL REFERENCES services (code),
    CONSTRAINT offerings_pkey PRIMARY KEY (centre, service)
) STRICT;

-- The operator's table: gazette notices move and add public holidays.
CREATE TABLE holidays (
    day  TEXT NOT NULL PRIMARY KEY CONSTRAINT holidays_day_check CHECK (day IS date(day)),
    name TEXT NOT NULL
) STRICT;

-- A slot row is created by the first booking, with the desk's default capacity, or written
-- ahead by the operator to open more places or (capacity 0) close the slot. booked counts
-- the booked appointments; the CHECK is the last line against overbooking.
CREATE TABLE slots (
    centre    TEXT    NOT NULL,
    service   TEXT    NOT NULL,
    day       TEXT    NOT NULL CONSTRAINT slots_day_check CHECK (day IS date(day)),
    start_min INTEGER NOT NULL CONSTRAINT slots_start_check CHECK (start_min >= 0 AND start_min < 1440),
    capacity  INTEGER NOT NULL CONSTRAINT slots_capacity_check CHECK (capacity >= 0),
    booked    INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT slots_pkey PRIMARY KEY (centre, service, day, start_min),
    CONSTRAINT slots_booked_check CHECK (booked >= 0 AND booked <= capacity)
) STRICT;

CREATE TABLE appointments (
    ref             TEXT    NOT NULL,
    phone           TEXT    NOT NULL,
    centre          TEXT    NOT NULL,
    service         TEXT    NOT NULL,
    day             TEXT    NOT NULL CONSTRAINT appointments_day_check CHECK (day IS date(day)),
    start_min       INTEGER NOT NULL,
    status          TEXT    NOT NULL CONSTRAINT appointments_status_check CHECK (status IN ('booked', 'cancelled')),
    idempotency_key TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    CONSTRAINT appointments_pkey PRIMARY KEY (ref),
    CONSTRAINT appointments_idempotency_key_key UNIQUE (idempotency_key)
) STRICT;

-- One booked appointment per phone, service and day: a citizen holds one place, not many.
-- Cancelled appointments stay as history and do not count.
CREATE UNIQUE INDEX appointments_one_per_day ON appointments (phone, service, day) WHERE status = 'booked';

-- Upcoming: a phone's appointments from a day on.
CREATE INDEX appointments_phone_day ON appointments (phone, day);

CREATE TABLE citizens (
    phone      TEXT NOT NULL PRIMARY KEY,
    lang       TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE citizens;
DROP TABLE appointments;
DROP TABLE slots;
DROP TABLE holidays;
DROP TABLE offerings;
DROP TABLE services;
DROP TABLE centres;
