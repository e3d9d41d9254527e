package console_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// The role matrix of crm/access.go, through the API. Each cell is the HTTP status of one
// action by one kind of user on a fresh case:
//
//	agent, supervisor, admin   the general queue
//	centre_manager             general cases about their own centre
//	integrity_officer          the integrity queue (corruption reports) and nothing else
//	dpo                        nothing: the data protection officer works citizens' requests
//
// A case a user may not see is 404 for every action; a visible case the role may not act on
// is 403. Placing a call answers 202 (the call is ringing); the matrix writes it as yes.

// actions, in the order of matrixRow.codes.
var actions = []string{"view", "claim", "assign", "note", "reply", "status", "escalate", "resolve", "call"}

type matrixActor struct {
	name string
	user string
	// owns: the case is assigned to this user before the action (agents work only their own).
	owns bool
}

var matrixActors = []matrixActor{
	{name: "agent_own_case", user: "agent", owns: true},
	{name: "agent_unassigned_case", user: "agent"},
	{name: "supervisor", user: "supervisor"},
	{name: "centre_manager_KSM", user: "manager_ksm"},
	{name: "centre_manager_MSA", user: "manager_msa"},
	{name: "integrity_officer", user: "integrity"},
	{name: "admin", user: "admin"},
	{name: "dpo", user: "dpo"},
}

type matrixCase struct {
	name     string
	centre   string
	category crm.Category
	phone    crm.Phone
}

// The corruption reporter's phone: it must never appear in a body any other role receives.
const whistleblower = crm.Phone("+254733000003")

var matrixCases = []matrixCase{
	{name: "general_KSM", centre: "KSM", category: crm.CategoryLongWait, phone: "+254733000001"},
	{name: "general_MSA", centre: "MSA", category: crm.CategoryStaffConduct, phone: "+254733000002"},
	{name: "corruption_KSM", centre: "KSM", category: crm.CategoryCorruption, phone: whistleblower},
}

type matrixRow struct {
	actor, kase string
	listed      bool
	codes       [9]int // view claim assign note reply status escalate resolve call
}

const (
	yes = http.StatusOK
	no  = http.StatusForbidden
	nf  = http.StatusNotFound
	hid = false
)

var hidden = [9]int{nf, nf, nf, nf, nf, nf, nf, nf, nf}

var matrix = []matrixRow{
	//                                           view claim assign note reply status escalate resolve call
	{"agent_own_case", "general_KSM", true, [9]int{yes, yes, no, yes, yes, yes, no, yes, yes}},
	{"agent_own_case", "general_MSA", true, [9]int{yes, yes, no, yes, yes, yes, no, yes, yes}},
	{"agent_own_case", "corruption_KSM", hid, hidden},
	{"agent_unassigned_case", "general_KSM", true, [9]int{yes, yes, no, no, no, no, no, no, no}},
	{"agent_unassigned_case", "general_MSA", true, [9]int{yes, yes, no, no, no, no, no, no, no}},
	{"agent_unassigned_case", "corruption_KSM", hid, hidden},
	{"supervisor", "general_KSM", true, [9]int{yes, yes, yes, yes, yes, yes, yes, yes, yes}},
	{"supervisor", "general_MSA", true, [9]int{yes, yes, yes, yes, yes, yes, yes, yes, yes}},
	{"supervisor", "corruption_KSM", hid, hidden},
	{"centre_manager_KSM", "general_KSM", true, [9]int{yes, no, no, yes, yes, yes, no, yes, no}},
	{"centre_manager_KSM", "general_MSA", hid, hidden},
	{"centre_manager_KSM", "corruption_KSM", hid, hidden},
	{"centre_manager_MSA", "general_KSM", hid, hidden},
	{"centre_manager_MSA", "general_MSA", true, [9]int{yes, no, no, yes, yes, yes, no, yes, no}},
	{"centre_manager_MSA", "corruption_KSM", hid, hidden},
	{"integrity_officer", "general_KSM", hid, hidden},
	{"integrity_officer", "general_MSA", hid, hidden},
	{"integrity_officer", "corruption_KSM", true, [9]int{yes, yes, yes, yes, yes, yes, yes, yes, yes}},
	{"admin", "general_KSM", true, [9]int{yes, no, yes, yes, yes, yes, yes, yes, yes}},
	{"admin", "general_MSA", true, [9]int{yes, no, yes, yes, yes, yes, yes, yes, yes}},
	{"admin", "corruption_KSM", hid, hidden},
	{"dpo", "general_KSM", hid, hidden},
	{"dpo", "general_MSA", hid, hidden},
	{"dpo", "corruption_KSM", hid, hidden},
}

