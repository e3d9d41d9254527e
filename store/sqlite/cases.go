package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/huduma-connect/huduma/crm"
)

// The column lists SQLite names in a unique violation of the case tables (see
// migrations/00003_cases.sql): each rule has its own.
const (
	colsCaseNumber         = "cases.number"
	colsCaseIdempotencyKey = "cases.idempotency_key"
)

// openStatuses are the statuses whose cases count against an agent's cap, as SQL.
const openStatuses = `('new', 'assigned', 'in_progress', 'pending_citizen')`

// caseColumns is the select list scanCase reads.
const caseColumns = `id, number, kind, category, queue, phone, lang, centre, service, description,
	callback_from, callback_to, callback_asap, status, level, assignee_id, due_at, resolution_due,
	first_response_at, paused_at, resolved_at, rating, rated_at, idempotency_key, version,
	created_at, updated_at, recording_url`

func scanCase(row scanner) (crm.Case, error) {
	var (
		c                                                  crm.Case
		from, to, due, resDue, first, paused, resolved, at sql.NullString
		rating, key                                        sql.NullString
		assignee                                           sql.NullInt64
		created, updated                                   string
	)
	if err := row.Scan(&c.ID, &c.Number, &c.Kind, &c.Category, &c.Queue, &c.Phone, &c.Lang,
		&c.Centre, &c.Service, &c.Description, &from, &to, &c.Callback.ASAP, &c.Status, &c.Level,
		&assignee, &due, &resDue, &first, &paused, &resolved, &rating, &at, &key, &c.Version,
		&created, &updated, &c.RecordingURL); err != nil {
		return crm.Case{}, err
	}
	for _, f := range []struct {
		stored sql.NullString
		into   *time.Time
	}{
		{from, &c.Callback.From}, {to, &c.Callback.To}, {due, &c.DueAt}, {resDue, &c.ResolutionDue},
		{first, &c.FirstResponseAt}, {paused, &c.PausedAt}, {resolved, &c.ResolvedAt}, {at, &c.RatedAt},
	} {
		t, err := parseNullStamp(f.stored)
		if err != nil {
			return crm.Case{}, fmt.Errorf("case %d: %w", c.ID, err)
		}
		*f.into = t
	}
	var err error
	if c.CreatedAt, err = parseTimestamp(created); err != nil {
		return crm.Case{}, fmt.Errorf("case %d: %w", c.ID, err)
	}
	if c.UpdatedAt, err = parseTimestamp(updated); err != nil {
		return crm.Case{}, fmt.Errorf("case %d: %w", c.ID, err)
	}
	c.AssigneeID = assignee.Int64
	c.Rating, c.IdempotencyKey = crm.Rating(rating.String), key.String
	return c, nil
}

func scanCaseRow(r *sql.Rows, c *crm.Case) error {
	var err error
	*c, err = scanCase(r)
	return err
}

// The nullable columns: a zero time, ID or text is NULL, and NULL reads back as zero.

func nullStamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTimestamp(t)
}

func parseNullStamp(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTimestamp(s.String)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// uniqueColumns reports the columns a unique violation names ("cases.number"); SQLite
// names the columns of a rule, not the rule.
func uniqueColumns(err error) (string, bool) {
	var e *sqlite.Error
	if !errors.As(err, &e) || e.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return "", false
	}
	_, cols, _ := strings.Cut(e.Error(), "UNIQUE constraint failed: ")
	cols, _, _ = strings.Cut(cols, " (")
	return cols, true
}

