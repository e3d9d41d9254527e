package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Constraint names from migrations/00003_cases.sql that the case methods answer by.
const (
	conCaseNumber         = "cases_number_key"          // the case number is taken
	conCaseIdempotencyKey = "cases_idempotency_key_key" // the same action lodged a case already
)

// openStatuses are the statuses whose cases count against an agent's cap, as SQL.
const openStatuses = `('new', 'assigned', 'in_progress', 'pending_citizen')`

// caseColumns is the select list scanCase reads.
const caseColumns = `id, number, kind, category, queue, phone, lang, centre, service, description,
	callback_from, callback_to, callback_asap, status, level, assignee_id, due_at, resolution_due,
	first_response_at, paused_at, resolved_at, rating, rated_at, idempotency_key, version,
	created_at, updated_at, recording_url`

func scanCase(row pgx.Row) (crm.Case, error) {
	var (
		c                                                  crm.Case
		from, to, due, resDue, first, paused, resolved, at *time.Time
		assignee                                           *int64
		rating, key                                        *string
	)
	err := row.Scan(&c.ID, &c.Number, &c.Kind, &c.Category, &c.Queue, &c.Phone, &c.Lang, &c.Centre,
		&c.Service, &c.Description, &from, &to, &c.Callback.ASAP, &c.Status, &c.Level, &assignee, &due, &resDue,
		&first, &paused, &resolved, &rating, &at, &key, &c.Version, &c.CreatedAt, &c.UpdatedAt,
		&c.RecordingURL)
	if err != nil {
		return crm.Case{}, err
	}
	c.Callback.From, c.Callback.To = timeOrZero(from), timeOrZero(to)
	c.AssigneeID = idOrZero(assignee)
	c.DueAt, c.ResolutionDue, c.FirstResponseAt = timeOrZero(due), timeOrZero(resDue), timeOrZero(first)
	c.PausedAt, c.ResolvedAt, c.RatedAt = timeOrZero(paused), timeOrZero(resolved), timeOrZero(at)
	c.Rating = crm.Rating(textOrEmpty(rating))
	c.IdempotencyKey = textOrEmpty(key)
	// pgx hands timestamptz back in the local zone.
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

func collectCases(rows pgx.Rows) ([]crm.Case, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Case, error) { return scanCase(r) })
}

