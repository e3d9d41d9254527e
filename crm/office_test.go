package crm_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

var nairobi = mustLoad("Africa/Nairobi")

// discard drops the office's logs in benchmarks.
var discard = slog.New(slog.DiscardHandler)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// office is a back office over a real, seeded store and a fake clock.
type office struct {
	*crm.Office
	store crm.Store
	clock *testkit.Clock
	desk  *crm.Desk
	logs  *testkit.Logs // the office's; an ERROR fails the test unless it expects one
}

// eachStore runs f against every real store kind; open gives it a fresh, seeded store.
func eachStore(t *testing.T, f func(t *testing.T, open func(t *testing.T) crm.Store)) {
	for _, k := range realstore.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			f(t, func(t *testing.T) crm.Store { return k.OpenSeeded(t) })
		})
	}
}

func newOffice(t *testing.T, s crm.Store, now time.Time) *office {
	t.Helper()
	c := testkit.NewClock(now)
	desk, err := crm.NewDesk(storetest.Context(t), s, crm.DeskConfig{
		Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, Now: c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testkit.Logger(t)
	return &office{Office: crm.NewOffice(desk, crm.OfficeConfig{PasswordCost: 4, AgentCap: 3, Logger: log}), store: s, clock: c, desk: desk, logs: logs}
}

func at(s string) time.Time {
	v, err := time.ParseInLocation("2006-01-02 15:04", s, nairobi)
	if err != nil {
		panic(err)
	}
	return v
}

func (o *office) addUser(t *testing.T, name string, role crm.Role, centre string, phone int, langs ...crm.Lang) crm.User {
	t.Helper()
	u, err := o.AddUser(storetest.Context(t), crm.NewUser{
		Username: name, Role: role, Centre: centre, Password: "correct horse battery",
		Phone: crm.Phone("+2547220000" + strconv.Itoa(10+phone)), Langs: langs,
	})
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return u
}

func (o *office) complain(t *testing.T, phone string, cat crm.Category, centre string) crm.Case {
	t.Helper()
	c, err := o.LodgeComplaint(storetest.Context(t), crm.Complaint{
		Phone: crm.Phone(phone), Lang: crm.English, Centre: centre, Category: cat, Description: "waited six hours",
	})
	if err != nil {
		t.Fatalf("lodge: %v", err)
	}
	return c
}

func notifications(t *testing.T, s crm.Store, f crm.NotificationFilter) []crm.Notification {
	t.Helper()
	n, err := s.Notifications(storetest.Context(t), f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestComplaintQueuesAcknowledgementAndManagerAlert(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ksm := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 1)
		o.addUser(t, "wanjiru", crm.RoleCentreManager, "MSA", 2)

		c := o.complain(t, "+254712000001", crm.CategoryLongWait, "KSM")
		subject := crm.NotificationFilter{Subject: crm.CaseSubject(c.Number)}
		got := notifications(t, o.store, subject)
		if len(got) != 2 {
			t.Fatalf("outbox rows for the case = %d, want the acknowledgement and one manager alert: %+v", len(got), got)
		}
		if got[0].Kind != crm.NotifyComplaintAck || got[0].Phone != "+254712000001" {
			t.Errorf("first row = %+v, want the acknowledgement to the citizen", got[0])
		}
		if got[1].Kind != crm.NotifyManagerAlert || got[1].Phone != ksm.Phone {
			t.Errorf("second row = %+v, want an alert to the KSM manager", got[1])
		}
		if got[1].Params["case"] != string(c.Number) {
			t.Errorf("alert names case %q, want %q", got[1].Params["case"], c.Number)
		}

		// Bad input leaves nothing behind.
		_, err := o.LodgeComplaint(storetest.Context(t), crm.Complaint{
			Phone: "+254712000002", Category: crm.CategoryLongWait, Centre: "KSM", Description: string(make([]rune, 1000)),
		})
		if err == nil {
			t.Fatal("a 1,000-character description was accepted")
		}
		if n := notifications(t, o.store, crm.NotificationFilter{Phone: "+254712000002"}); len(n) != 0 {
			t.Errorf("a refused complaint queued %d messages", len(n))
		}
	})
}

func TestCorruptionReportGoesToIntegrityOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 1)
		supervisor := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 2)
		officer := o.addUser(t, "kamau", crm.RoleIntegrityOfficer, "", 3)

		c := o.complain(t, "+254712000001", crm.CategoryCorruption, "KSM")
		if c.Queue != crm.QueueIntegrity {
			t.Fatalf("queue = %s, want integrity", c.Queue)
		}
		if c.AssigneeID != officer.ID {
			t.Errorf("assigned to %d, want the integrity officer %d", c.AssigneeID, officer.ID)
		}
		if n := notifications(t, o.store, crm.NotificationFilter{Phone: manager.Phone}); len(n) != 0 {
			t.Errorf("the centre manager was alerted about a corruption report: %+v", n)
		}
		ctx := storetest.Context(t)
		for _, u := range []crm.User{manager, supervisor} {
			if _, err := o.CaseDetail(ctx, u, c.ID); err == nil {
				t.Errorf("%s can open the corruption report", u.Role)
			}
			list, err := o.ListCases(ctx, u, crm.CaseFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("%s lists %d cases (%v), want none", u.Role, len(list), err)
			}
		}
		if _, err := o.CaseDetail(ctx, officer, c.ID); err != nil {
			t.Errorf("the integrity officer cannot open it: %v", err)
		}
		// Its one-hour first-response target.
		if want := at("2026-11-24 10:00"); !c.DueAt.Equal(want) {
			t.Errorf("due %s, want %s", c.DueAt.In(nairobi), want)
		}
	})
}