// CreateCase stores a new case with its first audit entry and its notifications in one
// transaction. SQLite gives the case its ID; it starts at version 1.
//
// A repeated idempotency key returns the case that key made and writes nothing.
// Transactions here never overlap (see Store), so the look-up always sees an earlier
// request's committed case; the check after a unique violation only backs it up.
func (s *Store) CreateCase(ctx context.Context, c crm.Case, a crm.AuditEntry, n []crm.Notification) (crm.Case, bool, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Case{}, false, fmt.Errorf("sqlite: create case: %w", err)
	}
	defer rollback(tx)

	if c.IdempotencyKey != "" {
		prev, err := caseByKey(ctx, tx, c.IdempotencyKey)
		if err == nil {
			return prev, false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return crm.Case{}, false, fmt.Errorf("sqlite: create case: look up idempotency key: %w", err)
		}
	}
	got, err := scanCase(tx.QueryRowContext(ctx, `INSERT INTO cases
		(number, kind, category, queue, phone, lang, centre, service, description,
		 callback_from, callback_to, callback_asap, status, level, assignee_id, due_at,
		 resolution_due, first_response_at, paused_at, resolved_at, rating, rated_at,
		 idempotency_key, version, created_at, updated_at, recording_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
		RETURNING `+caseColumns,
		c.Number, c.Kind, c.Category, c.Queue, c.Phone, c.Lang, c.Centre, c.Service, c.Description,
		nullStamp(c.Callback.From), nullStamp(c.Callback.To), c.Callback.ASAP, c.Status,
		int(c.Level), nullID(c.AssigneeID), nullStamp(c.DueAt), nullStamp(c.ResolutionDue),
		nullStamp(c.FirstResponseAt), nullStamp(c.PausedAt), nullStamp(c.ResolvedAt),
		nullText(string(c.Rating)), nullStamp(c.RatedAt), nullText(c.IdempotencyKey),
		formatTimestamp(c.CreatedAt), formatTimestamp(c.UpdatedAt), c.RecordingURL))
	if err != nil {
		return s.createCaseConflict(ctx, tx, c.IdempotencyKey, err)
	}
	if err := insertAudit(ctx, tx, got.ID, got.CreatedAt, []crm.AuditEntry{a}); err != nil {
		return crm.Case{}, false, fmt.Errorf("sqlite: create case: %w", err)
	}
	if err := insertNotifications(ctx, tx, got.CreatedAt, n); err != nil {
		return crm.Case{}, false, fmt.Errorf("sqlite: create case: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Case{}, false, fmt.Errorf("sqlite: create case: commit: %w", err)
	}
	s.announce(got)
	return got, true, nil
}

// createCaseConflict turns a failed case insert into CreateCase's answer. It rolls back
// first, freeing the store's one connection, before any look-up on s.db.
func (s *Store) createCaseConflict(ctx context.Context, tx *sql.Tx, key string, err error) (crm.Case, bool, error) {
	cols, unique := uniqueColumns(err)
	if !unique {
		return crm.Case{}, false, fmt.Errorf("sqlite: create case: %w", err)
	}
	rollback(tx)
	if key != "" {
		prev, kerr := caseByKey(ctx, s.db, key)
		if kerr == nil {
			return prev, false, nil
		}
		if !errors.Is(kerr, sql.ErrNoRows) {
			return crm.Case{}, false, fmt.Errorf("sqlite: create case: look up idempotency key: %w", kerr)
		}
	}
	if cols == colsCaseNumber {
		return crm.Case{}, false, fmt.Errorf("sqlite: create case: %w", crm.ErrReferenceTaken)
	}
	return crm.Case{}, false, fmt.Errorf("sqlite: create case: %w", err)
}

// caseByKey finds the case an earlier request with the same idempotency key made;
// sql.ErrNoRows when there is none.
func caseByKey(ctx context.Context, q querier, key string) (crm.Case, error) {
	return scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE idempotency_key = ?`, key))
}

// Case reads a case by its ID.
func (s *Store) Case(ctx context.Context, id int64) (crm.Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Case{}, fmt.Errorf("sqlite: case %d: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: case %d: %w", id, err)
	}
	return c, nil
}

// CaseByNumber reads a case by the number the citizen was given.
func (s *Store) CaseByNumber(ctx context.Context, number crm.Reference) (crm.Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Case{}, fmt.Errorf("sqlite: case by number: %w", crm.ErrNotFound)
	}
	if err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: case by number: %w", err)
	}
	return c, nil
}

// Cases lists the cases the filter selects, soonest deadline first (cases without one
// last), then by ID; 100 unless the filter sets a limit.
func (s *Store) Cases(ctx context.Context, f crm.CaseFilter) ([]crm.Case, error) {
	var (
		conds []string
		args  []any
	)
	where := func(cond string, arg ...any) {
		conds = append(conds, cond)
		args = append(args, arg...)
	}
	if len(f.Status) > 0 {
		marks := strings.Repeat(", ?", len(f.Status))[2:]
		statuses := make([]any, len(f.Status))
		for i, st := range f.Status {
			statuses[i] = string(st)
		}
		where("status IN ("+marks+")", statuses...)
	}
	if f.Centre != "" {
		where("centre = ?", f.Centre)
	}
	if f.Category != "" {
		where("category = ?", string(f.Category))
	}
	if f.Level != 0 {
		where("level = ?", int(f.Level))
	}
	if f.MinLevel != 0 {
		where("level >= ?", int(f.MinLevel))
	}
	if f.Queue != "" {
		where("queue = ?", string(f.Queue))
	}
	if f.AssigneeID != 0 {
		where("assignee_id = ?", f.AssigneeID)
	}
	if f.Phone != "" {
		where("phone = ?", string(f.Phone))
	}
	if !f.DueBefore.IsZero() {
		where("status NOT IN ('resolved', 'closed') AND due_at < ?", formatTimestamp(f.DueBefore))
	}
	searchConditions(f, where)
	query := `SELECT ` + caseColumns + ` FROM cases`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = crm.DefaultCaseLimit
	}
	query += ` ORDER BY due_at NULLS LAST, id LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Offset, 0))
	list, err := collect(ctx, s.db, query, scanCaseRow, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: cases: %w", err)
	}
	return list, nil
}

