package crm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/huduma-connect/huduma/internal/loop"
)

// sweepBatch is how many due or waiting cases one sweep reads at a time.
const sweepBatch = 500

// sweepWaitingPages bounds the pages of waiting cases of one kind one sweep assigns from, so
// that a sweep takes a bounded time; the next sweep goes on.
const sweepWaitingPages = 20

// SweepResult counts what one sweep did.
type SweepResult struct {
	Escalated int // breaches escalated by this scheduler
	Lost      int // breaches another scheduler escalated first
	Assigned  int // waiting cases assigned
}

// Sweep escalates every case whose deadline has passed, one level per breach, and assigns
// cases still waiting for an agent. Every replica runs it: an escalation is a conditional
// write on the case's version, so when two schedulers meet the same breach one writes it and
// the other finds the case changed and leaves it (each breach escalates exactly once).
func (o *Office) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := o.now()
	people := map[string][]User{} // per level and scope, read once per sweep
	for {
		due, err := o.store.DueCases(ctx, now, sweepBatch)
		if err != nil {
			return res, fmt.Errorf("sweep: due cases: %w", err)
		}
		progressed := false
		for _, c := range due {
			ok, err := o.breach(ctx, c, now, people)
			if err != nil {
				return res, err
			}
			if ok {
				res.Escalated++
				progressed = true
			} else {
				res.Lost++
			}
		}
		// A case that climbed may already be due again (the scheduler was down for days):
		// read again until nothing this sweep can move is left.
		if len(due) < sweepBatch && !progressed || len(due) == 0 {
			break
		}
	}
	// Waiting cases are assigned queue by queue and language by language, oldest first,
	// until nobody can take one more of that kind: the night's corruption reports waiting for
	// an integrity officer never hide younger cases the agents on shift could take, and a
	// kind nobody can take costs one look, not a read of its whole pile.
	for _, q := range Queues {
		for _, l := range Langs {
			n, err := o.assignWaiting(ctx, q, l, now)
			res.Assigned += n
			if err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// assignWaiting assigns the waiting cases of a queue and language, oldest first, until
// nobody can take one more of them or none is left.
func (o *Office) assignWaiting(ctx context.Context, q Queue, l Lang, now time.Time) (int, error) {
	assigned := 0
	// The oldest case alone first: when nobody can take it (nobody on shift speaks the
	// language, or all are at their cap), that is the whole sweep for this kind, one row read
	// rather than a page of them.
	limit := 1
	for page := 0; page < sweepWaitingPages; page++ {
		waiting, err := o.store.UnassignedCases(ctx, q, l, limit)
		if err != nil {
			return assigned, fmt.Errorf("sweep: unassigned %s cases in %s: %w", q, l, err)
		}
		for _, c := range waiting {
			_, _, err := o.store.AssignNext(ctx, c, o.cfg.AgentCap, now)
			switch {
			case err == nil:
				assigned++
			case errors.Is(err, ErrNoAgent):
				return assigned, nil
			case !errors.Is(err, ErrConflict): // ErrConflict: another replica took it
				return assigned, fmt.Errorf("sweep: assign %s: %w", c.Number, err)
			}
		}
		if len(waiting) < limit {
			break
		}
		// The page is assigned (or taken by another replica): what is left is read again,
		// and no longer includes it.
		limit = sweepBatch
	}
	return assigned, nil
}

// breach escalates one overdue case as read; false when another scheduler got there first.
func (o *Office) breach(ctx context.Context, c Case, now time.Time, people map[string][]User) (bool, error) {
	read := c.Version
	kind := "first_response"
	if !c.FirstResponseAt.IsZero() {
		kind = "resolution"
	}
	var ch CaseChange
	if c.Level >= LevelDirector {
		// The top of the ladder: the breach is recorded once and the clock stops.
		c.DueAt = time.Time{}
		ch.Audit = append(ch.Audit, AuditEntry{At: now, Actor: "system", Action: "breached", Detail: kind + " deadline passed at the top level"})
	} else {
		next := c.Level + 1
		key := strconv.Itoa(int(next)) + "/" + string(c.Queue) + "/" + c.Centre
		users, ok := people[key]
		if !ok {
			var err error
			if users, err = o.levelPeople(ctx, c, next); err != nil {
				return false, err
			}
			people[key] = users
		}
		o.climb(&c, &ch, now, "sla_breach: "+kind, users)
		ch.Audit[len(ch.Audit)-1].Actor = "system"
	}
	c.UpdatedAt = now
	for i := range ch.Notifications {
		ch.Notifications[i].Subject = CaseSubject(c.Number)
		ch.Notifications[i].CreatedAt = now
	}
	_, err := o.store.UpdateCase(ctx, c, ch)
	switch {
	case errors.Is(err, ErrConflict):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sweep: escalate %s from version %d: %w", c.Number, read, err)
	}
	o.log.Info("case escalated", "case", c.Number, "level", c.Level, "reason", kind)
	return true, nil
}

// climb moves c up one level: the new level has the policy's step of business time to act,
// counted from the deadline that was missed (so a late sweep does not give it extra time),
// and everyone at that level is alerted.
func (o *Office) climb(c *Case, ch *CaseChange, now time.Time, why string, people []User) {
	from := c.Level
	c.Level++
	step := o.cfg.Policies.For(c.Category).Step
	base := c.DueAt
	if base.IsZero() || base.After(now) {
		base = now // escalated by hand before the deadline
	}
	c.DueAt = o.clock.Add(base, step).UTC()
	ch.Audit = append(ch.Audit, AuditEntry{At: now, Action: "escalated", From: strconv.Itoa(int(from)), To: strconv.Itoa(int(c.Level)), Detail: why})
	for _, u := range people {
		if u.Phone == "" {
			continue
		}
		ch.Notifications = append(ch.Notifications, o.staffAlert(u, NotifyEscalation, map[string]string{
			"case": string(c.Number), "level": strconv.Itoa(int(c.Level)), "category": string(c.Category), "centre": c.Centre,
		}))
	}
}

// levelPeople are the people a case at level l belongs to:
//
//	L2  supervisors of the queue (integrity officers for the integrity queue)
//	L3  the managers of the case's centre; for a case about no centre, or a corruption
//	    report (which the centre must not see), the secretariat (admins)
//	L4  the secretariat (admins)
//
// Alerts carry only the case number, level, category and centre: never the citizen's phone
// or words, so alerting the secretariat about a corruption report reveals nothing of it.
func (o *Office) levelPeople(ctx context.Context, c Case, l Level) ([]User, error) {
	var f UserFilter
	switch {
	case l == LevelSupervisor && c.Queue == QueueIntegrity:
		f = UserFilter{Role: RoleIntegrityOfficer}
	case l == LevelSupervisor:
		f = UserFilter{Role: RoleSupervisor, Queue: c.Queue}
	case l == LevelManager && c.Queue == QueueGeneral && c.Centre != "":
		f = UserFilter{Role: RoleCentreManager, Centre: c.Centre}
	default:
		f = UserFilter{Role: RoleAdmin}
	}
	users, err := o.store.Users(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("people of level %d: %w", l, err)
	}
	return users, nil
}

// DefaultSweepInterval is how often each replica sweeps by default: a breach is escalated
// well within a minute of its deadline, and a sweep that finds nothing costs two reads.
const DefaultSweepInterval = 30 * time.Second

// RunScheduler sweeps every interval (DefaultSweepInterval if it is not positive) until ctx
// ends. Errors are logged and the next sweep tries again: an outage of the database must not
// stop escalations for good.
func (o *Office) RunScheduler(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultSweepInterval
	}
	loop.Every(ctx, interval, func(ctx context.Context) {
		if res, err := o.Sweep(ctx); err != nil {
			o.log.Error("escalation sweep", "err", err)
		} else if res.Escalated+res.Assigned > 0 {
			o.log.Info("escalation sweep", "escalated", res.Escalated, "assigned", res.Assigned, "lost_to_other_replicas", res.Lost)
		}
	})
}
