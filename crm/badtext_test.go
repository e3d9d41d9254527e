package crm_test

import (
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// What staff type into the console's forms (a person's name, a saved reply) is refused as bad
// input when it carries a NUL or another control character, never passed to the store, which
// on Postgres would fail with a 500.
func TestStaffTextWithControlBytesIsBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		ctx := storetest.Context(t)
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		admin := o.addUser(t, "admin", crm.RoleAdmin, "", 1)
		agent := o.addUser(t, "baraka", crm.RoleAgent, "", 2)
		bad := func(what string, err error) {
			t.Helper()
			if crm.KindOf(err) != crm.KindInvalid {
				t.Errorf("%s: %v, want bad input", what, err)
			}
		}
		_, err := o.AddUser(ctx, crm.NewUser{Username: "nul", Name: "Ba\x00raka", Role: crm.RoleAgent, Password: "correct horse battery"})
		bad("a new user's name", err)
		_, err = o.EditStaff(ctx, admin, agent.ID, crm.StaffChange{Name: "Ba\x00raka", Role: crm.RoleAgent, Queue: crm.QueueGeneral, Langs: []crm.Lang{crm.English}})
		bad("an edited name", err)
		_, err = o.PutSavedReply(ctx, admin, crm.SavedReply{Name: "Pole", Lang: crm.Swahili, Body: "Samahani\x00 kwa kusubiri"})
		bad("a saved reply's body", err)
		_, err = o.PutSavedReply(ctx, admin, crm.SavedReply{Name: "Po\x07le", Lang: crm.Swahili, Body: "Samahani kwa kusubiri"})
		bad("a saved reply's name", err)
		if r, err := o.PutSavedReply(ctx, admin, crm.SavedReply{Name: " Pole ", Lang: crm.Swahili, Body: "Samahani  kwa\nkusubiri"}); err != nil || r.Name != "Pole" || r.Body != "Samahani kwa kusubiri" {
			t.Fatalf("a clean saved reply: %+v, %v", r, err)
		}
	})
}