// UpdateCase writes c, read at c.Version, and the change's audit entries, notes and
// notifications in one transaction (the recording URL is the case's from its creation and is
// not rewritten). The write is conditional on the version, so a change
// made since c was read is crm.ErrConflict with nothing written.
func (s *Store) UpdateCase(ctx context.Context, c crm.Case, ch crm.CaseChange) (crm.Case, error) {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: update case: %w", err)
	}
	defer rollback(tx)

	got, err := updateCase(ctx, tx, c)
	if err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: update case %d: %w", c.ID, err)
	}
	if err := insertAudit(ctx, tx, got.ID, got.UpdatedAt, ch.Audit); err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: update case %d: %w", c.ID, err)
	}
	if err := insertNotes(ctx, tx, got.ID, got.UpdatedAt, ch.Notes); err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: update case %d: %w", c.ID, err)
	}
	if err := insertNotifications(ctx, tx, got.UpdatedAt, ch.Notifications); err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: update case %d: %w", c.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Case{}, fmt.Errorf("sqlite: update case %d: commit: %w", c.ID, err)
	}
	s.announce(got)
	return got, nil
}

// updateCase writes every mutable column of c if the row is still at c.Version, bumping
// the version, and returns the row as written. The number, idempotency key and creation
// time never change. No row means crm.ErrNotFound or, for a case that exists,
// crm.ErrConflict.
func updateCase(ctx context.Context, tx *sql.Tx, c crm.Case) (crm.Case, error) {
	got, err := scanCase(tx.QueryRowContext(ctx, `UPDATE cases SET
		kind = ?3, category = ?4, queue = ?5, phone = ?6, lang = ?7, centre = ?8, service = ?9,
		description = ?10, callback_from = ?11, callback_to = ?12, callback_asap = ?13,
		status = ?14, level = ?15, assignee_id = ?16, due_at = ?17, resolution_due = ?18,
		first_response_at = ?19, paused_at = ?20, resolved_at = ?21, rating = ?22, rated_at = ?23,
		version = version + 1, updated_at = ?24
		WHERE id = ?1 AND version = ?2
		RETURNING `+caseColumns,
		c.ID, c.Version,
		c.Kind, c.Category, c.Queue, c.Phone, c.Lang, c.Centre, c.Service, c.Description,
		nullStamp(c.Callback.From), nullStamp(c.Callback.To), c.Callback.ASAP, c.Status,
		int(c.Level), nullID(c.AssigneeID), nullStamp(c.DueAt), nullStamp(c.ResolutionDue),
		nullStamp(c.FirstResponseAt), nullStamp(c.PausedAt), nullStamp(c.ResolvedAt),
		nullText(string(c.Rating)), nullStamp(c.RatedAt), formatTimestamp(c.UpdatedAt)))
	if errors.Is(err, sql.ErrNoRows) {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)`, c.ID).Scan(&exists); err != nil {
			return crm.Case{}, fmt.Errorf("look up case: %w", err)
		}
		if !exists {
			return crm.Case{}, crm.ErrNotFound
		}
		return crm.Case{}, crm.ErrConflict
	}
	if err != nil {
		return crm.Case{}, fmt.Errorf("write case: %w", err)
	}
	return got, nil
}

// AddAudit appends one entry to the case's audit trail; the case row is not touched.
func (s *Store) AddAudit(ctx context.Context, id int64, a crm.AuditEntry) error {
	if a.At.IsZero() {
		a.At = time.Now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO case_audit
		(case_id, at, actor_id, actor, action, from_value, to_value, detail)
		SELECT id, ?, ?, ?, ?, ?, ?, ? FROM cases WHERE id = ?`,
		formatTimestamp(a.At), nullID(a.ActorID), a.Actor, a.Action, a.From, a.To, a.Detail, id)
	if err != nil {
		return fmt.Errorf("sqlite: add audit entry to case %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: add audit entry to case %d: %w", id, crm.ErrNotFound)
	}
	return nil
}

