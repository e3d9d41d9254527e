package crm

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Presence: who has a case open right now. Two agents answering the same citizen at once send
// two different replies; seeing "Baraka has this case open" stops the second one before the
// version check has to. Each open case page keeps a record fresh while it is open, and the
// records are kept in the store, not in memory, so a page served by one replica sees a
// colleague whose page another replica serves.

// How fresh a presence record is kept: a page refreshes its record every ViewerRefresh, and a
// record not refreshed for ViewerTTL (a page closed without saying so, a replica that died) no
// longer counts.
const (
	ViewerRefresh = 15 * time.Second
	ViewerTTL     = 3 * ViewerRefresh
)

// CaseViewer is one open case page: a browser's event stream (Session) showing CaseID to a
// member of staff.
type CaseViewer struct {
	Session string
	CaseID  int64
	UserID  int64
	Name    string // the user's display name (their username when they have none); filled in by CaseViewers
	SeenAt  time.Time
}

// PresenceStore keeps who has which case open.
type PresenceStore interface {
	// TouchViewer records v, replacing the record of the same Session.
	TouchViewer(ctx context.Context, v CaseViewer) error
	// LeaveViewer forgets a session's record; forgetting one that is not there is no error.
	LeaveViewer(ctx context.Context, session string) error
	// CaseViewers lists the records of a case seen at or after since, with the users' names,
	// by name.
	CaseViewers(ctx context.Context, caseID int64, since time.Time) ([]CaseViewer, error)
	// ForgetViewers deletes every record seen before the given time.
	ForgetViewers(ctx context.Context, before time.Time) error
}

// OpenCase records that u has case id open in the page whose stream is session, after the
// same check as reading the case: a case u may not see is ErrNotFound and leaves no record.
// Opening also forgets records long gone stale, so the table never outgrows the open pages.
func (o *Office) OpenCase(ctx context.Context, u User, id int64, session string) error {
	if _, err := o.visibleCase(ctx, u, id); err != nil {
		return err
	}
	now := o.now()
	if err := o.store.ForgetViewers(ctx, now.Add(-10*ViewerTTL)); err != nil {
		return fmt.Errorf("open case %d: %w", id, err)
	}
	return o.StillOpen(ctx, u, id, session)
}

// StillOpen refreshes the record OpenCase made; a page calls it every ViewerRefresh.
func (o *Office) StillOpen(ctx context.Context, u User, id int64, session string) error {
	if err := o.store.TouchViewer(ctx, CaseViewer{Session: session, CaseID: id, UserID: u.ID, SeenAt: o.now()}); err != nil {
		return fmt.Errorf("case %d presence: %w", id, err)
	}
	return nil
}

// CloseCase forgets the record of a page that closed.
func (o *Office) CloseCase(ctx context.Context, session string) error {
	if err := o.store.LeaveViewer(ctx, session); err != nil {
		return fmt.Errorf("close case page: %w", err)
	}
	return nil
}

// OthersViewing names the people other than u who have case id open now, each once, by
// name. Only someone who may see the case may ask.
func (o *Office) OthersViewing(ctx context.Context, u User, id int64) ([]string, error) {
	if _, err := o.visibleCase(ctx, u, id); err != nil {
		return nil, err
	}
	list, err := o.store.CaseViewers(ctx, id, o.now().Add(-ViewerTTL))
	if err != nil {
		return nil, fmt.Errorf("case %d presence: %w", id, err)
	}
	var names []string
	for _, v := range list {
		if v.UserID != u.ID && !slices.Contains(names, v.Name) {
			names = append(names, v.Name)
		}
	}
	return names, nil
}
