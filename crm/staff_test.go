package crm_test

import (
	"errors"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Who may manage whom: administrators anyone but themselves, supervisors the agents.
func TestCanManage(t *testing.T) {
	admin := crm.User{ID: 1, Role: crm.RoleAdmin}
	sup := crm.User{ID: 2, Role: crm.RoleSupervisor}
	for _, tc := range []struct {
		actor, u crm.User
		want     bool
	}{
		{admin, crm.User{ID: 3, Role: crm.RoleAgent}, true},
		{admin, crm.User{ID: 4, Role: crm.RoleAdmin}, true},
		{admin, admin, false},
		{sup, crm.User{ID: 3, Role: crm.RoleAgent}, true},
		{sup, crm.User{ID: 5, Role: crm.RoleSupervisor}, false},
		{sup, crm.User{ID: 6, Role: crm.RoleIntegrityOfficer}, false},
		{crm.User{ID: 7, Role: crm.RoleAgent}, crm.User{ID: 3, Role: crm.RoleAgent}, false},
	} {
		if got := crm.CanManage(tc.actor, tc.u); got != tc.want {
			t.Errorf("%s manages %s: %v, want %v", tc.actor.Role, tc.u.Role, got, tc.want)
		}
	}
}

// A supervisor adds an agent (with a drawn password), edits them, resets their password and
// ends their sessions, disables them (they can no longer log in, their sessions end, they take
// no cases) and enables them again. A supervisor cannot make an administrator.
func TestManagingAnAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		sup := o.addUser(t, "chebet", crm.RoleSupervisor, "", 1)
		u, password, err := o.AddStaff(ctx, sup, crm.NewUser{Username: "juma", Name: "Juma Hassan", Role: crm.RoleAgent, Phone: "+254720000009"})
		if err != nil || len(password) < 16 {
			t.Fatalf("add: %v, password %q", err, password)
		}
		if _, _, err := o.AddStaff(ctx, sup, crm.NewUser{Username: "boss", Name: "Boss", Role: crm.RoleAdmin}); !errors.Is(err, crm.ErrForbidden) {
			t.Fatalf("a supervisor adds an administrator: %v", err)
		}
		token, _, err := o.Login(ctx, "juma", password)
		if err != nil {
			t.Fatal(err)
		}
		if u, err = o.EditStaff(ctx, sup, u.ID, crm.StaffChange{Name: "Juma H.", Role: crm.RoleAgent, Langs: []crm.Lang{crm.Swahili}}); err != nil || u.Name != "Juma H." {
			t.Fatalf("edit: %+v, %v", u, err)
		}
		if _, err := o.EditStaff(ctx, sup, u.ID, crm.StaffChange{Name: "Juma", Role: crm.RoleAdmin, Langs: []crm.Lang{crm.Swahili}}); !errors.Is(err, crm.ErrForbidden) {
			t.Fatalf("a supervisor makes an agent an administrator: %v", err)
		}
		_, fresh, err := o.ResetPassword(ctx, sup, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Authenticate(ctx, token); !errors.Is(err, crm.ErrUnauthenticated) {
			t.Fatalf("the session before the reset: %v", err)
		}
		if _, _, err := o.Login(ctx, "juma", password); !errors.Is(err, crm.ErrBadCredentials) {
			t.Fatalf("the old password: %v", err)
		}
		if token, _, err = o.Login(ctx, "juma", fresh); err != nil {
			t.Fatal(err)
		}
		if _, err := o.SetAvailable(ctx, u, true); err != nil {
			t.Fatal(err)
		}
		if _, err := o.SetDisabled(ctx, sup, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Authenticate(ctx, token); !errors.Is(err, crm.ErrUnauthenticated) {
			t.Fatalf("a disabled person's session: %v", err)
		}
		if _, _, err := o.Login(ctx, "juma", fresh); !errors.Is(err, crm.ErrDisabled) {
			t.Fatalf("a disabled person logs in: %v", err)
		}
		if _, err := o.SetAvailable(ctx, u, true); !errors.Is(err, crm.ErrDisabled) {
			t.Fatalf("a disabled person goes on shift: %v", err)
		}
		if c := o.complain(t, "+254712000071", crm.CategoryLongWait, "KSM"); c.AssigneeID != 0 {
			t.Fatalf("a new case went to %d while the only agent is disabled", c.AssigneeID)
		}
		if _, err := o.SetDisabled(ctx, sup, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := o.Login(ctx, "juma", fresh); err != nil {
			t.Fatalf("enabled again: %v", err)
		}
		if n, err := o.EndSessions(ctx, sup, u.ID); err != nil || n != 1 {
			t.Fatalf("end sessions: %d, %v", n, err)
		}
		if _, err := o.EndSessions(ctx, sup, sup.ID); !errors.Is(err, crm.ErrForbidden) {
			t.Fatalf("managing oneself: %v", err)
		}
	})
}
