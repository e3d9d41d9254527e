package ussd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/ussd"
)

// A citizen checks their ticket by typing its number as printed ("123-456 789"): they read
// everything about it. Someone else who types the same number reads the status alone.
func TestStatusCheckOverUSSD(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	ctx := context.Background()
	const owner, stranger = "+254722000101", "+254722000102"
	ag, _, err := g.world.Office.AddAgency(ctx, "NRB", "National Registration Bureau", []string{"ID-NEW"})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := g.world.Office.RegisterRequest(ctx, ag, crm.NewRequest{
		Phone: owner, Service: "ID-NEW", Centre: "KSM", Status: crm.RequestReady,
		Ready: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := string(r.Ref)
	typed := d[:3] + "-" + d[3:6] + " " + d[6:]

	p := g.dial(t, "ATUid_st1", owner).pick("English").pick("Check status").expect("CON Enter your ticket or case number:\n0.Back 00.Menu")
	wrong := d[:8] + string('0'+(d[8]-'0'+1)%10)
	p.press(wrong).expect("CON That number is not valid. Please check it and try again.\nEnter your ticket or case number:")
	p.press(typed)
	if want := "END Ticket " + r.Ref.Grouped() + ": New ID card\nStatus: Ready for collection\nCollect it at Huduma Centre Kisumu. Bring your ticket and ID."; p.reply != want {
		t.Fatalf("owner reads\n%s\nwant\n%s", p.reply, want)
	}

	q := g.dial(t, "ATUid_st2", stranger).pick("Kiswahili").pick("Angalia hali ya ombi").expect("CON Weka nambari ya tiketi au kesi:")
	q.press(r.Ref.Grouped())
	if want := "END Tiketi " + r.Ref.Grouped() + "\nHali: Liko tayari kuchukuliwa"; q.reply != want {
		t.Fatalf("stranger reads\n%s\nwant\n%s", q.reply, want)
	}
	unknown, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	g.dial(t, "ATUid_st3", stranger).pick("Angalia hali ya ombi").press(string(unknown)).
		expect("CON Hatukupata tiketi wala kesi yenye nambari hiyo.\nWeka nambari ya tiketi au kesi:")
	assertNoFullPhones(t, g)
}

// The whole complaint over USSD in Kiswahili, emoji and all; the case and its messages are
// committed before the citizen reads the number, and a repeated confirming hop changes
// nothing.
func TestComplaintOverUSSD(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	ctx := context.Background()
	const number = "+254722000103"
	if _, err := g.world.Office.AddUser(ctx, crm.NewUser{
		Username: "ksm-manager", Role: crm.RoleCentreManager, Password: "correct horse", Phone: "+254722000199", Centre: "KSM",
	}); err != nil {
		t.Fatal(err)
	}
	p := g.dial(t, "ATUid_cmp", number).pick("Kiswahili").pick("Toa malalamiko").expect("CON Je, linahusu Kituo cha Huduma?")
	p.pick("Ndiyo, Kituo cha Huduma").expect("CON Kaunti ya kituo:").pickPaged("Kisumu").expect("CON Kituo kipi cha Huduma?")
	p.pick("Kisumu").expect("CON Linahusu nini?").pickPaged("Tabia ya wahudumu").expect("CON Huduma ipi? (si lazima)\n1. Ruka")
	p.pick("Ruka").expect("CON Eleza tatizo kwa maneno machache:\n0.Rudi 00.Mwanzo")
	p.press("").expect("CON Tafadhali andika maneno machache kuhusu tatizo.\nEleza tatizo")
	p.press("Mhudumu alinijibu vibaya 😠 mbele ya watu")
	if want := "CON Tuma lalamiko?\nTabia ya wahudumu\nKisumu\n1. Thibitisha\n2. Ghairi\n0.Rudi 00.Mwanzo"; p.reply != want {
		t.Fatalf("confirmation\n%s\nwant\n%s", p.reply, want)
	}
	p.pick("Thibitisha").expect("END Tumepokea lalamiko lako. Kesi ")
	first := p.reply
	p.send() // the aggregator repeats the confirming hop
	if p.reply != first {
		t.Fatalf("a repeated hop answered\n%s\nnot\n%s", p.reply, first)
	}
	s, err := g.sessions.Load(ctx, p.session)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, s.Draft.Case.Grouped()+". Tutakutumia SMS.") {
		t.Fatalf("final screen %q lacks case %s", first, s.Draft.Case.Grouped())
	}
	c, err := g.world.Store.CaseByNumber(ctx, s.Draft.Case)
	if err != nil {
		t.Fatal(err)
	}
	if c.Category != crm.CategoryStaffConduct || c.Centre != "KSM" || c.Service != "" || c.Lang != crm.Swahili ||
		c.Description != "Mhudumu alinijibu vibaya 😠 mbele ya watu" || c.Phone != number {
		t.Fatalf("stored case %+v", c)
	}
	if list, _ := g.world.Store.Cases(ctx, crm.CaseFilter{Phone: number}); len(list) != 1 {
		t.Fatalf("%d cases", len(list))
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
