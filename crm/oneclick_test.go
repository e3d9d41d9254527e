package crm_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// interfering is a store whose next case update is overtaken: just before it is written,
// another change is made (and committed) through the same office, so the update meets a
// version conflict the way two simultaneous requests do, every time.
type interfering struct {
	crm.Store
	before atomic.Pointer[func()]
}

func (s *interfering) UpdateCase(ctx context.Context, c crm.Case, ch crm.CaseChange) (crm.Case, error) {
	if f := s.before.Swap(nil); f != nil {
		(*f)()
	}
	return s.Store.UpdateCase(ctx, c, ch)
}

// A version conflict is re-checked against the case as it then is, never applied again
// blindly: an escalation overtaken by the same escalation by someone else is refused with
// the case as it stands (one level up, not two); overtaken by the user's own repeated click
// it is answered with the case, unchanged. A claim overtaken by a colleague's is refused
// with who has it.
func TestConflictsAreRecheckedNotReapplied(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		s := &interfering{Store: open(t)}
		o := newOffice(t, s, at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 1)
		admin := o.addUser(t, "halima", crm.RoleAdmin, "", 2)
		agent := o.addUser(t, "baraka", crm.RoleAgent, "", 3)
		agent2 := o.addUser(t, "chebet", crm.RoleAgent, "", 4)
		for _, u := range []crm.User{agent, agent2} {
			if _, err := o.SetAvailable(ctx, u, false); err != nil { // cases wait to be claimed
				t.Fatal(err)
			}
		}
		overtake := func(f func()) { s.before.Store(&f) }
		escalations := func(c crm.Case) int {
			audit, _, err := s.Timeline(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, a := range audit {
				if a.Action == "escalated" {
					n++
				}
			}
			return n
		}

		// Someone else's escalation overtakes the supervisor's.
		c := o.complain(t, "+254712000001", crm.CategoryLongWait, "KSM")
		overtake(func() {
			if _, err := o.Escalate(ctx, admin, c.ID, "first"); err != nil {
				t.Errorf("the overtaking escalation: %v", err)
			}
		})
		_, err := o.Escalate(ctx, sup, c.ID, "second")
		var conflict *crm.CaseConflict
		if !errors.Is(err, crm.ErrAlreadyEscalated) || !errors.As(err, &conflict) || conflict.Case.Level != crm.LevelSupervisor {
			t.Fatalf("escalation overtaken by another's: %v, want ErrAlreadyEscalated with the case at level 2", err)
		}
		if !strings.Contains(err.Error(), "from level 1 to 2 by halima") || crm.KindOf(err) != crm.KindConflict {
			t.Fatalf("the refusal %q (kind %s) does not say who escalated, as a conflict", err, crm.KindOf(err))
		}
		if got, _ := s.Case(ctx, c.ID); got.Level != crm.LevelSupervisor || escalations(c) != 1 {
			t.Fatalf("after two escalations from level 1: level %d, %d recorded; want 2, once", got.Level, escalations(c))
		}

		// The supervisor's own double click overtakes itself.
		c = o.complain(t, "+254712000002", crm.CategoryLongWait, "KSM")
		overtake(func() {
			if _, err := o.EscalateCase(ctx, sup, c.ID, crm.Escalation{From: crm.LevelAgent}); err != nil {
				t.Errorf("the first click: %v", err)
			}
		})
		got, err := o.EscalateCase(ctx, sup, c.ID, crm.Escalation{From: crm.LevelAgent})
		if err != nil || got.Level != crm.LevelSupervisor || escalations(c) != 1 {
			t.Fatalf("double click: level %d, %d escalations, %v; want level 2, one escalation, no error", got.Level, escalations(c), err)
		}
		// And the same request with its key, later, changes nothing either.
		if got, err = o.EscalateCase(ctx, sup, c.ID, crm.Escalation{RequestKey: "k1"}); err != nil || got.Level != crm.LevelManager {
			t.Fatalf("escalation with a key: level %d, %v", got.Level, err)
		}
		if got, err = o.EscalateCase(ctx, sup, c.ID, crm.Escalation{RequestKey: "k1"}); err != nil || got.Level != crm.LevelManager || escalations(c) != 2 {
			t.Fatalf("the same key again: level %d, %d escalations, %v; want level 3, two escalations", got.Level, escalations(c), err)
		}
		if _, err := o.EscalateCase(ctx, sup, c.ID, crm.Escalation{From: 7}); !errors.Is(err, crm.ErrBadInput) {
			t.Fatalf("escalating from level 7: %v, want ErrBadInput", err)
		}

		// Two agents click claim on the same free case.
		c = o.complain(t, "+254712000003", crm.CategoryLongWait, "KSM")
		overtake(func() {
			if _, err := o.Claim(ctx, agent2, c.ID); err != nil {
				t.Errorf("the winning claim: %v", err)
			}
		})
		_, err = o.Claim(ctx, agent, c.ID)
		if !errors.Is(err, crm.ErrAlreadyClaimed) || !errors.As(err, &conflict) || conflict.Case.AssigneeID != agent2.ID {
			t.Fatalf("the losing claim: %v, want ErrAlreadyClaimed with the case as chebet holds it", err)
		}
		if !strings.Contains(err.Error(), "already claimed by chebet") {
			t.Fatalf("the losing claim says %q, want who won", err)
		}
		// A supervisor clicking claim a moment after is refused the same way, not given it.
		if _, err := o.Claim(ctx, sup, c.ID); !errors.Is(err, crm.ErrAlreadyClaimed) {
			t.Fatalf("a supervisor's claim of a held case: %v, want ErrAlreadyClaimed", err)
		}
		if got, err := o.Claim(ctx, agent2, c.ID); err != nil || got.AssigneeID != agent2.ID {
			t.Fatalf("the winner claiming again: %v", err)
		}
	})
}
