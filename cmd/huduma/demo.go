package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/huduma-connect/huduma/crm"
)

// demoPassword is every demo user's: the demo is for looking around on a laptop, never for a
// gateway citizens reach, and its data appears only with -demo.
const demoPassword = "huduma-demo"

// demoUsers are the people a visitor can log in as.
var demoUsers = []crm.NewUser{
	{Username: "akinyi", Name: "Akinyi Otieno", Role: crm.RoleAgent, Phone: "+254720000101", Langs: []crm.Lang{crm.English, crm.Swahili}},
	{Username: "baraka", Name: "Baraka Mwangi", Role: crm.RoleAgent, Phone: "+254720000102", Langs: []crm.Lang{crm.Swahili}},
	{Username: "chebet", Name: "Chebet Kiprop", Role: crm.RoleSupervisor, Phone: "+254720000103"},
	{Username: "faith", Name: "Faith Njeri", Role: crm.RoleIntegrityOfficer, Phone: "+254720000104"},
}

// demoComplaints are the citizens' words the demo's cases start from, in both languages.
var demoComplaints = []crm.Complaint{
	{Phone: "+254712300001", Lang: crm.English, Centre: "KSM", Category: crm.CategoryLongWait, Description: "Waited four hours for my ID collection"},
	{Phone: "+254712300002", Lang: crm.Swahili, Centre: "GPO", Category: crm.CategoryStaffConduct, Description: "Mhudumu wa dirisha 3 alitujibu vibaya"},
	{Phone: "+254712300003", Lang: crm.English, Centre: "MSA", Category: crm.CategoryWrongInfo, Description: "Was told the wrong fee for a birth certificate"},
	{Phone: "+254712300004", Lang: crm.Swahili, Centre: "KSM", Category: crm.CategoryLongWait, Description: "Foleni ndefu sana asubuhi"},
	{Phone: "+254712300005", Lang: crm.English, Centre: "NKR", Category: crm.CategoryCorruption, Description: "Asked for 500 shillings to speed up my passport"},
	{Phone: "+254712300006", Lang: crm.English, Category: crm.CategoryOther, Description: "The USSD menu timed out twice"},
	{Phone: "+254712300007", Lang: crm.English, Centre: "ELD", Category: crm.CategoryNotOffered, Description: "Good conduct certificate not offered on Saturday",
		RecordingURL: "https://example.org/recordings/demo-7.mp3"},
}

// seedDemo adds the demo users and a morning's worth of cases in every state (new, claimed
// with a reply, escalated, resolved), once: a database that has the demo users already is
// left as it is.
func seedDemo(ctx context.Context, office *crm.Office, log *slog.Logger) error {
	users := map[string]crm.User{}
	for _, nu := range demoUsers {
		nu.Password = demoPassword
		u, err := office.AddUser(ctx, nu)
		if errors.Is(err, crm.ErrUsernameTaken) {
			log.Info("demo data is there already; log in as akinyi, chebet or faith with password " + demoPassword)
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo: add %s: %w", nu.Username, err)
		}
		if u, err = office.SetAvailable(ctx, u, false); err != nil { // cases wait to be claimed
			return fmt.Errorf("demo: %w", err)
		}
		users[u.Username] = u
	}
	var cases []crm.Case
	for i, in := range demoComplaints {
		in.IdempotencyKey = fmt.Sprintf("demo:%d", i)
		c, err := office.LodgeComplaint(ctx, in)
		if err != nil {
			return fmt.Errorf("demo: complaint %d: %w", i, err)
		}
		cases = append(cases, c)
	}
	agent, sup := users["akinyi"], users["chebet"]
	steps := []func() error{
		func() error { _, err := office.Claim(ctx, agent, cases[0].ID); return err },
		func() error {
			_, err := office.AddNote(ctx, agent, cases[0].ID, "We are sorry. Two more counters open at Kisumu from Monday.", true)
			return err
		},
		func() error {
			_, err := office.AddNote(ctx, agent, cases[0].ID, "Centre manager told; counters 4 and 5 to open.", false)
			return err
		},
		func() error {
			_, err := office.Escalate(ctx, sup, cases[1].ID, "Second complaint about window 3 this week")
			return err
		},
		func() error { _, err := office.Claim(ctx, agent, cases[2].ID); return err },
		func() error {
			_, err := office.Resolve(ctx, agent, cases[2].ID, "The fee is KES 50. The notice at the centre has been corrected.")
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("demo: step %d: %w", i+1, err)
		}
	}
	log.Info(fmt.Sprintf("demo data added: %d cases; log in at /console/ as akinyi (agent), chebet (supervisor) or faith (integrity officer), password %s",
		len(cases), demoPassword))
	return nil
}