func TestEscalationClimbsAllFourLevelsOnBusinessTime(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		// Lodged on Christmas Eve (a Thursday) at 15:00: Christmas Day is a public holiday,
		// then a weekend. First response is due after 4 business hours: Monday 28th 10:00.
		o := newOffice(t, open(t), at("2026-12-24 15:00"))
		ctx := storetest.Context(t)
		o.addUser(t, "akinyi", crm.RoleSupervisor, "", 1)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 2)
		admin := o.addUser(t, "njeri", crm.RoleAdmin, "", 3)
		c := o.complain(t, "+254712000001", crm.CategoryStaffConduct, "KSM")

		steps := []struct {
			now       string
			wantLevel crm.Level
			alerted   crm.Phone
		}{
			{"2026-12-25 12:00", 1, ""},              // Christmas: no business time passes
			{"2026-12-28 09:59", 1, ""},              // a minute before the deadline
			{"2026-12-28 10:00", 2, "+254722000011"}, // breach: the supervisor
			{"2026-12-28 13:59", 2, ""},              // L2 has 4 business hours
			{"2026-12-28 14:00", 3, manager.Phone},   // the centre manager
			{"2026-12-29 09:00", 4, admin.Phone},     // 14:00 + 4h = Tue 09:00: the secretariat
			{"2027-01-15 09:00", 4, ""},              // the top: recorded once, then stops
		}
		for _, st := range steps {
			o.clock.Set(at(st.now))
			if _, err := o.Sweep(ctx); err != nil {
				t.Fatalf("%s: sweep: %v", st.now, err)
			}
			got, err := o.store.Case(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Level != st.wantLevel {
				t.Fatalf("%s: level %d, want %d", st.now, got.Level, st.wantLevel)
			}
			if st.alerted != "" {
				n := notifications(t, o.store, crm.NotificationFilter{Phone: st.alerted, Kind: crm.NotifyEscalation})
				if len(n) != 1 || n[0].Params["level"] != strconv.Itoa(int(st.wantLevel)) {
					t.Errorf("%s: escalation alerts to %s = %+v, want one for level %d", st.now, crm.MaskPhone(string(st.alerted)), n, st.wantLevel)
				}
			}
		}
		audit, _, err := o.store.Timeline(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var escalated, breached int
		for _, a := range audit {
			switch a.Action {
			case "escalated":
				escalated++
				if a.Actor != "system" {
					t.Errorf("escalation by %q, want system", a.Actor)
				}
			case "breached":
				breached++
			}
		}
		if escalated != 3 || breached != 1 {
			t.Errorf("audit: %d escalations and %d top-level breaches, want 3 and 1", escalated, breached)
		}
	})
}

