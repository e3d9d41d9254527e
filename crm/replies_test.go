package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Supervisors and administrators keep the saved replies; agents read them; a centre manager,
// who answers no citizen, does not see them. Bad input is refused with nothing written.
func TestSavedReplyRules(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		sup := o.addUser(t, "chebet", crm.RoleSupervisor, "", 1)
		agent := o.addUser(t, "akinyi", crm.RoleAgent, "", 2)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 3)
		r, err := o.PutSavedReply(ctx, sup, crm.SavedReply{Name: " Counters ", Lang: crm.English, Body: "Two more counters from Monday."})
		if err != nil || r.Name != "Counters" || r.UpdatedBy != "chebet" {
			t.Fatalf("put: %+v, %v", r, err)
		}
		for _, bad := range []crm.SavedReply{
			{Name: "", Lang: crm.English, Body: "x"},
			{Name: "x", Lang: crm.English, Body: strings.Repeat("a", crm.MaxReplyBody+1)},
			{Name: "x", Lang: "fr", Body: "x"},
		} {
			if _, err := o.PutSavedReply(ctx, sup, bad); !errors.Is(err, crm.ErrBadInput) {
				t.Fatalf("put %+v: %v, want ErrBadInput", bad, err)
			}
		}
		if _, err := o.PutSavedReply(ctx, agent, crm.SavedReply{Name: "Mine", Lang: crm.English, Body: "x"}); !errors.Is(err, crm.ErrForbidden) {
			t.Fatalf("an agent keeps saved replies: %v", err)
		}
		if list, err := o.SavedReplies(ctx, agent); err != nil || len(list) != 1 {
			t.Fatalf("the agent reads %v, %v", list, err)
		}
		if _, err := o.SavedReplies(ctx, manager); !errors.Is(err, crm.ErrForbidden) {
			t.Fatalf("a centre manager reads saved replies: %v", err)
		}
		if err := o.DeleteSavedReply(ctx, agent, r.ID); !errors.Is(err, crm.ErrForbidden) {
			t.Fatalf("an agent deletes a saved reply: %v", err)
		}
		if err := o.DeleteSavedReply(ctx, sup, r.ID); err != nil {
			t.Fatal(err)
		}
	})
}