func TestRoleMatrix(t *testing.T) {
	if len(matrix) != len(matrixActors)*len(matrixCases) {
		t.Fatalf("the matrix has %d rows, want one per actor and case (%d)", len(matrix), len(matrixActors)*len(matrixCases))
	}
	eachStore(t, func(t *testing.T, w *world) {
		for _, row := range matrix {
			actor, kase := findActor(t, row.actor), findCase(t, row.kase)
			t.Run(row.actor+"/"+row.kase, func(t *testing.T) {
				var bodies []string
				check := func(what string, got, want int, body []byte) {
					t.Helper()
					bodies = append(bodies, string(body))
					if got != want {
						t.Errorf("%s: HTTP %d, want %d: %s", what, got, want, body)
					}
				}

				// list: does a fresh case of this kind appear in the user's list?
				c := w.matrixCase(t, actor, kase)
				status, body := w.as(t, actor.user, http.MethodGet, "/api/v1/cases?limit=500", nil)
				check("list", status, http.StatusOK, body)
				var list struct{ Cases []apiCase }
				decodeInto(t, body, &list)
				listed := slices.ContainsFunc(list.Cases, func(l apiCase) bool { return l.ID == c.ID })
				if listed != row.listed {
					t.Errorf("list: case listed = %v, want %v", listed, row.listed)
				}
				for _, l := range list.Cases {
					if !row.listed && l.Phone == string(kase.phone) {
						t.Errorf("list: a %s case (phone %s) appears for %s", kase.name, kase.phone.Masked(), actor.name)
					}
				}

				// every action on a fresh case
				for i, act := range actions {
					c := w.matrixCase(t, actor, kase)
					status, body := w.matrixAction(t, actor, kase, act, c)
					check(act, status, row.codes[i], body)
				}

				if actor.user != "integrity" {
					for _, b := range bodies {
						if strings.Contains(b, strings.TrimPrefix(string(whistleblower), "+254")) {
							t.Fatalf("the corruption reporter's phone reached %s: %s", actor.name, b)
						}
					}
				}
			})
		}

		// The centre's managers were never alerted about a corruption report about their centre.
		for _, m := range []string{"manager_ksm", "manager_msa"} {
			rows, err := w.store.Notifications(storetest.Context(t), crm.NotificationFilter{Phone: w.users[m].Phone})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range rows {
				if n.Params["category"] == string(crm.CategoryCorruption) {
					t.Errorf("%s was alerted about a corruption report: %+v", m, n)
				}
			}
		}
	})
}

// matrixCase lodges a fresh case of the kind and, when the actor owns it, assigns it to them.
func (w *world) matrixCase(t *testing.T, actor matrixActor, kase matrixCase) crm.Case {
	t.Helper()
	c := w.complaint(t, kase.phone, kase.centre, kase.category)
	if c.AssigneeID != 0 || c.Status != crm.CaseNew {
		t.Fatalf("the fresh case was assigned to %d (status %s); the staff are all unavailable", c.AssigneeID, c.Status)
	}
	if actor.owns && crm.QueueFor(kase.category) == crm.QueueGeneral {
		var err error
		if c, err = w.office.Assign(storetest.Context(t), w.users["supervisor"], c.ID, w.users[actor.user].ID); err != nil {
			t.Fatalf("assign to %s: %v", actor.user, err)
		}
	}
	return c
}

