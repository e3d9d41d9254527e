package console_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
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
