package crm_test

import (
	"errors"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A supervisor moves a case from one agent to another (an agent off sick, a load to even
// out). Who may receive it is whoever could take it were it free: another agent of its queue,
// not a centre manager, and never someone outside the integrity unit for a corruption report.
func TestSupervisorReassigns(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		first := o.addUser(t, "achieng", crm.RoleAgent, "", 1)
		second := o.addUser(t, "baraka", crm.RoleAgent, "", 2)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 3)
		sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 4)
		c := o.complain(t, "+254712000031", crm.CategoryLongWait, "KSM")
		c, err := o.Assign(ctx, sup, c.ID, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = o.Assign(ctx, sup, c.ID, second.ID); err != nil || c.AssigneeID != second.ID {
			t.Fatalf("reassign to another agent: %+v, %v", c, err)
		}
		if _, err := o.Assign(ctx, sup, c.ID, manager.ID); !errors.Is(err, crm.ErrBadInput) {
			t.Fatalf("assign to a centre manager: %v, want ErrBadInput", err)
		}
		report := o.complain(t, "+254712000032", crm.CategoryCorruption, "KSM")
		officer := o.addUser(t, "kamau", crm.RoleIntegrityOfficer, "", 5)
		if _, err := o.Assign(ctx, officer, report.ID, first.ID); !errors.Is(err, crm.ErrBadInput) {
			t.Fatalf("a corruption report assigned to an agent: %v, want ErrBadInput", err)
		}
	})
}
