package ussd_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/ussd"
)

// A citizen checks their ticket by typing its number as printed ("123-456 789"): they read
// everything about it. Someone else who types the same number reads the status alone. A
// wrong check digit, and a number nobody holds, are asked again (journey status_check).
func TestStatusCheckOverUSSD(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	ctx := context.Background()
	ag, _, err := g.world.Office.AddAgency(ctx, "NRB", "National Registration Bureau", []string{"ID-NEW"})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := g.world.Office.RegisterRequest(ctx, ag, crm.NewRequest{
		Phone: "+254722000101", Service: "ID-NEW", Centre: "KSM", Status: crm.RequestReady,
		Ready: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	d := string(r.Ref)
	g.journey(t, "status_check", map[string]string{
		"ticket":  d,
		"typed":   d[:3] + "-" + d[3:6] + " " + d[6:],
		"wrong":   d[:8] + string('0'+(d[8]-'0'+1)%10),
		"unknown": string(unknown),
	})
	assertNoFullPhones(t, g)
}

// The whole complaint over USSD in Kiswahili, emoji and all (journey complaint_sw); the case
// and its messages are committed before the citizen reads the number, and a repeated
// confirming hop changes nothing.
func TestComplaintOverUSSD(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	ctx := context.Background()
	const number = "+254722000103"
	if _, err := g.world.Office.AddUser(ctx, crm.NewUser{
		Username: "ksm-manager", Role: crm.RoleCentreManager, Password: "correct horse", Phone: "+254722000199", Centre: "KSM",
	}); err != nil {
		t.Fatal(err)
	}
	played := g.journey(t, "complaint_sw", nil)
	hops := played.Journey.Dials[0].Hops
	confirmed, repeated := hops[len(hops)-2].Screen, hops[len(hops)-1].Screen
	if !slices.Equal(confirmed, repeated) {
		t.Fatalf("a repeated hop answered\n%s\nnot\n%s", strings.Join(repeated, "\n"), strings.Join(confirmed, "\n"))
	}
	first := strings.Join(confirmed, "\n")
	s, err := g.sessions.Load(ctx, "ATUid_complaint_sw-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := played.Value(t, "ref1"); got != string(s.Draft.Case) || !strings.Contains(first, "{ref1}. Tutakutumia SMS.") {
		t.Fatalf("final screen %q shows case %s, not %s", first, got, s.Draft.Case)
	}
	c, err := g.world.Store.CaseByNumber(ctx, s.Draft.Case)
	if err != nil {
		t.Fatal(err)
	}
	if c.Category != crm.CategoryStaffConduct || c.Centre != "KSM" || c.Service != "" || c.Lang != crm.Swahili ||
		c.Description != "Mhudumu alinijibu vibaya 😠 mbele ya watu" || c.Phone != number {
		t.Fatalf("stored case %+v", c)
	}
	if list, err := g.world.Store.Cases(ctx, crm.CaseFilter{Phone: number}); err != nil || len(list) != 1 {
		t.Fatalf("%d cases (%v)", len(list), err)
	}
	rows, err := g.world.Store.Notifications(ctx, crm.NotificationFilter{Subject: crm.CaseSubject(c.Number)})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[crm.NotificationKind]int{}
	for _, n := range rows {
		kinds[n.Kind]++
	}
	if kinds[crm.NotifyComplaintAck] != 1 || kinds[crm.NotifyManagerAlert] != 1 || len(rows) != 2 {
		t.Fatalf("outbox %v", kinds)
	}
	assertNoFullPhones(t, g)
}
