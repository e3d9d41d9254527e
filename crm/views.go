package crm

import (
	"context"
	"fmt"
	"time"
)

// Who read what. Every reading of a case's personal data (its page in the console, its detail
// in the API, a citizen's copy that holds it) is recorded, so that a dpo can answer "who has
// seen my complaint?" and find an insider reading cases without cause. The record is a table
// of its own, not the case's audit trail: the trail is what happened to the case, read on
// every case page, and a line per reading would bury it. Corruption reports are the
// exception: their trail has always named every reader, for the integrity unit (casework.go).

// CaseView is one reading of a case's personal data.
type CaseView struct {
	ID       int64
	CaseID   int64
	UserID   int64  // 0 for the command line
	Username string // as it was, like the audit trail's actor
	At       time.Time
	// Read side only: the case's number and queue.
	CaseNumber Reference
	Queue      Queue
}

// CaseViewFilter selects views; zero fields do not filter.
type CaseViewFilter struct {
	CaseID int64
	UserID int64
	Queue  Queue // views of this queue's cases only
	Limit  int   // 0 means the store's default (500)
}

// maxViewsListed bounds a list of views.
const maxViewsListed = 500

// recordView records that u read c's personal data: in the views table always, and in the
// audit trail too when c is a corruption report (no record, no reading).
func (o *Office) recordView(ctx context.Context, u User, c Case) error {
	now := o.now()
	if c.Queue == QueueIntegrity {
		view := AuditEntry{At: now, ActorID: u.ID, Actor: u.Username, Action: "viewed"}
		if err := o.store.AddAudit(ctx, c.ID, view); err != nil {
			return fmt.Errorf("case %d: record the view: %w", c.ID, err)
		}
	}
	if err := o.store.RecordCaseView(ctx, CaseView{CaseID: c.ID, UserID: u.ID, Username: u.Username, At: now}); err != nil {
		return fmt.Errorf("case %d: record the view: %w", c.ID, err)
	}
	return nil
}

// ViewsOfCase lists who read case id, newest first, for a dpo (any case) or an administrator
// (general-queue cases: a corruption report's readers are in its own audit trail, the
// integrity unit's). A case the user may not ask about is ErrNotFound, as for one that does
// not exist.
func (o *Office) ViewsOfCase(ctx context.Context, u User, id int64) ([]CaseView, error) {
	if !CanServeDataRights(u) {
		return nil, fmt.Errorf("views of case %d: %w", id, ErrForbidden)
	}
	c, err := o.store.Case(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("views of case %d: %w", id, err)
	}
	if c.Queue == QueueIntegrity && !seesIntegrityRecords(u) {
		return nil, fmt.Errorf("views of case %d: %w", id, ErrNotFound)
	}
	return o.views(ctx, CaseViewFilter{CaseID: id})
}

// ViewsByUser lists the cases user id read, newest first, for a dpo (every case) or an
// administrator (general-queue cases only, as ViewsOfCase).
func (o *Office) ViewsByUser(ctx context.Context, u User, id int64) ([]CaseView, error) {
	if !CanServeDataRights(u) {
		return nil, fmt.Errorf("views by user %d: %w", id, ErrForbidden)
	}
	if _, err := o.store.User(ctx, id); err != nil {
		return nil, fmt.Errorf("views by user %d: %w", id, err)
	}
	f := CaseViewFilter{UserID: id}
	if !seesIntegrityRecords(u) {
		f.Queue = QueueGeneral
	}
	return o.views(ctx, f)
}

func (o *Office) views(ctx context.Context, f CaseViewFilter) ([]CaseView, error) {
	f.Limit = maxViewsListed
	list, err := o.store.CaseViews(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("case views: %w", err)
	}
	return list, nil
}
