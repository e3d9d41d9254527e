package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// SlotUsage reports the slots of a centre, service and day that have rows, by start time.
func (s *Store) SlotUsage(ctx context.Context, centre, service string, day time.Time) ([]crm.SlotUsage, error) {
	rows, err := s.pool.Query(ctx, `SELECT start_min, booked, capacity FROM slots
		WHERE centre = $1 AND service = $2 AND day = $3 ORDER BY start_min`, centre, service, crm.DateOf(day))
	if err != nil {
		return nil, fmt.Errorf("postgres: slot usage: %w", err)
	}
	defer rows.Close()
	var out []crm.SlotUsage
	for rows.Next() {
		var u crm.SlotUsage
		if err := rows.Scan(&u.Start, &u.Booked, &u.Capacity); err != nil {
			return nil, fmt.Errorf("postgres: slot usage: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: slot usage: %w", err)
	}
	return out, nil
}

// FullSlots lists the slots from one day to another with no place left, through the partial
// index slots_full (migration 00007), which holds only those.
func (s *Store) FullSlots(ctx context.Context, from, to time.Time) ([]crm.SlotKey, error) {
	rows, _ := s.pool.Query(ctx, `SELECT centre, service, day, start_min FROM slots
		WHERE day BETWEEN $1 AND $2 AND booked >= capacity`, crm.DateOf(from), crm.DateOf(to))
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.SlotKey, error) {
		var k crm.SlotKey
		err := r.Scan(&k.Centre, &k.Service, &k.Day, &k.Start)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: full slots: %w", err)
	}
	return out, nil
}

// SetSlotCapacity is the operator's write to a slot: it creates the slot's row, or changes
// its capacity, to open more places than the default or (capacity 0) close the slot. The
// row then wins over the capacity bookings bring. Lowering the capacity below the places
// already booked fails on the slot's CHECK: cancel appointments first.
func (s *Store) SetSlotCapacity(ctx context.Context, centre, service string, day time.Time, start, capacity int) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO slots (centre, service, day, start_min, capacity, booked)
		VALUES ($1, $2, $3, $4, $5, 0)
		ON CONFLICT (centre, service, day, start_min) DO UPDATE SET capacity = EXCLUDED.capacity`,
		centre, service, crm.DateOf(day), start, capacity)
	if err != nil {
		return fmt.Errorf("postgres: set slot capacity: %w", err)
	}
	return nil
}

// reserve takes one place in a slot, creating the slot's row with the given capacity on the
// first booking. The conditional upsert is one statement, so it needs no read first and no
// lock wider than the slot's row: a concurrent booking of the same slot waits on that row
// and then re-checks booked < capacity against the committed count. No row back means the
// slot was full: crm.ErrSlotFull.
//
// A capacity of 0 or less cannot create a row (booked 1 would break the CHECK), so it only
// books into a row the operator wrote; with no row the slot is full.
func reserve(ctx context.Context, tx pgx.Tx, centre, service string, day time.Time, start, capacity int) error {
	var booked int
	var err error
	if capacity > 0 {
		err = tx.QueryRow(ctx, `INSERT INTO slots (centre, service, day, start_min, capacity, booked)
			VALUES ($1, $2, $3, $4, $5, 1)
			ON CONFLICT (centre, service, day, start_min)
			DO UPDATE SET booked = slots.booked + 1 WHERE slots.booked < slots.capacity
			RETURNING booked`, centre, service, day, start, capacity).Scan(&booked)
	} else {
		err = tx.QueryRow(ctx, `UPDATE slots SET booked = booked + 1
			WHERE centre = $1 AND service = $2 AND day = $3 AND start_min = $4 AND booked < capacity
			RETURNING booked`, centre, service, day, start).Scan(&booked)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.ErrSlotFull
	}
	if err != nil {
		return fmt.Errorf("reserve slot: %w", err)
	}
	return nil
}

// release gives a place back. It never takes booked below zero: an operator who reset a
// slot's count must not make a citizen's cancellation fail.
func release(ctx context.Context, tx pgx.Tx, centre, service string, day time.Time, start int) error {
	_, err := tx.Exec(ctx, `UPDATE slots SET booked = booked - 1
		WHERE centre = $1 AND service = $2 AND day = $3 AND start_min = $4 AND booked > 0`,
		centre, service, day, start)
	if err != nil {
		return fmt.Errorf("release slot: %w", err)
	}
	return nil
}