func TestPendingCitizenPausesTheClock(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 1)
		c := o.complain(t, "+254712000001", crm.CategoryLongWait, "")
		c, err := o.SetStatus(ctx, sup, c.ID, crm.CaseInProgress, "")
		if err != nil {
			t.Fatal(err)
		}
		resolutionDue := c.ResolutionDue
		if _, err := o.SetStatus(ctx, sup, c.ID, crm.CasePendingCitizen, "please send your ticket number"); err != nil {
			t.Fatal(err)
		}
		o.clock.Set(at("2026-12-07 09:00")) // past the resolution target, while paused
		if res, err := o.Sweep(ctx); err != nil || res.Escalated != 0 {
			t.Fatalf("a paused case escalated (%+v, %v)", res, err)
		}
		o.clock.Set(at("2026-12-08 09:00")) // one business day later the citizen answers
		c, err = o.SetStatus(ctx, sup, c.ID, crm.CaseInProgress, "")
		if err != nil {
			t.Fatal(err)
		}
		paused := o.Clock().Between(at("2026-11-24 09:00"), at("2026-12-08 09:00"))
		if want := o.Clock().Add(resolutionDue, paused); !c.ResolutionDue.Equal(want) {
			t.Errorf("resolution due %s after the pause, want %s", c.ResolutionDue.In(nairobi), want.In(nairobi))
		}
	})
}

func TestTwoSchedulersEscalateEachBreachOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		s := open(t)
		start := at("2026-11-24 09:00")
		a, b := newOffice(t, s, start), newOffice(t, s, start)
		ctx := storetest.Context(t)
		a.addUser(t, "akinyi", crm.RoleSupervisor, "", 1)
		const cases = 40
		for i := range cases {
			a.complain(t, "+2547120001"+strconv.Itoa(10+i), crm.CategoryOther, "")
		}
		later := at("2026-11-24 13:00") // the 4-hour first response has passed for all
		a.clock.Set(later)
		b.clock.Set(later)
		var wg sync.WaitGroup
		results := make([]crm.SweepResult, 2)
		for i, o := range []*office{a, b} {
			wg.Go(func() {
				var err error
				if results[i], err = o.Sweep(ctx); err != nil {
					t.Errorf("scheduler %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if got := results[0].Escalated + results[1].Escalated; got != cases {
			t.Errorf("escalations written = %d (%d + %d), want %d", got, results[0].Escalated, results[1].Escalated, cases)
		}
		list, err := s.Cases(ctx, crm.CaseFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.Level != crm.LevelSupervisor {
				t.Errorf("case %s at level %d, want 2", c.Number, c.Level)
			}
			audit, _, err := s.Timeline(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range audit {
				if e.Action == "escalated" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("case %s has %d escalation entries, want 1", c.Number, n)
			}
		}
		if n := notifications(t, s, crm.NotificationFilter{Phone: "+254722000011", Kind: crm.NotifyEscalation}); len(n) != cases {
			t.Errorf("supervisor alerts = %d, want %d (one per breach)", len(n), cases)
		}
	})
}

func TestRoundRobinAssignmentBySpokenLanguageWithCap(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00")) // cap 3
		ctx := storetest.Context(t)
		a := o.addUser(t, "achieng", crm.RoleAgent, "", 1, crm.English, crm.Swahili)
		b := o.addUser(t, "baraka", crm.RoleAgent, "", 2, crm.Swahili)
		c := o.addUser(t, "chebet", crm.RoleAgent, "", 3, crm.English)

		lodge := func(i int, lang crm.Lang) crm.Case {
			o.clock.Advance(time.Minute) // round-robin orders by when each agent was last given a case
			cs, err := o.LodgeComplaint(ctx, crm.Complaint{
				Phone: crm.Phone("+2547120002" + strconv.Itoa(10+i)), Lang: lang, Category: crm.CategoryOther, Description: "help",
			})
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		want := []int64{a.ID, b.ID, a.ID, b.ID, a.ID, b.ID} // Kiswahili: achieng and baraka in turn
		for i, w := range want {
			if got := lodge(i, crm.Swahili).AssigneeID; got != w {
				t.Errorf("Kiswahili case %d went to %d, want %d", i, got, w)
			}
		}
		// achieng and baraka are full (cap 3): English goes to chebet until she is full too.
		for i := range 3 {
			if got := lodge(10+i, crm.English).AssigneeID; got != c.ID {
				t.Errorf("English case %d went to %d, want chebet %d", i, got, c.ID)
			}
		}
		waiting := lodge(20, crm.English)
		if waiting.AssigneeID != 0 || waiting.Status != crm.CaseNew {
			t.Errorf("with every agent at the cap, the case went to %d (%s), want it waiting", waiting.AssigneeID, waiting.Status)
		}
		// chebet resolves one: the sweep hands her the waiting case.
		done, err := o.ListCases(ctx, c, crm.CaseFilter{AssigneeID: c.ID})
		if err != nil || len(done) == 0 {
			t.Fatalf("chebet's cases: %d (%v)", len(done), err)
		}
		if _, err := o.Resolve(ctx, c, done[0].ID, "sorted"); err != nil {
			t.Fatal(err)
		}
		if res, err := o.Sweep(ctx); err != nil || res.Assigned != 1 {
			t.Fatalf("sweep assigned %d (%v), want 1", res.Assigned, err)
		}
		if got, err := o.store.Case(ctx, waiting.ID); err != nil || got.AssigneeID != c.ID {
			t.Errorf("the waiting case went to %d (%v), want chebet", got.AssigneeID, err)
		}
	})
}

// assignCounter is a real store that counts the assignments it is asked for.
type assignCounter struct {
	crm.Store
	calls atomic.Int64
	read  atomic.Int64 // waiting cases read
}

func (s *assignCounter) UnassignedCases(ctx context.Context, q crm.Queue, l crm.Lang, limit int) ([]crm.Case, error) {
	list, err := s.Store.UnassignedCases(ctx, q, l, limit)
	s.read.Add(int64(len(list)))
	return list, err
}

func (s *assignCounter) AssignNext(ctx context.Context, c crm.Case, limit int, now time.Time) (crm.Case, crm.User, error) {
	s.calls.Add(1)
	return s.Store.AssignNext(ctx, c, limit, now)
}

// With cases waiting and nobody able to take them, a sweep asks once per queue and language,
// not once per case: a backlog of hundreds must not cost hundreds of locking transactions
// every sweep while the agents are all busy.
func TestSweepAsksOncePerKindNobodyCanTake(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		store := &assignCounter{Store: open(t)}
		o := newOffice(t, store, at("2026-11-24 09:00")) // cap 3
		ctx := storetest.Context(t)
		for i := range 10 {
			lang := crm.English
			if i%2 == 1 {
				lang = crm.Swahili
			}
			if _, err := o.LodgeComplaint(ctx, crm.Complaint{
				Phone: crm.Phone("+2547120003" + strconv.Itoa(10+i)), Lang: lang, Category: crm.CategoryOther, Description: "help",
			}); err != nil {
				t.Fatal(err)
			}
		}
		store.calls.Store(0)
		if res, err := o.Sweep(ctx); err != nil || res.Assigned != 0 {
			t.Fatalf("sweep with no agents: assigned %d, %v", res.Assigned, err)
		}
		if n := store.calls.Load(); n != 2 {
			t.Errorf("sweep with no agents asked for %d assignments, want 2 (English, Kiswahili)", n)
		}
		// And read no more than the case it asked about, of each kind.
		if n := store.read.Load(); n != 2 {
			t.Errorf("sweep with no agents read %d waiting cases, want 2", n)
		}

		o.addUser(t, "chebet", crm.RoleAgent, "", 3, crm.English)
		store.calls.Store(0)
		if res, err := o.Sweep(ctx); err != nil || res.Assigned != 3 {
			t.Fatalf("sweep with one English agent (cap 3): assigned %d, %v; want 3", res.Assigned, err)
		}
		// Three English cases assigned, the fourth finds her full; Kiswahili is asked once.
		if n := store.calls.Load(); n != 5 {
			t.Errorf("sweep asked for %d assignments, want 5", n)
		}
	})
}

