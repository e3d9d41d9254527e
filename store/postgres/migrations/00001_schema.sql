-- The first schema: reference data the operator edits, the slots booking counts places in,
-- appointments, and what we remember per citizen. Constraints and indexes carry explicit
-- names because the store tells its errors apart by them (see errors.go).

-- +goose Up
CREATE TABLE centres (
    code   text PRIMARY KEY,
    name   text NOT NULL,
    county text NOT NULL,
    town   text NOT NULL
);

-- position keeps the published order (national services first, by agency) that menus
-- follow; a service the operator adds without one is listed last.
CREATE TABLE services (
    code        text PRIMARY KEY,
    institution text NOT NULL,
    name        text NOT NULL,
    scope       text NOT NULL CONSTRAINT services_scope_check CHECK (scope IN ('national', 'county')),
    short_en    text NOT NULL,
    short_sw    text NOT NULL,
    position    integer
);

-- Which centres run a county desk for a county service; national services need no row.
CREATE TABLE offerings (
    centre  text NOT NULL REFERENCES centres (code),
    service text NOT NULL REFERENCES services (code),
    CONSTRAINT offerings_pkey PRIMARY KEY (centre, service)
);

-- The operator's table: gazette notices move and add public holidays.
CREATE TABLE holidays (
    day  date PRIMARY KEY,
    name text NOT NULL
);

-- A slot row is created by the first booking, with the desk's default capacity, or written
-- ahead by the operator to open more places or (capacity 0) close the slot. booked counts
-- the booked appointments; the CHECK is the last line against overbooking.
CREATE TABLE slots (
    centre    text    NOT NULL,
    service   text    NOT NULL,
    day       date    NOT NULL,
    start_min integer NOT NULL CONSTRAINT slots_start_check CHECK (start_min >= 0 AND start_min < 1440),
    capacity  integer NOT NULL CONSTRAINT slots_capacity_check CHECK (capacity >= 0),
    booked    integer NOT NULL DEFAULT 0,
    CONSTRAINT slots_pkey PRIMARY KEY (centre, service, day, start_min),
    CONSTRAINT slots_booked_check CHECK (booked >= 0 AND booked <= capacity)
);

CREATE TABLE appointments (
    ref             text        NOT NULL,
    phone           text        NOT NULL,
    centre          text        NOT NULL,
    service         text        NOT NULL,
    day             date        NOT NULL,
    start_min       integer     NOT NULL,
    status          text        NOT NULL CONSTRAINT appointments_status_check CHECK (status IN ('booked', 'cancelled')),
    idempotency_key text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT appointments_pkey PRIMARY KEY (ref),
    CONSTRAINT appointments_idempotency_key_key UNIQUE (idempotency_key)
);

-- One booked appointment per phone, service and day: a citizen holds one place, not many.
-- Cancelled appointments stay as history and do not count.
CREATE UNIQUE INDEX appointments_one_per_day ON appointments (phone, service, day) WHERE status = 'booked';

-- Upcoming: a phone's appointments from a day on.
CREATE INDEX appointments_phone_day ON appointments (phone, day);

CREATE TABLE citizens (
    phone      text        PRIMARY KEY,
    lang       text        NOT NULL,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE citizens;
DROP TABLE appointments;
DROP TABLE slots;
DROP TABLE holidays;
DROP TABLE offerings;
DROP TABLE services;
DROP TABLE centres;
