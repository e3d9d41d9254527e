package crm_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
)

// BenchmarkInboxMillion times the console's lists and searches, as the inbox asks them of the
// office, on Postgres with 1,000,000 cases: 52 centres, two years of complaints, most of them
// long closed, a few percent open at every level, 50 agents, 300,000 phones, both languages.
// Each sub-benchmark reports its p50 and p99 (ms) over the iterations. The setup writes the
// rows with one INSERT … SELECT (with the case feed's trigger off) and takes a minute:
//
//	go test -run '^$' -bench InboxMillion -benchtime 200x ./crm/
func BenchmarkInboxMillion(b *testing.B) {
	ctx := context.Background()
	s, conn := benchStore(b)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, nairobi)
	c := testkit.NewClock(now)
	desk, err := crm.NewDesk(ctx, s, crm.DeskConfig{Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	o := crm.NewOffice(desk, crm.OfficeConfig{Logger: discard, PasswordCost: 4})
	var agents []crm.User
	for i := range 50 {
		u, err := o.AddUser(ctx, crm.NewUser{Username: fmt.Sprintf("agent%02d", i), Name: fmt.Sprintf("Agent %02d", i),
			Role: crm.RoleAgent, Password: "correct horse battery", Phone: crm.Phone(fmt.Sprintf("+2547200%05d", i))})
		if err != nil {
			b.Fatal(err)
		}
		agents = append(agents, u)
	}
	began := time.Now()
	fill := []string{
		`ALTER TABLE cases DISABLE TRIGGER cases_changed`,
		// g's digits choose everything, so the data is the same on every run. 4% of cases are
		// open (1% new and nobody's, 2.5% with an agent, 0.5% waiting for the citizen); open
		// cases are due within two days either side of now, a tenth of them escalated.
		`INSERT INTO cases (number, kind, category, queue, phone, lang, centre, service, description,
			callback_asap, status, level, assignee_id, due_at, resolution_due, version, created_at, updated_at)
		SELECT lpad(g::text, 9, '0'), 'complaint',
			(ARRAY['long_wait','staff_conduct','service_not_offered','wrong_information','other','corruption'])[1 + g % 6],
			CASE WHEN g % 6 = 5 THEN 'integrity' ELSE 'general' END,
			'+2547' || lpad((g::bigint * 7919 % 300000)::text, 8, '0'),
			CASE WHEN g % 5 < 3 THEN 'sw' ELSE 'en' END,
			(SELECT array_agg(code ORDER BY code) FROM centres)[1 + g % 52], '',
			(ARRAY['Foleni ndefu sana asubuhi','Waited four hours for my ID','Mhudumu alitujibu vibaya',
				'Wrong fee quoted for a birth certificate','Service not offered on Saturday','Asked for money to speed up my passport',
				'The system was down all day','Nilitumwa dirisha lingine mara tatu'])[1 + g % 8] || ' ' || (g % 997),
			false,
			CASE WHEN g % 100 = 0 THEN 'new' WHEN g % 100 IN (1, 2) THEN 'assigned' WHEN g % 200 = 3 THEN 'in_progress'
				WHEN g % 200 = 103 THEN 'pending_citizen' WHEN g % 3 = 0 THEN 'resolved' ELSE 'closed' END,
			CASE WHEN g % 100 IN (0, 1, 2, 3) AND g % 1000 < 100 THEN 2 + g % 3 ELSE 1 END,
			CASE WHEN g % 100 = 0 THEN NULL ELSE ($2::bigint[])[1 + (g / 100) % 50] END,
			CASE WHEN g % 100 IN (0, 1, 2) OR g % 200 = 3 THEN $1::timestamptz + ((g % 5760) - 2880) * interval '1 minute' END,
			$1::timestamptz + interval '10 days', 1,
			$1::timestamptz - (g % 1051200) * interval '1 minute', $1::timestamptz - (g % 1051200) * interval '1 minute'
		FROM generate_series(1, 1000000) AS g`,
		`ALTER TABLE cases ENABLE TRIGGER cases_changed`,
		`ANALYZE cases`,
	}
	ids := make([]int64, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	for i, q := range fill {
		args := []any{}
		if i == 1 {
			args = []any{now, ids}
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	b.Logf("filled 1,000,000 cases in %v", time.Since(began).Round(time.Second))

	agent := agents[7]
	open := []crm.CaseStatus{crm.CaseNew, crm.CaseAssigned, crm.CaseInProgress, crm.CasePendingCitizen}
	search := func(q string) crm.CaseFilter {
		s, err := crm.ParseCaseSearch(q)
		if err != nil {
			b.Fatal(err)
		}
		f, _ := s.Narrow(crm.CaseFilter{})
		return f
	}
	var someNumber crm.Reference = "000424242"
	queries := []struct {
		name string
		f    crm.CaseFilter
	}{
		{"mine_open", crm.CaseFilter{AssigneeID: agent.ID, Status: open}},
		{"unassigned", crm.CaseFilter{Status: []crm.CaseStatus{crm.CaseNew}}},
		{"breaching_soon", crm.CaseFilter{DueBefore: o.BreachingSoon(), Status: open}},
		{"escalated_open", crm.CaseFilter{MinLevel: crm.LevelSupervisor, Status: open}},
		{"all_open", crm.CaseFilter{Status: open}},
		{"all_any_status", crm.CaseFilter{}},
		{"all_resolved", crm.CaseFilter{Status: []crm.CaseStatus{crm.CaseResolved}}},
		{"search_number", crm.CaseFilter{Number: someNumber}},
		{"search_phone", search("0700007919")}, // case 1's
		{"search_phone_ending", search("7919")},
		{"search_words_common", search("foleni ndefu")},
		{"search_words_rare", search("passport 433")},
		{"search_words_none", search("zebra")},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			var took []time.Duration
			found := 0
			for b.Loop() {
				f := q.f
				f.Limit = 51 // the inbox's page and one more, to know there is a next page
				t0 := time.Now()
				list, err := o.ListCases(ctx, agent, f)
				took = append(took, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				found = len(list)
			}
			slices.Sort(took)
			b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
			b.ReportMetric(ms(took[(len(took)*99)/100]), "p99-ms")
			b.ReportMetric(float64(found), "rows")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
