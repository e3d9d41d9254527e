package crm

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ImportColumns are the columns a bulk request file has (a header row names them; order is
// free; expected_ready, reason and note may be left out). Every row carries its ticket
// number: that is what makes importing a file twice harmless.
var ImportColumns = []string{"ref", "phone", "service", "centre", "status", "expected_ready", "reason", "note"}

// RowError is one bad row of an import file.
type RowError struct {
	Line int
	Err  error
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ImportReport says what an import did.
type ImportReport struct {
	Rows      int // data rows read
	Created   int // new requests
	Updated   int // existing requests given a new status
	Unchanged int // rows already imported (a re-run)
	Bad       []RowError
}

// ImportRequests registers the requests of a CSV file for an agency, row by row: each row is
// its own transaction, so a bad row is reported by its line number and leaves nothing behind
// while the good rows go in. A row for a ticket that exists with another status records the
// status change (and tells the citizen); a row already imported changes nothing, so a file
// can be imported again after fixing its bad rows. progress, when not nil, is called after
// every row.
func (o *Office) ImportRequests(ctx context.Context, ag Agency, r io.Reader, progress func(done, total int)) (ImportReport, error) {
	rd := csv.NewReader(r)
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	records, err := rd.ReadAll()
	if err != nil {
		return ImportReport{}, fmt.Errorf("read CSV: %w", err)
	}
	if len(records) == 0 {
		return ImportReport{}, errors.New("read CSV: the file is empty; the first row must name the columns")
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))] = i
	}
	for _, need := range []string{"ref", "phone", "service", "centre", "status"} {
		if _, ok := col[need]; !ok {
			return ImportReport{}, fmt.Errorf("read CSV: the header has no %q column (columns: %s)", need, strings.Join(ImportColumns, ","))
		}
	}
	rows := records[1:]
	rep := ImportReport{Rows: len(rows)}
	for i, rec := range rows {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		line := i + 2
		field := func(name string) string {
			if j, ok := col[name]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		outcome, err := o.importRow(ctx, ag, field)
		if err != nil {
			if !isRowError(err) {
				return rep, fmt.Errorf("line %d: %w", line, err)
			}
			rep.Bad = append(rep.Bad, RowError{Line: line, Err: err})
		} else {
			switch outcome {
			case "created":
				rep.Created++
			case "updated":
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		if progress != nil {
			progress(i+1, len(rows))
		}
	}
	return rep, nil
}

// isRowError tells a row's fault (reported, the import goes on) from the system's (the
// import stops: the database is down, and every later row would fail the same way).
func isRowError(err error) bool {
	for _, e := range []error{ErrBadInput, ErrNotYourService, ErrReasonRequired, ErrBadTransition, ErrReferenceTaken, ErrBadReference, ErrNotKenyanMobile} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (o *Office) importRow(ctx context.Context, ag Agency, field func(string) string) (string, error) {
	phone, err := ParsePhone(field("phone"))
	if err != nil {
		return "", fmt.Errorf("phone: %w", err)
	}
	in := NewRequest{
		Phone: phone, Service: field("service"), Centre: strings.ToUpper(field("centre")),
		Status: RequestStatus(strings.ToLower(field("status"))), Reason: field("reason"), Note: field("note"),
	}
	s := field("ref")
	if s == "" {
		return "", fmt.Errorf("%w: ref is empty (every row needs its ticket number)", ErrBadInput)
	}
	if in.Ref, err = ParseReference(s); err != nil {
		return "", fmt.Errorf("ref %q: %w (9 digits, the last a check digit)", s, err)
	}
	if s := field("expected_ready"); s != "" {
		if in.Ready, err = time.Parse(time.DateOnly, s); err != nil {
			return "", fmt.Errorf("%w: expected_ready %q is not a date like 2026-12-01", ErrBadInput, s)
		}
	}
	got, created, err := o.RegisterRequest(ctx, ag, in)
	if err != nil {
		return "", err
	}
	if created {
		return "created", nil
	}
	if got.Status == in.Status && (in.Ready.IsZero() || got.Ready.Equal(in.Ready)) {
		return "unchanged", nil
	}
	key := "import:" + string(in.Status) + ":" + in.Ready.Format(time.DateOnly)
	_, added, err := o.PushRequestEvent(ctx, ag, got.Ref, RequestEvent{
		Status: in.Status, Reason: in.Reason, Ready: in.Ready, Note: in.Note, IdempotencyKey: key,
	})
	if err != nil {
		return "", err
	}
	if !added {
		return "unchanged", nil
	}
	return "updated", nil
}