// The nullable columns: a zero time, ID or text is NULL, and NULL reads back as zero.

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func idOrNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func idOrZero(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

func textOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func textOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateCase stores a new case with its first audit entry and its notifications in one
// statement (createCaseSQL), which is its own transaction: one round trip while the citizen
// waits for the case number. The database gives the case its ID; it starts at version 1.
//
// A repeated idempotency key returns the case that key made and writes nothing. The insert
// does nothing on a taken key (ON CONFLICT waits for a concurrent insert of the same key to
// commit first), so twenty concurrent retries of one citizen's action make one case and all
// get it back. A concurrent retry that drew the same number may instead hit the number's
// unique index first; CreateCase then looks for the key once more before calling the number
// taken.
func (s *Store) CreateCase(ctx context.Context, c crm.Case, a crm.AuditEntry, n []crm.Notification) (crm.Case, bool, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	if a.At.IsZero() {
		a.At = c.CreatedAt
	}
	queued, err := notificationColumnsOf(c.CreatedAt, n)
	if err != nil {
		return crm.Case{}, false, fmt.Errorf("postgres: create case: %w", err)
	}
	got, err := scanCase(s.pool.QueryRow(ctx, createCaseSQL,
		c.Number, c.Kind, c.Category, c.Queue, c.Phone, c.Lang, c.Centre, c.Service, c.Description,
		timeOrNull(c.Callback.From), timeOrNull(c.Callback.To), c.Callback.ASAP, c.Status,
		int(c.Level), idOrNull(c.AssigneeID), timeOrNull(c.DueAt), timeOrNull(c.ResolutionDue),
		timeOrNull(c.FirstResponseAt), timeOrNull(c.PausedAt), timeOrNull(c.ResolvedAt),
		textOrNull(string(c.Rating)), timeOrNull(c.RatedAt), textOrNull(c.IdempotencyKey),
		c.CreatedAt, c.UpdatedAt, c.RecordingURL,
		a.At, idOrNull(a.ActorID), a.Actor, a.Action, a.From, a.To, a.Detail,
		queued.phones, queued.langs, queued.kinds, queued.params, queued.priorities, queued.essentials,
		queued.subjects, queued.created))
	switch {
	case err == nil:
		return got, true, nil
	case errors.Is(err, pgx.ErrNoRows):
		// The key is taken (a NULL key never conflicts): that case is the answer. This new
		// statement sees the row the conflict waited for.
		prev, err := scanCase(s.pool.QueryRow(ctx,
			`SELECT `+caseColumns+` FROM cases WHERE idempotency_key = $1`, c.IdempotencyKey))
		if err != nil {
			return crm.Case{}, false, fmt.Errorf("postgres: create case: look up idempotency key: %w", err)
		}
		return prev, false, nil
	}
	return s.createCaseConflict(ctx, c.IdempotencyKey, err)
}

// createCaseSQL is a new case in one statement: the case ($1–$26), its first audit entry
// ($27–$33) and its notifications ($34–$41, one array per column) when the case was made;
// nothing at all when its idempotency key is taken, and then no row comes back.
const createCaseSQL = `WITH made AS (
	INSERT INTO cases
		(number, kind, category, queue, phone, lang, centre, service, description,
		 callback_from, callback_to, callback_asap, status, level, assignee_id, due_at,
		 resolution_due, first_response_at, paused_at, resolved_at, rating, rated_at,
		 idempotency_key, version, created_at, updated_at, recording_url)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
	        $19, $20, $21, $22, $23, 1, $24, $25, $26)
	ON CONFLICT ON CONSTRAINT ` + conCaseIdempotencyKey + ` DO NOTHING
	RETURNING ` + caseColumns + `
), audited AS (
	INSERT INTO case_audit (case_id, at, actor_id, actor, action, from_value, to_value, detail)
	SELECT id, $27, $28, $29, $30, $31, $32, $33 FROM made
), queued AS (
	INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at)
	SELECT n.phone, n.lang, n.kind, n.params, n.priority, n.essential, n.subject, n.created_at
	FROM unnest($34::text[], $35::text[], $36::text[], $37::jsonb[], $38::int[], $39::bool[],
		$40::text[], $41::timestamptz[]) AS n(phone, lang, kind, params, priority, essential, subject, created_at)
	WHERE EXISTS (SELECT FROM made)
)
SELECT ` + caseColumns + ` FROM made`

// createCaseConflict turns a case insert stopped by a unique index into CreateCase's answer.
// Nothing of the statement was written.
func (s *Store) createCaseConflict(ctx context.Context, key string, err error) (crm.Case, bool, error) {
	constraint, unique := uniqueViolation(err)
	if !unique {
		return crm.Case{}, false, fmt.Errorf("postgres: create case: %w", err)
	}
	if key != "" {
		prev, kerr := scanCase(s.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE idempotency_key = $1`, key))
		if kerr == nil {
			return prev, false, nil
		}
		if !errors.Is(kerr, pgx.ErrNoRows) {
			return crm.Case{}, false, fmt.Errorf("postgres: create case: look up idempotency key: %w", kerr)
		}
	}
	if constraint == conCaseNumber {
		return crm.Case{}, false, fmt.Errorf("postgres: create case: %w", crm.ErrReferenceTaken)
	}
	return crm.Case{}, false, fmt.Errorf("postgres: create case: %w", err)
}

// Case reads a case by its ID.
func (s *Store) Case(ctx context.Context, id int64) (crm.Case, error) {
	c, err := scanCase(s.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Case{}, fmt.Errorf("postgres: case %d: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Case{}, fmt.Errorf("postgres: case %d: %w", id, err)
	}
	return c, nil
}

// CaseByNumber reads a case by the number the citizen was given.
func (s *Store) CaseByNumber(ctx context.Context, number crm.Reference) (crm.Case, error) {
	c, err := scanCase(s.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE number = $1`, number))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Case{}, fmt.Errorf("postgres: case by number: %w", crm.ErrNotFound)
	}
	if err != nil {
		return crm.Case{}, fmt.Errorf("postgres: case by number: %w", err)
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
	where := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if len(f.Status) > 0 {
		statuses := make([]string, len(f.Status))
		for i, st := range f.Status {
			statuses[i] = string(st)
		}
		where("status = ANY ($%d)", statuses)
	}
	if f.Centre != "" {
		where("centre = $%d", f.Centre)
	}
	if f.Category != "" {
		where("category = $%d", f.Category)
	}
	if f.Level != 0 {
		where("level = $%d", int(f.Level))
	}
	if f.MinLevel != 0 {
		where("level >= $%d", int(f.MinLevel))
	}
	if f.Queue != "" {
		where("queue = $%d", f.Queue)
	}
	if f.AssigneeID != 0 {
		where("assignee_id = $%d", f.AssigneeID)
	}
	if f.Phone != "" {
		where("phone = $%d", f.Phone)
	}
	if !f.DueBefore.IsZero() {
		where("status NOT IN ('resolved', 'closed') AND due_at < $%d", f.DueBefore)
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
	args = append(args, limit, max(f.Offset, 0))
	query += fmt.Sprintf(` ORDER BY due_at NULLS LAST, id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	rows, _ := s.pool.Query(ctx, query, args...)
	list, err := collectCases(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: cases: %w", err)
	}
	return list, nil
}

// UpdateCase writes c, read at c.Version, and the change's audit entries, notes and
// notifications in one transaction (the recording URL is the case's from its creation and is
// not rewritten). The write is conditional on the version: of two
// replicas escalating the same case, the second waits for the first's row lock, then finds
// the version moved and gets crm.ErrConflict with nothing written.
func (s *Store) UpdateCase(ctx context.Context, c crm.Case, ch crm.CaseChange) (crm.Case, error) {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Case{}, fmt.Errorf("postgres: update case: %w", err)
	}
	defer rollback(ctx, tx)

	got, err := updateCase(ctx, tx, c)
	if err != nil {
		return crm.Case{}, fmt.Errorf("postgres: update case %d: %w", c.ID, err)
	}
	if err := insertAudit(ctx, tx, got.ID, got.UpdatedAt, ch.Audit); err != nil {
		return crm.Case{}, fmt.Errorf("postgres: update case %d: %w", c.ID, err)
	}
	if err := insertNotes(ctx, tx, got.ID, got.UpdatedAt, ch.Notes); err != nil {
		return crm.Case{}, fmt.Errorf("postgres: update case %d: %w", c.ID, err)
	}
	if err := insertNotifications(ctx, tx, got.UpdatedAt, ch.Notifications); err != nil {
		return crm.Case{}, fmt.Errorf("postgres: update case %d: %w", c.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Case{}, fmt.Errorf("postgres: update case %d: commit: %w", c.ID, err)
	}
	return got, nil
}

// updateCase writes every mutable column of c if the row is still at c.Version, bumping
// the version, and returns the row as written. The number, idempotency key and creation
// time never change. No row means crm.ErrNotFound or, for a case that exists,
// crm.ErrConflict.
func updateCase(ctx context.Context, tx pgx.Tx, c crm.Case) (crm.Case, error) {
	got, err := scanCase(tx.QueryRow(ctx, `UPDATE cases SET
		kind = $3, category = $4, queue = $5, phone = $6, lang = $7, centre = $8, service = $9,
		description = $10, callback_from = $11, callback_to = $12, callback_asap = $13,
		status = $14, level = $15, assignee_id = $16, due_at = $17, resolution_due = $18,
		first_response_at = $19, paused_at = $20, resolved_at = $21, rating = $22, rated_at = $23,
		version = version + 1, updated_at = $24
		WHERE id = $1 AND version = $2
		RETURNING `+caseColumns,
		c.ID, c.Version,
		c.Kind, c.Category, c.Queue, c.Phone, c.Lang, c.Centre, c.Service, c.Description,
		timeOrNull(c.Callback.From), timeOrNull(c.Callback.To), c.Callback.ASAP, c.Status,
		int(c.Level), idOrNull(c.AssigneeID), timeOrNull(c.DueAt), timeOrNull(c.ResolutionDue),
		timeOrNull(c.FirstResponseAt), timeOrNull(c.PausedAt), timeOrNull(c.ResolvedAt),
		textOrNull(string(c.Rating)), timeOrNull(c.RatedAt), c.UpdatedAt))
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)`, c.ID).Scan(&exists); err != nil {
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
	tag, err := s.pool.Exec(ctx, `INSERT INTO case_audit
		(case_id, at, actor_id, actor, action, from_value, to_value, detail)
		SELECT id, $2, $3, $4, $5, $6, $7, $8 FROM cases WHERE id = $1`,
		id, a.At, idOrNull(a.ActorID), a.Actor, a.Action, a.From, a.To, a.Detail)
	if err != nil {
		return fmt.Errorf("postgres: add audit entry to case %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: add audit entry to case %d: %w", id, crm.ErrNotFound)
	}
	return nil
}

// insertAudit appends entries to case id's audit trail (their CaseID is ignored); an entry
// without a time gets at, the time of the change.
func insertAudit(ctx context.Context, tx pgx.Tx, id int64, at time.Time, entries []crm.AuditEntry) error {
	for _, a := range entries {
		if a.At.IsZero() {
			a.At = at
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_audit
			(case_id, at, actor_id, actor, action, from_value, to_value, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, a.At, idOrNull(a.ActorID), a.Actor, a.Action, a.From, a.To, a.Detail); err != nil {
			return fmt.Errorf("insert audit entry: %w", err)
		}
	}
	return nil
}

// insertNotes adds notes to case id (their CaseID is ignored); a note without a time gets
// at, the time of the change.
func insertNotes(ctx context.Context, tx pgx.Tx, id int64, at time.Time, notes []crm.Note) error {
	for _, n := range notes {
		if n.At.IsZero() {
			n.At = at
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_notes (case_id, author_id, author, body, reply, at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			id, idOrNull(n.AuthorID), n.Author, n.Body, n.Reply, n.At); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
	}
	return nil
}

// DueCases lists up to limit cases whose deadline has passed at now, oldest deadline
// first. Its WHERE repeats the predicate of the partial index cases_due, so the sweep reads
// only the overdue front of that index, however many cases are open.
func (s *Store) DueCases(ctx context.Context, now time.Time, limit int) ([]crm.Case, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE status NOT IN ('resolved', 'closed', 'pending_citizen') AND due_at IS NOT NULL
		  AND due_at <= $1
		ORDER BY due_at, id
		LIMIT $2`, now, limit)
	list, err := collectCases(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: due cases: %w", err)
	}
	return list, nil
}

// UnassignedCases lists up to limit new cases of a queue and language nobody holds, oldest
// first (the partial index cases_new_unassigned, by kind since migration 00009).
func (s *Store) UnassignedCases(ctx context.Context, queue crm.Queue, lang crm.Lang, limit int) ([]crm.Case, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE status = 'new' AND assignee_id IS NULL AND queue = $1 AND lang = $2
		ORDER BY created_at, id
		LIMIT $3`, queue, lang, limit)
	list, err := collectCases(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: unassigned cases: %w", err)
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
			WHERE rating IS NOT NULL AND centre <> '' AND queue = $1 AND ($2 = '' OR centre = $2)
			GROUP BY centre, rating`
	case "agent":
		query = `SELECT u.username, c.rating, count(*) FROM cases c JOIN users u ON u.id = c.assignee_id
			WHERE c.rating IS NOT NULL AND c.queue = $1 AND ($2 = '' OR c.centre = $2)
			GROUP BY u.username, c.rating`
	default:
		return nil, fmt.Errorf("postgres: rating summary by %q: %w", by, crm.ErrBadInput)
	}
	rows, _ := s.pool.Query(ctx, query, string(f.Queue), f.Centre)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.RatingCount, error) {
		var rc crm.RatingCount
		err := r.Scan(&rc.Key, &rc.Rating, &rc.Count)
		return rc, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: rating summary: %w", err)
	}
	sortRatingCounts(list)
	return list, nil
}

// sortRatingCounts orders a summary by key, then excellent to poor.
func sortRatingCounts(list []crm.RatingCount) {
	slices.SortFunc(list, func(a, b crm.RatingCount) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return slices.Index(crm.Ratings, a.Rating) - slices.Index(crm.Ratings, b.Rating)
	})
}