// A pile of waiting cases nobody can take (more than a page of them) must not hide a younger
// case of another kind that someone can take: the sweep assigns kind by kind.
func TestSweepReachesCasesBehindAPileNobodyCanTake(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		lodge := func(i int, lang crm.Lang) {
			if _, err := o.LodgeComplaint(ctx, crm.Complaint{
				Phone: crm.Phone(fmt.Sprintf("+25471300%04d", i)), Lang: lang, Category: crm.CategoryOther, Description: "help",
			}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 501 { // one more than a sweep reads at a time; no Kiswahili agent
			lodge(i, crm.Swahili)
		}
		lodge(9999, crm.English)
		o.addUser(t, "chebet", crm.RoleAgent, "", 3, crm.English)
		if res, err := o.Sweep(ctx); err != nil || res.Assigned != 1 {
			t.Fatalf("sweep: assigned %d, %v; want the English case behind the Kiswahili ones", res.Assigned, err)
		}
	})
}

func TestReopenWithinSevenDaysAndEscalateByHand(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 1)
		agent := o.addUser(t, "baraka", crm.RoleAgent, "", 2)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 3)
		c := o.complain(t, "+254712000001", crm.CategoryLongWait, "KSM")

		// An agent may not escalate; a supervisor may, and the next level hears of it.
		if _, err := o.Escalate(ctx, agent, c.ID, "too hard"); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("agent escalated: %v", err)
		}
		c, err := o.Escalate(ctx, sup, c.ID, "citizen called twice")
		if err != nil || c.Level != crm.LevelSupervisor {
			t.Fatalf("escalate by hand: level %d, %v", c.Level, err)
		}
		if c, err = o.Escalate(ctx, sup, c.ID, "centre must act"); err != nil || c.Level != crm.LevelManager {
			t.Fatalf("second escalation: level %d, %v", c.Level, err)
		}
		if n := notifications(t, o.store, crm.NotificationFilter{Phone: manager.Phone, Kind: crm.NotifyEscalation}); len(n) != 1 {
			t.Errorf("centre manager got %d escalation alerts, want 1", len(n))
		}

		// Illegal moves are refused.
		if _, err := o.SetStatus(ctx, sup, c.ID, crm.CaseClosed, ""); !errors.Is(err, crm.ErrBadTransition) {
			t.Errorf("assigned → closed: %v, want ErrBadTransition", err)
		}
		if _, err := o.Resolve(ctx, sup, c.ID, "extra counter opened"); err != nil {
			t.Fatal(err)
		}
		o.clock.Advance(6 * 24 * time.Hour)
		if c, err = o.SetStatus(ctx, sup, c.ID, crm.CaseInProgress, "citizen says it happened again"); err != nil {
			t.Fatalf("reopen on day 6: %v", err)
		}
		if c.DueAt.IsZero() || !c.ResolvedAt.IsZero() {
			t.Errorf("reopened case has no deadline (%v) or keeps its resolution time (%v)", c.DueAt, c.ResolvedAt)
		}
		if _, err := o.Resolve(ctx, sup, c.ID, "done"); err != nil {
			t.Fatal(err)
		}
		o.clock.Advance(7*24*time.Hour + time.Minute)
		if _, err := o.SetStatus(ctx, sup, c.ID, crm.CaseInProgress, ""); !errors.Is(err, crm.ErrReopenExpired) {
			t.Errorf("reopen after 7 days: %v, want ErrReopenExpired", err)
		}
		audit, _, err := o.store.Timeline(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range audit {
			actions = append(actions, a.Actor+":"+a.Action)
		}
		want := "citizen:created system:assigned akinyi:escalated akinyi:escalated akinyi:status akinyi:status akinyi:status"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("audit trail:\n got %s\nwant %s", got, want)
		}
	})
}
