package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// Constraint and index names from migrations/00001_schema.sql. A unique violation on the
// appointments table means something different for each, so the store tells them apart by
// name rather than by message text.
const (
	conAppointmentRef = "appointments_pkey"                // the reference is taken
	conIdempotencyKey = "appointments_idempotency_key_key" // the same action booked already
	conOnePerDay      = "appointments_one_per_day"         // the phone holds that service that day
)

// uniqueViolation reports the constraint a unique violation (SQLSTATE 23505) hit.
func uniqueViolation(err error) (constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName, true
	}
	return "", false
}
