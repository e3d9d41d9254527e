package sqlite

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// violation names the uniqueness rule an appointments insert or update broke.
type violation int

const (
	notUnique         violation = iota
	refTaken                    // appointments_pkey: the reference is taken
	idempotencyKeyHit           // appointments_idempotency_key_key: the same action booked already
	onePerDay                   // appointments_one_per_day: the phone holds that service that day
	otherUnique                 // any other unique rule
)

// SQLite names the columns, not the index, in a unique violation ("UNIQUE constraint
// failed: appointments.idempotency_key"), and reports a primary key with its own extended
// code. The schema gives each rule on appointments its own column set, so the extended code
// and the column list identify the rule exactly.
const (
	colsIdempotencyKey = "appointments.idempotency_key"
	colsOnePerDay      = "appointments.phone, appointments.service, appointments.day"
)

// uniqueViolation classifies err for a statement on the appointments table.
func uniqueViolation(err error) violation {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return notUnique
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return refTaken
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		msg := e.Error()
		switch {
		case strings.Contains(msg, colsIdempotencyKey):
			return idempotencyKeyHit
		case strings.Contains(msg, colsOnePerDay):
			return onePerDay
		}
		return otherUnique
	}
	return notUnique
}