// matrixAction does one action on c through the API.
func (w *world) matrixAction(t *testing.T, actor matrixActor, kase matrixCase, act string, c crm.Case) (int, []byte) {
	t.Helper()
	path := fmt.Sprintf("/api/v1/cases/%d", c.ID)
	// Assign to a colleague who can work the case.
	to := w.users["agent2"].ID
	if crm.QueueFor(kase.category) == crm.QueueIntegrity {
		to = w.users["integrity2"].ID
	}
	switch act {
	case "view":
		return w.as(t, actor.user, http.MethodGet, path, nil)
	case "claim":
		return w.as(t, actor.user, http.MethodPost, path+"/claim", nil)
	case "assign":
		return w.as(t, actor.user, http.MethodPost, path+"/assign", map[string]any{"user_id": to})
	case "note":
		return w.as(t, actor.user, http.MethodPost, path+"/notes", map[string]any{"body": "Called the centre manager"})
	case "reply":
		return w.as(t, actor.user, http.MethodPost, path+"/notes", map[string]any{"body": "We are looking into it", "reply": true})
	case "status":
		return w.as(t, actor.user, http.MethodPost, path+"/status", map[string]any{"status": "in_progress", "note": "Working on it"})
	case "escalate":
		return w.as(t, actor.user, http.MethodPost, path+"/escalate", map[string]any{"reason": "needs the next level"})
	case "resolve":
		return w.as(t, actor.user, http.MethodPost, path+"/resolve", map[string]any{"note": "The centre apologised"})
	case "call":
		status, body := w.as(t, actor.user, http.MethodPost, path+"/call", nil)
		if status == http.StatusAccepted {
			status = http.StatusOK
		}
		return status, body
	}
	t.Fatalf("unknown action %s", act)
	return 0, nil
}

func findActor(t *testing.T, name string) matrixActor {
	for _, a := range matrixActors {
		if a.name == name {
			return a
		}
	}
	t.Fatalf("no actor %s", name)
	return matrixActor{}
}

func findCase(t *testing.T, name string) matrixCase {
	for _, c := range matrixCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return matrixCase{}
}

// The matrix above is written out by hand; it must agree with the domain's own table, so a
// change to crm/access.go without a change here (or the reverse) fails.
func TestRoleMatrixAgreesWithDomain(t *testing.T) {
	ids := map[string]int64{"agent": 1, "supervisor": 2, "manager_ksm": 3, "manager_msa": 4, "integrity": 5, "admin": 6, "dpo": 7}
	users := map[string]crm.User{}
	for _, nu := range staff {
		if id, ok := ids[nu.Username]; ok {
			q := crm.QueueGeneral
			if nu.Role == crm.RoleIntegrityOfficer {
				q = crm.QueueIntegrity
			}
			users[nu.Username] = crm.User{ID: id, Username: nu.Username, Role: nu.Role, Centre: nu.Centre, Queue: q}
		}
	}
	domainAct := map[string]crm.Action{"view": crm.ActView, "claim": crm.ActClaim, "assign": crm.ActAssign, "note": crm.ActWork,
		"reply": crm.ActWork, "status": crm.ActWork, "escalate": crm.ActEscalate, "resolve": crm.ActWork, "call": crm.ActCall}
	for _, row := range matrix {
		actor, kase := findActor(t, row.actor), findCase(t, row.kase)
		u := users[actor.user]
		c := crm.Case{Queue: crm.QueueFor(kase.category), Centre: kase.centre, Category: kase.category}
		if actor.owns && c.Queue == crm.QueueGeneral {
			c.AssigneeID = u.ID
		}
		if got := crm.CanSee(u, c); got != row.listed {
			t.Errorf("%s/%s: crm.CanSee = %v, the matrix says listed = %v", row.actor, row.kase, got, row.listed)
		}
		for i, act := range actions {
			want := http.StatusNotFound
			switch {
			case crm.Can(u, domainAct[act], c):
				want = http.StatusOK
			case crm.CanSee(u, c):
				want = http.StatusForbidden
			}
			if row.codes[i] != want {
				t.Errorf("%s/%s/%s: the matrix says %d, crm.Can says %d", row.actor, row.kase, act, row.codes[i], want)
			}
		}
	}
}

