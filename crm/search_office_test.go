package crm_test

import (
	"errors"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// The Office runs a search within the user's scope, and refuses search fields no parser
// would produce rather than list every case.
func TestListCasesSearch(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		agent := o.addUser(t, "akinyi", crm.RoleAgent, "", 1)
		officer := o.addUser(t, "faith", crm.RoleIntegrityOfficer, "", 2)
		general := o.complain(t, "+254712345678", crm.CategoryLongWait, "KSM")
		bribe := o.complain(t, "+254712345678", crm.CategoryCorruption, "KSM")

		for _, tc := range []struct {
			name string
			u    crm.User
			q    string
			want []crm.Case
		}{
			{"the agent's case by number", agent, general.Number.Grouped(), []crm.Case{general}},
			{"an integrity case by number, as an agent", agent, bribe.Number.Grouped(), nil},
			{"an integrity case by number, as an officer", officer, bribe.Number.Grouped(), []crm.Case{bribe}},
			{"a phone's ending, as an agent", agent, "5678", []crm.Case{general}},
			{"a phone's ending, as an officer", officer, "5678", []crm.Case{bribe}},
			{"words, as an agent", agent, "SIX hours", []crm.Case{general}},
		} {
			s, err := crm.ParseCaseSearch(tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			f, ok := s.Narrow(crm.CaseFilter{})
			if !ok {
				t.Fatalf("%s: Narrow found a contradiction", tc.name)
			}
			got, err := o.ListCases(ctx, tc.u, f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(got) != len(tc.want) || (len(got) == 1 && got[0].ID != tc.want[0].ID) {
				t.Errorf("%s: %d cases %v, want %v", tc.name, len(got), got, tc.want)
			}
		}

		for _, f := range []crm.CaseFilter{
			{Words: []string{""}},
			{PhoneEnding: "78"},
			{Number: "539 125 728"},
		} {
			if got, err := o.ListCases(ctx, agent, f); !errors.Is(err, crm.ErrBadInput) {
				t.Errorf("ListCases(%+v) = %d cases, %v; want ErrBadInput", f, len(got), err)
			}
		}
	})
}

// A search by number can say whether a ticket has that number.
func TestTicketExists(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		ag, _, err := o.AddAgency(ctx, "NRB", "National Registration Bureau", []string{"ID-NEW"})
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := o.RegisterRequest(ctx, ag, crm.NewRequest{Phone: "+254712345678", Service: "ID-NEW", Centre: "KSM"})
		if err != nil {
			t.Fatal(err)
		}
		c := o.complain(t, "+254712345678", crm.CategoryLongWait, "KSM")
		for ref, want := range map[crm.Reference]bool{r.Ref: true, c.Number: false} {
			if got, err := o.TicketExists(ctx, ref); err != nil || got != want {
				t.Errorf("TicketExists(%s) = %v, %v; want %v", ref, got, err, want)
			}
		}
	})
}
