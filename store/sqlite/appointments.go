package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// appointmentColumns is the select list scanAppointment reads.
const appointmentColumns = `ref, phone, centre, service, day, start_min, status, created_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanAppointment(row scanner) (crm.Appointment, error) {
	var a crm.Appointment
	var day, created string
	if err := row.Scan(&a.Ref, &a.Phone, &a.Centre, &a.Service, &day, &a.Start, &a.Status, &created); err != nil {
		return crm.Appointment{}, err
	}
	var err error
	if a.Day, err = parseDay(day); err != nil {
		return crm.Appointment{}, err
	}
	if a.CreatedAt, err = parseTimestamp(created); err != nil {
		return crm.Appointment{}, err
	}
	return a, nil
}

// byIdempotencyKey finds the appointment an earlier request with the same key made;
// sql.ErrNoRows when there is none.
func byIdempotencyKey(ctx context.Context, q querier, key string) (crm.Appointment, error) {
	return scanAppointment(q.QueryRowContext(ctx,
		`SELECT `+appointmentColumns+` FROM appointments WHERE idempotency_key = ?`, key))
}

// phoneAppointment reads the phone's appointment inside tx. Another phone's reference is
// crm.ErrNotFound, exactly like an unknown one: a citizen must not learn that someone
// else's reference exists. (No row lock is needed: the transaction is IMMEDIATE and the
// store's one connection runs one transaction at a time.)
func phoneAppointment(ctx context.Context, tx *sql.Tx, phone crm.Phone, ref crm.Reference) (crm.Appointment, error) {
	a, err := scanAppointment(tx.QueryRowContext(ctx,
		`SELECT `+appointmentColumns+` FROM appointments WHERE ref = ? AND phone = ?`, ref, phone))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Appointment{}, crm.ErrNotFound
	}
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("read appointment: %w", err)
	}
	return a, nil
}

// Upcoming lists the phone's booked appointments on or after from, soonest first.
func (s *Store) Upcoming(ctx context.Context, phone crm.Phone, from time.Time) ([]crm.Appointment, error) {
	list, err := collect(ctx, s.db, `SELECT `+appointmentColumns+` FROM appointments
		WHERE phone = ? AND status = 'booked' AND day >= ?
		ORDER BY day, start_min, ref`,
		func(r *sql.Rows, a *crm.Appointment) error {
			var err error
			*a, err = scanAppointment(r)
			return err
		}, phone, formatDay(from))
	if err != nil {
		return nil, fmt.Errorf("sqlite: upcoming appointments: %w", err)
	}
	return list, nil
}
