package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// appointmentColumns is the select list scanAppointment reads.
const appointmentColumns = `ref, phone, centre, service, day, start_min, status, created_at`

func scanAppointment(row pgx.Row) (crm.Appointment, error) {
	var a crm.Appointment
	err := row.Scan(&a.Ref, &a.Phone, &a.Centre, &a.Service, &a.Day, &a.Start, &a.Status, &a.CreatedAt)
	a.CreatedAt = a.CreatedAt.UTC() // pgx hands timestamptz back in the local zone
	return a, err
}

// byIdempotencyKey finds the appointment an earlier request with the same key made;
// pgx.ErrNoRows when there is none.
func byIdempotencyKey(ctx context.Context, q querier, key string) (crm.Appointment, error) {
	return scanAppointment(q.QueryRow(ctx,
		`SELECT `+appointmentColumns+` FROM appointments WHERE idempotency_key = $1`, key))
}

// lockAppointment reads the phone's appointment and locks its row until the transaction
// ends, so a concurrent cancel or reschedule of the same appointment waits and then sees
// this one's outcome. Another phone's reference is crm.ErrNotFound, exactly like an unknown
// one: a citizen must not learn that someone else's reference exists.
func lockAppointment(ctx context.Context, tx pgx.Tx, phone crm.Phone, ref crm.Reference) (crm.Appointment, error) {
	a, err := scanAppointment(tx.QueryRow(ctx,
		`SELECT `+appointmentColumns+` FROM appointments WHERE ref = $1 AND phone = $2 FOR UPDATE`, ref, phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Appointment{}, crm.ErrNotFound
	}
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("read appointment: %w", err)
	}
	return a, nil
}

// Upcoming lists the phone's booked appointments on or after from, soonest first.
func (s *Store) Upcoming(ctx context.Context, phone crm.Phone, from time.Time) ([]crm.Appointment, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+appointmentColumns+` FROM appointments
		WHERE phone = $1 AND status = 'booked' AND day >= $2
		ORDER BY day, start_min, ref`, phone, crm.DateOf(from))
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Appointment, error) { return scanAppointment(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: upcoming appointments: %w", err)
	}
	return list, nil
}
