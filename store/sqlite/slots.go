package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// SlotUsage reports the slots of a centre, service and day that have rows, by start time.
func (s *Store) SlotUsage(ctx context.Context, centre, service string, day time.Time) ([]crm.SlotUsage, error) {
	out, err := collect(ctx, s.db, `SELECT start_min, booked, capacity FROM slots
		WHERE centre = ? AND service = ? AND day = ? ORDER BY start_min`,
		func(r *sql.Rows, u *crm.SlotUsage) error { return r.Scan(&u.Start, &u.Booked, &u.Capacity) },
		centre, service, formatDay(day))
	if err != nil {
		return nil, fmt.Errorf("sqlite: slot usage: %w", err)
	}
	return out, nil
}

// FullSlots lists the slots from one day to another with no place left, through the partial
// index slots_full (migration 00007), which holds only those.
func (s *Store) FullSlots(ctx context.Context, from, to time.Time) ([]crm.SlotKey, error) {
	out, err := collect(ctx, s.db, `SELECT centre, service, day, start_min FROM slots
		WHERE day BETWEEN ? AND ? AND booked >= capacity`,
		func(r *sql.Rows, k *crm.SlotKey) error {
			var day string
			if err := r.Scan(&k.Centre, &k.Service, &day, &k.Start); err != nil {
				return err
			}
			var err error
			k.Day, err = parseDay(day)
			return err
		},
		formatDay(from), formatDay(to))
	if err != nil {
		return nil, fmt.Errorf("sqlite: full slots: %w", err)
	}
	return out, nil
}

// SetSlotCapacity is the operator's write to a slot: it creates the slot's row, or changes
// its capacity, to open more places than the default or (capacity 0) close the slot. The
// row then wins over the capacity bookings bring. Lowering the capacity below the places
// already booked fails on the slot's CHECK: cancel appointments first.
func (s *Store) SetSlotCapacity(ctx context.Context, centre, service string, day time.Time, start, capacity int) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO slots (centre, service, day, start_min, capacity, booked)
		VALUES (?, ?, ?, ?, ?, 0)
		ON CONFLICT (centre, service, day, start_min) DO UPDATE SET capacity = excluded.capacity`,
		centre, service, formatDay(day), start, capacity)
	if err != nil {
		return fmt.Errorf("sqlite: set slot capacity: %w", err)
	}
	return nil
}

// reserve takes one place in a slot, creating the slot's row with the given capacity on the
// first booking: one conditional upsert, the same statement as the Postgres store's. No row
// back means the slot was full: crm.ErrSlotFull.
//
// A capacity of 0 or less cannot create a row (booked 1 would break the CHECK), so it only
// books into a row the operator wrote; with no row the slot is full.
func reserve(ctx context.Context, tx *sql.Tx, centre, service, day string, start, capacity int) error {
	var booked int
	var err error
	if capacity > 0 {
		err = tx.QueryRowContext(ctx, `INSERT INTO slots (centre, service, day, start_min, capacity, booked)
			VALUES (?, ?, ?, ?, ?, 1)
			ON CONFLICT (centre, service, day, start_min)
			DO UPDATE SET booked = slots.booked + 1 WHERE slots.booked < slots.capacity
			RETURNING booked`, centre, service, day, start, capacity).Scan(&booked)
	} else {
		err = tx.QueryRowContext(ctx, `UPDATE slots SET booked = booked + 1
			WHERE centre = ? AND service = ? AND day = ? AND start_min = ? AND booked < capacity
			RETURNING booked`, centre, service, day, start).Scan(&booked)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return crm.ErrSlotFull
	}
	if err != nil {
		return fmt.Errorf("reserve slot: %w", err)
	}
	return nil
}

// release gives a place back. It never takes booked below zero: an operator who reset a
// slot's count must not make a citizen's cancellation fail.
func release(ctx context.Context, tx *sql.Tx, centre, service, day string, start int) error {
	_, err := tx.ExecContext(ctx, `UPDATE slots SET booked = booked - 1
		WHERE centre = ? AND service = ? AND day = ? AND start_min = ? AND booked > 0`,
		centre, service, day, start)
	if err != nil {
		return fmt.Errorf("release slot: %w", err)
	}
	return nil
}
