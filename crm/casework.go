package crm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// CaseDetail is a case with its timeline, as a user may see it.
type CaseDetail struct {
	Case  Case
	Audit []AuditEntry
	Notes []Note
	// Messages are the SMS the case caused, with where each stands (queued, sent, failed
	// and why), so the agent sees whether the citizen was told.
	Messages []Notification
	// Calls are the phone calls linked to the case (a recorded message, a callback placed
	// from the console), oldest first.
	Calls []Call
	// Appointments are the citizen's booked appointments from today on, and Requests the
	// tracked requests of their phone, newest first: a citizen who complains about a queue
	// or a late ID is usually talking about one of them.
	Appointments []Appointment
	Requests     []Request
}

// requestsOnCase bounds the tracked requests a case page lists.
const requestsOnCase = 20

// ListCases lists the cases f selects, within what u may see: a search (f.Number,
// f.PhoneEnding, f.Words) never finds a case u could not open.
func (o *Office) ListCases(ctx context.Context, u User, f CaseFilter) ([]Case, error) {
	if err := f.checkSearch(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	f, ok := Scope(u, f)
	if !ok {
		return nil, nil
	}
	list, err := o.store.Cases(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return list, nil
}

// BreachingSoon is the filter's DueBefore for "breaching soon": deadlines within the next
// business hour.
func (o *Office) BreachingSoon() time.Time { return o.clock.Add(o.now(), time.Hour) }

// CaseDetail reads a case and its timeline. A case u may not see is ErrNotFound, not
// ErrForbidden: its existence is not theirs to know either.
func (o *Office) CaseDetail(ctx context.Context, u User, id int64) (CaseDetail, error) {
	c, err := o.visibleCase(ctx, u, id)
	if err != nil {
		return CaseDetail{}, err
	}
	// Every reading is recorded (views.go): a dpo can say who read a citizen's case. Who read
	// a corruption report, and when, is also part of its own record: the integrity unit must
	// be able to show that nobody outside it looked, and who inside it did. No record, no
	// reading.
	if err := o.recordView(ctx, u, c); err != nil {
		return CaseDetail{}, err
	}
	audit, notes, err := o.store.Timeline(ctx, id)
	if err != nil {
		return CaseDetail{}, fmt.Errorf("case %d timeline: %w", id, err)
	}
	msgs, err := o.store.Notifications(ctx, NotificationFilter{Subject: CaseSubject(c.Number)})
	if err != nil {
		return CaseDetail{}, fmt.Errorf("case %d messages: %w", id, err)
	}
	calls, err := o.store.CallsOfCase(ctx, id)
	if err != nil {
		return CaseDetail{}, fmt.Errorf("case %d calls: %w", id, err)
	}
	appts, err := o.store.Upcoming(ctx, c.Phone, o.now())
	if err != nil {
		return CaseDetail{}, fmt.Errorf("case %d appointments: %w", id, err)
	}
	reqs, err := o.store.RequestsOfPhone(ctx, c.Phone, requestsOnCase)
	if err != nil {
		return CaseDetail{}, fmt.Errorf("case %d requests: %w", id, err)
	}
	return CaseDetail{Case: c, Audit: audit, Notes: notes, Messages: msgs, Calls: calls, Appointments: appts, Requests: reqs}, nil
}

// ViewCase reads a case as u may see it: ErrNotFound for a case u may not see.
func (o *Office) ViewCase(ctx context.Context, u User, id int64) (Case, error) {
	return o.visibleCase(ctx, u, id)
}

func (o *Office) visibleCase(ctx context.Context, u User, id int64) (Case, error) {
	c, err := o.store.Case(ctx, id)
	if err != nil {
		return Case{}, fmt.Errorf("case %d: %w", id, err)
	}
	if !CanSee(u, c) {
		return Case{}, fmt.Errorf("case %d: %w", id, ErrNotFound)
	}
	return c, nil
}

// change is one read-check-write of a case on behalf of u: read, check u may do act, let
// apply decide the new state, write it conditionally; on a concurrent change, start over.
//
// Starting over reads the case again and runs apply on it again: apply must decide against
// the case as it now is, never repeat what it meant blindly. An action relative to what the
// user saw (one level up, take a free case) keeps what the first read showed in its closure
// and checks it on every try, so that a conflict with the same action by someone else ends
// in a refusal (a *CaseConflict) rather than in the action applied twice. apply returns
// errUnchanged when the case already is as the user asked: nothing is written and the case
// is answered as it stands.
func (o *Office) change(ctx context.Context, u User, id int64, act Action, apply func(c *Case, ch *CaseChange, now time.Time) error) (Case, error) {
	return retry(ctx, func() (Case, error) {
		c, err := o.visibleCase(ctx, u, id)
		if err != nil {
			return Case{}, err
		}
		if !Can(u, act, c) {
			if err := o.lostClaim(ctx, u, act, c); err != nil {
				return Case{}, err
			}
			return Case{}, fmt.Errorf("case %s: %w", c.Number, ErrForbidden)
		}
		now := o.now()
		read := c
		var ch CaseChange
		if err := apply(&c, &ch, now); err != nil {
			var conflict *CaseConflict
			switch {
			case errors.Is(err, errUnchanged):
				return read, nil
			case errors.As(err, &conflict):
				conflict.Case = read
			}
			return Case{}, fmt.Errorf("case %s: %w", c.Number, err)
		}
		c.UpdatedAt = now
		for i := range ch.Audit {
			ch.Audit[i].At, ch.Audit[i].ActorID, ch.Audit[i].Actor = now, u.ID, u.Username
		}
		for i := range ch.Notes {
			ch.Notes[i].At, ch.Notes[i].AuthorID, ch.Notes[i].Author = now, u.ID, u.Username
		}
		// A case whose citizen was erased has no phone to tell: what was to be sent to it is
		// not queued.
		ch.Notifications = toPhone(ch.Notifications...)
		for i := range ch.Notifications {
			ch.Notifications[i].Subject = CaseSubject(c.Number)
			ch.Notifications[i].CreatedAt = now
			ch.Notifications[i].Params["case"] = string(c.Number)
		}
		return o.store.UpdateCase(ctx, c, ch)
	})
}

// errUnchanged is what an action's apply returns when the case already is as the user
// asked (a repeated click): change answers the case as it stands and writes nothing.
var errUnchanged = errors.New("unchanged")

// Claim assigns a case nobody holds to u. When someone else holds it (the winner of a race
// of several people for one case), u is refused with ErrAlreadyClaimed naming who, rather
// than given the case in turn: a click on a free case must not take it from a colleague
// who got there a moment before. Taking over a colleague's case is a supervisor's Assign. A
// claim of a case u already holds changes nothing.
func (o *Office) Claim(ctx context.Context, u User, id int64) (Case, error) {
	return o.change(ctx, u, id, ActClaim, func(c *Case, ch *CaseChange, now time.Time) error {
		switch {
		case c.AssigneeID == u.ID:
			return errUnchanged
		case c.AssigneeID != 0:
			return o.claimedBy(ctx, c.AssigneeID)
		}
		return o.assign(c, ch, u, now)
	})
}

// lostClaim is the refusal of a claim u may not make only because someone else holds the
// case (an agent who would take it were it free): that is a lost race, answered with who
// has it, not "not allowed for your role". nil for any other refusal.
func (o *Office) lostClaim(ctx context.Context, u User, act Action, c Case) error {
	free := c
	free.AssigneeID = 0
	if act != ActClaim || c.AssigneeID == 0 || !Can(u, ActClaim, free) {
		return nil
	}
	err := o.claimedBy(ctx, c.AssigneeID)
	var conflict *CaseConflict
	if errors.As(err, &conflict) {
		conflict.Case = c
	}
	return fmt.Errorf("case %s: %w", c.Number, err)
}

// claimedBy is ErrAlreadyClaimed naming the user who holds the case, as a *CaseConflict
// whose Case the caller fills in.
func (o *Office) claimedBy(ctx context.Context, assignee int64) error {
	who := "someone else"
	if holder, err := o.store.User(ctx, assignee); err == nil {
		who = holder.Name
		if who == "" {
			who = holder.Username
		}
	}
	return &CaseConflict{err: fmt.Errorf("%w by %s", ErrAlreadyClaimed, who)}
}

// Assign gives the case to another user, who must be able to work it.
func (o *Office) Assign(ctx context.Context, u User, id, assigneeID int64) (Case, error) {
	to, err := o.store.User(ctx, assigneeID)
	if err != nil {
		return Case{}, fmt.Errorf("assign to user %d: %w", assigneeID, err)
	}
	return o.change(ctx, u, id, ActAssign, func(c *Case, ch *CaseChange, now time.Time) error {
		// Whether to could take the case were it free: reassigning from one agent to
		// another is the point, and an agent may not claim a colleague's case themselves.
		free := *c
		free.AssigneeID = 0
		if !Can(to, ActClaim, free) {
			return fmt.Errorf("%w: %s cannot work this case", ErrBadInput, to.Username)
		}
		return o.assign(c, ch, to, now)
	})
}

func (o *Office) assign(c *Case, ch *CaseChange, to User, now time.Time) error {
	if !c.Status.Open() {
		return fmt.Errorf("%w: the case is %s", ErrBadTransition, c.Status)
	}
	if c.AssigneeID == to.ID {
		return nil
	}
	from := c.Status
	c.AssigneeID = to.ID
	if c.Status == CaseNew {
		c.Status = CaseAssigned
	}
	ch.Audit = append(ch.Audit, AuditEntry{Action: "assigned", To: to.Username, Detail: string(from)})
	return nil
}

// AddNote adds an internal note, or a reply that is sent to the citizen. A reply is a first
// response.
func (o *Office) AddNote(ctx context.Context, u User, id int64, body string, reply bool) (Case, error) {
	body, err := CleanDescription(body)
	if err != nil {
		return Case{}, err
	}
	return o.change(ctx, u, id, ActWork, func(c *Case, ch *CaseChange, now time.Time) error {
		ch.Notes = append(ch.Notes, Note{Body: body, Reply: reply})
		action := "note"
		if reply {
			action = "reply"
			o.responded(c, now)
			ch.Notifications = append(ch.Notifications, Notification{
				Phone: c.Phone, Lang: c.Lang, Kind: NotifyCaseReply, Priority: PriorityUrgent, Essential: true,
				Params: map[string]string{"body": body},
			})
		}
		ch.Audit = append(ch.Audit, AuditEntry{Action: action})
		return nil
	})
}

// SetStatus moves the case along its lifecycle. Entering pending_citizen pauses the SLA
// clock and leaving it resumes the clock with the paused business time added to every
// deadline. Resolving tells the citizen and asks them to rate the service; reopening is
// allowed within ReopenWindow of resolution.
func (o *Office) SetStatus(ctx context.Context, u User, id int64, to CaseStatus, note string) (Case, error) {
	if !to.Valid() {
		return Case{}, fmt.Errorf("%w: unknown status %q", ErrBadInput, to)
	}
	if note != "" {
		var err error
		if note, err = CleanDescription(note); err != nil {
			return Case{}, err
		}
	}
	return o.change(ctx, u, id, ActWork, func(c *Case, ch *CaseChange, now time.Time) error {
		return o.move(c, ch, to, note, now)
	})
}

// Resolve is SetStatus(resolved) with the resolution note the citizen is sent.
func (o *Office) Resolve(ctx context.Context, u User, id int64, note string) (Case, error) {
	return o.SetStatus(ctx, u, id, CaseResolved, note)
}

func (o *Office) move(c *Case, ch *CaseChange, to CaseStatus, note string, now time.Time) error {
	from := c.Status
	if from == to || !from.CanMoveTo(to) {
		return fmt.Errorf("%w: %s → %s", ErrBadTransition, from, to)
	}
	if (from == CaseResolved || from == CaseClosed) && to == CaseInProgress {
		if now.Sub(c.ResolvedAt) > ReopenWindow {
			return ErrReopenExpired
		}
		// A reopened case is a new promise: the next level down the line must answer in
		// first-response time.
		pol := o.cfg.Policies.For(c.Category)
		c.ResolvedAt, c.DueAt = time.Time{}, o.clock.Add(now, pol.FirstResponse).UTC()
		c.ResolutionDue = o.clock.Add(now, pol.Resolution).UTC()
	}
	if from == CasePendingCitizen && !c.PausedAt.IsZero() {
		paused := o.clock.Between(c.PausedAt, now)
		if !c.DueAt.IsZero() {
			c.DueAt = o.clock.Add(c.DueAt, paused).UTC()
		}
		c.ResolutionDue = o.clock.Add(c.ResolutionDue, paused).UTC()
		c.PausedAt = time.Time{}
	}
	switch to {
	case CasePendingCitizen:
		c.PausedAt = now
		o.responded(c, now)
	case CaseInProgress:
		o.responded(c, now)
	case CaseResolved:
		o.responded(c, now)
		c.ResolvedAt, c.DueAt = now, time.Time{}
		ch.Notifications = append(ch.Notifications,
			Notification{Phone: c.Phone, Lang: c.Lang, Kind: NotifyCaseResolved, Priority: PriorityNormal, Essential: true,
				Params: map[string]string{"body": note}},
			Notification{Phone: c.Phone, Lang: c.Lang, Kind: NotifySatisfaction, Priority: PriorityBulk,
				Params: map[string]string{}},
		)
	case CaseClosed:
		c.DueAt = time.Time{}
	case CaseNew:
		c.AssigneeID = 0
	}
	if to != CaseResolved && to != CaseAssigned && to != CaseNew {
		ch.Notifications = append(ch.Notifications, Notification{
			Phone: c.Phone, Lang: c.Lang, Kind: NotifyCaseStatus, Priority: PriorityNormal, Essential: true,
			Params: map[string]string{"status": string(to)},
		})
	}
	c.Status = to
	ch.Audit = append(ch.Audit, AuditEntry{Action: "status", From: string(from), To: string(to), Detail: note})
	if note != "" {
		ch.Notes = append(ch.Notes, Note{Body: note, At: now})
	}
	return nil
}

// responded records the first response: from then on the case's deadline is its resolution
// target (which may already be past, in which case the next sweep escalates it).
func (o *Office) responded(c *Case, now time.Time) {
	if !c.FirstResponseAt.IsZero() {
		return
	}
	c.FirstResponseAt = now
	if c.Level == LevelAgent && !c.DueAt.IsZero() {
		c.DueAt = c.ResolutionDue
	}
}

// Escalate moves a case up one level by hand (a supervisor's call), from the level it is at
// when first read; see EscalateCase.
func (o *Office) Escalate(ctx context.Context, u User, id int64, reason string) (Case, error) {
	return o.EscalateCase(ctx, u, id, Escalation{Reason: reason})
}

// Escalation is a manual escalation as the user asked for it.
type Escalation struct {
	// From is the level the user saw the case at and escalates from. 0 means the level the
	// case is at when first read, which guards against requests that overlap but not
	// against a repeat that arrives after the first committed: a client names From, or
	// sends a RequestKey, to be safe against both.
	From Level
	// RequestKey is the request's Idempotency-Key: a repeat of the escalation by the same
	// user with the same key changes nothing.
	RequestKey string
	Reason     string
}

// EscalateCase moves a case up one level by hand: one click, one escalation. A case no
// longer at e.From was escalated already: by u (a repeated click, a retried request, or the
// same RequestKey again) the answer is the case as it stands and nothing changes; by someone
// else or by the SLA sweep it is ErrAlreadyEscalated, a *CaseConflict with the case, saying
// who and to which level. A concurrent write is re-checked against the case as it then is,
// never applied again blindly.
func (o *Office) EscalateCase(ctx context.Context, u User, id int64, e Escalation) (Case, error) {
	reason := e.Reason
	if reason != "" {
		var err error
		if reason, err = CleanDescription(reason); err != nil {
			return Case{}, err
		}
	}
	if e.From != 0 && (e.From < LevelAgent || e.From > LevelDirector) {
		return Case{}, fmt.Errorf("%w: a level to escalate from is 1 to %d, not %d", ErrBadInput, LevelDirector, e.From)
	}
	if len(e.RequestKey) > maxRequestKey {
		return Case{}, fmt.Errorf("%w: an Idempotency-Key is at most %d characters", ErrBadInput, maxRequestKey)
	}
	from := e.From
	recipients := map[Level][]User{}
	return o.change(ctx, u, id, ActEscalate, func(c *Case, ch *CaseChange, now time.Time) error {
		if from == 0 {
			from = c.Level // pinned by the first read, for the tries after a conflict
		}
		if e.RequestKey != "" || c.Level != from {
			done, err := o.escalatedAlready(ctx, u, *c, from, e.RequestKey)
			if err != nil {
				return err
			}
			if done {
				return errUnchanged
			}
		}
		if c.Level >= LevelDirector {
			return fmt.Errorf("%w: the case is at the top level", ErrBadTransition)
		}
		if !c.Status.Open() {
			return fmt.Errorf("%w: the case is %s", ErrBadTransition, c.Status)
		}
		next := c.Level + 1
		if _, ok := recipients[next]; !ok {
			users, err := o.levelPeople(ctx, *c, next)
			if err != nil {
				return err
			}
			recipients[next] = users
		}
		o.climb(c, ch, now, "by hand: "+reason, recipients[next])
		ch.Audit[len(ch.Audit)-1].RequestKey = e.RequestKey
		return nil
	})
}

// maxRequestKey bounds an Idempotency-Key.
const maxRequestKey = 200

// escalatedAlready decides a manual escalation from level from of a case that may have been
// escalated since: done when u did it (the same key, or u escalated it from that level),
// ErrAlreadyEscalated naming who did when someone else did, and false when nobody did.
func (o *Office) escalatedAlready(ctx context.Context, u User, c Case, from Level, key string) (bool, error) {
	audit, _, err := o.store.Timeline(ctx, c.ID)
	if err != nil {
		return false, fmt.Errorf("case %s timeline: %w", c.Number, err)
	}
	if key != "" {
		for _, a := range audit {
			if a.Action == "escalated" && a.RequestKey == key && a.ActorID == u.ID {
				return true, nil
			}
		}
	}
	if c.Level == from {
		return false, nil
	}
	// The escalation from that level is the last one that left it.
	fromText := strconv.Itoa(int(from))
	for i := len(audit) - 1; i >= 0; i-- {
		a := audit[i]
		if a.Action != "escalated" || a.From != fromText {
			continue
		}
		if a.ActorID == u.ID && a.ActorID != 0 {
			return true, nil
		}
		who := a.Actor
		if a.ActorID == 0 {
			who = "the SLA sweep (a deadline passed)"
		}
		return false, &CaseConflict{err: fmt.Errorf("%w from level %d to %s by %s", ErrAlreadyEscalated, from, a.To, who)}
	}
	return false, &CaseConflict{err: fmt.Errorf("%w: the case is at level %d, not %d", ErrAlreadyEscalated, c.Level, from)}
}

// Ratings summarises satisfaction by centre or by agent over what u may see: a centre manager
// their own centre (by centre only), an integrity officer the integrity queue, supervisors
// and admins the general queue. Agents see no summary.
func (o *Office) Ratings(ctx context.Context, u User, by string) ([]RatingCount, error) {
	if u.Role == RoleAgent || (u.Role == RoleCentreManager && by != "centre") {
		return nil, fmt.Errorf("ratings by %s: %w", by, ErrForbidden)
	}
	f, ok := Scope(u, CaseFilter{})
	if !ok {
		return nil, fmt.Errorf("ratings: %w", ErrForbidden)
	}
	list, err := o.store.RatingSummary(ctx, by, CaseFilter{Queue: f.Queue, Centre: f.Centre})
	if err != nil {
		return nil, fmt.Errorf("ratings by %s: %w", by, err)
	}
	return list, nil
}