// The role matrix's races: one click, one escalation; a lost claim is told who won.
//
//	escalate, same user twice (from_level, or an Idempotency-Key)     200, 200: one escalation
//	escalate, two users at once from the same level                    200 and 409 with the case
//	escalate, 20 requests at once by two users from the same level     one escalation, one set of alerts
//	claim, two people at once for a free case                          200 and 409 "already claimed by …"
//	claim, a case one already holds                                    200, nothing written
func TestRoleMatrixRaces(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		fresh := func(t *testing.T, kase string) (crm.Case, string) {
			t.Helper()
			c := w.matrixCase(t, matrixActor{}, findCase(t, kase))
			return c, fmt.Sprintf("/api/v1/cases/%d", c.ID)
		}
		escalations := func(t *testing.T, c crm.Case) int {
			t.Helper()
			audit, _, err := w.store.Timeline(storetest.Context(t), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, a := range audit {
				if a.Action == "escalated" {
					n++
				}
			}
			return n
		}
		escalate := func(t *testing.T, user, path string, body map[string]any, key string) (int, apiCase, []byte) {
			t.Helper()
			h := map[string]string{"Authorization": "Bearer " + w.tokens[user]}
			if key != "" {
				h["Idempotency-Key"] = key
			}
			status, raw := w.call(t, http.MethodPost, path+"/escalate", body, h)
			var out struct {
				apiCase
				Case *apiCase
			}
			decodeInto(t, raw, &out)
			if out.Case != nil {
				return status, *out.Case, raw
			}
			return status, out.apiCase, raw
		}

		t.Run("double click with from_level", func(t *testing.T) {
			c, path := fresh(t, "general_KSM")
			for i := range 2 {
				status, got, raw := escalate(t, "supervisor", path, map[string]any{"from_level": 1, "reason": "double click"}, "")
				if status != http.StatusOK || got.Level != 2 {
					t.Fatalf("click %d: HTTP %d level %d, want 200 at level 2: %s", i+1, status, got.Level, raw)
				}
			}
			if n := escalations(t, c); n != 1 {
				t.Fatalf("%d escalations recorded, want 1", n)
			}
		})
		t.Run("double click with an Idempotency-Key", func(t *testing.T) {
			c, path := fresh(t, "general_MSA")
			for i := range 2 {
				status, got, raw := escalate(t, "admin", path, nil, "click-7f3a")
				if status != http.StatusOK || got.Level != 2 {
					t.Fatalf("request %d: HTTP %d level %d, want 200 at level 2: %s", i+1, status, got.Level, raw)
				}
			}
			// A new key is a new escalation.
			if status, got, raw := escalate(t, "admin", path, nil, "click-8b1c"); status != http.StatusOK || got.Level != 3 {
				t.Fatalf("a new key: HTTP %d level %d, want 200 at level 3: %s", status, got.Level, raw)
			}
			if n := escalations(t, c); n != 2 {
				t.Fatalf("%d escalations recorded, want 2", n)
			}
		})
		t.Run("someone else escalated first", func(t *testing.T) {
			_, path := fresh(t, "general_KSM")
			if status, _, raw := escalate(t, "supervisor", path, map[string]any{"from_level": 1}, ""); status != http.StatusOK {
				t.Fatalf("first escalation: HTTP %d: %s", status, raw)
			}
			status, got, raw := escalate(t, "admin", path, map[string]any{"from_level": 1}, "")
			if status != http.StatusConflict || got.Level != 2 || !strings.Contains(errorOf(t, raw), "already escalated from level 1 to 2 by supervisor") {
				t.Fatalf("the second person: HTTP %d level %d, want 409 with the case at level 2 and who escalated it: %s", status, got.Level, raw)
			}
		})
		for _, tt := range []struct {
			kase, a, b string
			alerts     int // the people of level 2 with a phone: one escalation's alerts
		}{
			{"general_KSM", "supervisor", "admin", 1},
			{"corruption_KSM", "integrity", "integrity2", 2},
		} {
			t.Run("20 at once on "+tt.kase, func(t *testing.T) {
				c, path := fresh(t, tt.kase)
				const n = 20
				codes := make([]int, n)
				var wg sync.WaitGroup
				for i := range n {
					user := tt.a
					if i%2 == 1 {
						user = tt.b
					}
					wg.Go(func() { codes[i], _, _ = escalate(t, user, path, map[string]any{"from_level": 1}, "") })
				}
				wg.Wait()
				ok, conflict := 0, 0
				for _, code := range codes {
					switch code {
					case http.StatusOK:
						ok++
					case http.StatusConflict:
						conflict++
					default:
						t.Errorf("HTTP %d, want 200 or 409", code)
					}
				}
				if ok == 0 || conflict == 0 || ok+conflict != n {
					t.Fatalf("%d answered 200 and %d 409, want the winner's clicks 200 and the other's 409", ok, conflict)
				}
				got, err := w.store.Case(storetest.Context(t), c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Level != 2 || escalations(t, c) != 1 {
					t.Fatalf("after 20 escalations from level 1: level %d, %d escalations recorded; want level 2, once", got.Level, escalations(t, c))
				}
				alerts := 0
				for _, m := range w.outbox(t, crm.CaseSubject(c.Number)) {
					if m.Kind == crm.NotifyEscalation {
						alerts++
					}
				}
				if alerts != tt.alerts {
					t.Fatalf("%d escalation alerts, want %d (one escalation's)", alerts, tt.alerts)
				}
			})
		}
		t.Run("lost claim race", func(t *testing.T) {
			for _, pair := range [][2]string{{"agent", "agent2"}, {"agent", "supervisor"}} {
				_, path := fresh(t, "general_KSM")
				codes := make([]int, 2)
				bodies := make([][]byte, 2)
				var wg sync.WaitGroup
				for i, user := range pair {
					wg.Go(func() { codes[i], bodies[i] = w.as(t, user, http.MethodPost, path+"/claim", nil) })
				}
				wg.Wait()
				won := slices.Index(codes, http.StatusOK)
				lost := 1 - won
				if won < 0 || codes[lost] != http.StatusConflict {
					t.Fatalf("%v racing for a free case: HTTP %v, want one 200 and one 409: %s / %s", pair, codes, bodies[0], bodies[1])
				}
				winner := w.users[pair[won]]
				if msg := errorOf(t, bodies[lost]); !strings.Contains(msg, "already claimed by "+winner.Name) {
					t.Fatalf("the loser was told %q, want \"already claimed by %s\"", msg, winner.Name)
				}
				var body struct{ Case apiCase }
				decodeInto(t, bodies[lost], &body)
				if body.Case.AssigneeID == nil || *body.Case.AssigneeID != winner.ID {
					t.Fatalf("the 409 does not carry the case as it stands (assigned to %s): %s", winner.Username, bodies[lost])
				}
				// The winner clicks again: nothing changes.
				if status, raw := w.as(t, pair[won], http.MethodPost, path+"/claim", nil); status != http.StatusOK {
					t.Fatalf("the winner claiming again: HTTP %d: %s", status, raw)
				}
			}
		})
	})
}