// insertAudit appends entries to case id's audit trail (their CaseID is ignored); an entry
// without a time gets at, the time of the change.
func insertAudit(ctx context.Context, tx *sql.Tx, id int64, at time.Time, entries []crm.AuditEntry) error {
	for _, a := range entries {
		if a.At.IsZero() {
			a.At = at
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_audit
			(case_id, at, actor_id, actor, action, from_value, to_value, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, formatTimestamp(a.At), nullID(a.ActorID), a.Actor, a.Action, a.From, a.To, a.Detail); err != nil {
			return fmt.Errorf("insert audit entry: %w", err)
		}
	}
	return nil
}

// insertNotes adds notes to case id (their CaseID is ignored); a note without a time gets
// at, the time of the change.
func insertNotes(ctx context.Context, tx *sql.Tx, id int64, at time.Time, notes []crm.Note) error {
	for _, n := range notes {
		if n.At.IsZero() {
			n.At = at
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_notes (case_id, author_id, author, body, reply, at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			id, nullID(n.AuthorID), n.Author, n.Body, n.Reply, formatTimestamp(n.At)); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
	}
	return nil
}

// DueCases lists up to limit cases whose deadline has passed at now, oldest deadline
// first. Its WHERE repeats the terms of the partial index cases_due, which SQLite needs to
// use it; the index then yields the overdue cases in deadline order, and, since every
// SQLite index ends in the rowid, in ID order among equal deadlines.
func (s *Store) DueCases(ctx context.Context, now time.Time, limit int) ([]crm.Case, error) {
	list, err := collect(ctx, s.db, `SELECT `+caseColumns+` FROM cases
		WHERE status NOT IN ('resolved', 'closed', 'pending_citizen') AND due_at IS NOT NULL
		  AND due_at <= ?
		ORDER BY due_at, id
		LIMIT ?`, scanCaseRow, formatTimestamp(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due cases: %w", err)
	}
	return list, nil
}

// UnassignedCases lists up to limit new cases of a queue and language nobody holds, oldest
// first (the partial index cases_new_unassigned, by kind since migration 00009).
func (s *Store) UnassignedCases(ctx context.Context, queue crm.Queue, lang crm.Lang, limit int) ([]crm.Case, error) {
	list, err := collect(ctx, s.db, `SELECT `+caseColumns+` FROM cases
		WHERE status = 'new' AND assignee_id IS NULL AND queue = ? AND lang = ?
		ORDER BY created_at, id
		LIMIT ?`, scanCaseRow, string(queue), string(lang), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unassigned cases: %w", err)
	}
	return list, nil
}

// RatingSummary counts ratings by centre (by = "centre"; cases about no centre are left
// out) or by the assigned agent's username (by = "agent"; unassigned cases are left out),
// by key and then in the order of the scale.
func (s *Store) RatingSummary(ctx context.Context, by string, f crm.CaseFilter) ([]crm.RatingCount, error) {
	var query string
	switch by {
	case "centre":
		query = `SELECT centre, rating, count(*) FROM cases
			WHERE rating IS NOT NULL AND centre <> '' AND queue = ? AND (? = '' OR centre = ?)
			GROUP BY centre, rating`
	case "agent":
		query = `SELECT u.username, c.rating, count(*) FROM cases c JOIN users u ON u.id = c.assignee_id
			WHERE c.rating IS NOT NULL AND c.queue = ? AND (? = '' OR c.centre = ?)
			GROUP BY u.username, c.rating`
	default:
		return nil, fmt.Errorf("sqlite: rating summary by %q: %w", by, crm.ErrBadInput)
	}
	list, err := collect(ctx, s.db, query, func(r *sql.Rows, rc *crm.RatingCount) error {
		return r.Scan(&rc.Key, &rc.Rating, &rc.Count)
	}, string(f.Queue), f.Centre, f.Centre)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rating summary: %w", err)
	}
	slices.SortFunc(list, func(a, b crm.RatingCount) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return slices.Index(crm.Ratings, a.Rating) - slices.Index(crm.Ratings, b.Rating)
	})
	return list, nil
}
