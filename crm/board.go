package crm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// CaseCount is how many open cases share a queue, level, language and assignee.
type CaseCount struct {
	Queue      Queue
	Level      Level
	Lang       Lang
	AssigneeID int64 // 0: waiting for someone
	Count      int
}

// Board is what a supervisor watches: where the open work is, who is working, and what has
// waited longest.
type Board struct {
	// Open counts the open cases by queue, level and language (assignees summed).
	Open []CaseCount
	// Agents are the people who take cases in the queues the viewer may see, on shift first,
	// each with their open cases against the cap.
	Agents []AgentLoad
	Cap    int
	// Oldest is the longest-waiting unassigned case of each queue and language that has one.
	Oldest []Case
	// VoiceQueues are the callers waiting per agent queue; nil when calls are not configured.
	VoiceQueues map[string]int
}

// AgentLoad is one person's open cases.
type AgentLoad struct {
	User User
	Open int
}

// Board reads the supervisors' board, within what u may see: supervisors and admins see the
// general queue, integrity officers the integrity queue.
func (o *Office) Board(ctx context.Context, u User) (Board, error) {
	var queue Queue
	switch u.Role {
	case RoleSupervisor, RoleAdmin:
		queue = QueueGeneral
	case RoleIntegrityOfficer:
		queue = QueueIntegrity
	default:
		return Board{}, ErrForbidden
	}
	counts, err := o.store.OpenCaseCounts(ctx)
	if err != nil {
		return Board{}, fmt.Errorf("board: %w", err)
	}
	b := Board{Cap: o.cfg.AgentCap}
	byKind := map[CaseCount]int{}
	loads := map[int64]int{}
	for _, c := range counts {
		if c.Queue != queue {
			continue
		}
		byKind[CaseCount{Queue: c.Queue, Level: c.Level, Lang: c.Lang}] += c.Count
		if c.AssigneeID != 0 {
			loads[c.AssigneeID] += c.Count
		}
	}
	for k, n := range byKind {
		k.Count = n
		b.Open = append(b.Open, k)
	}
	slices.SortFunc(b.Open, func(x, y CaseCount) int {
		if x.Level != y.Level {
			return int(x.Level) - int(y.Level)
		}
		return cmp.Compare(string(x.Lang), string(y.Lang))
	})
	role := RoleAgent
	if queue == QueueIntegrity {
		role = RoleIntegrityOfficer
	}
	people, err := o.store.Users(ctx, UserFilter{Role: role})
	if err != nil {
		return Board{}, fmt.Errorf("board: %w", err)
	}
	for _, p := range people {
		b.Agents = append(b.Agents, AgentLoad{User: p, Open: loads[p.ID]})
	}
	slices.SortStableFunc(b.Agents, func(x, y AgentLoad) int {
		switch {
		case x.User.Available != y.User.Available:
			if x.User.Available {
				return -1
			}
			return 1
		case x.Open != y.Open:
			return y.Open - x.Open
		}
		return cmp.Compare(x.User.Name, y.User.Name)
	})
	for _, l := range []Lang{English, Swahili} {
		waiting, err := o.store.UnassignedCases(ctx, queue, l, 1)
		if err != nil {
			return Board{}, fmt.Errorf("board: %w", err)
		}
		b.Oldest = append(b.Oldest, waiting...)
	}
	if CanSeeQueues(u) {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second) // the board must not wait on the voice provider
		defer cancel()
		switch q, err := o.QueueLengths(qctx, u); {
		case err == nil:
			b.VoiceQueues = q
		case errors.Is(err, ErrVoiceUnavailable):
		default:
			o.log.Warn("board: voice queue lengths", "err", err)
		}
	}
	return b, nil
}
