package console_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// A complaint's whole life through the API: an agent claims it, notes, replies, waits for the
// citizen, works it again and resolves it; the citizen hears at each step the domain says they
// should, and the timeline names who did what.
func TestCaseJourney(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		const phone = crm.Phone("+254722555111")
		c := w.complaint(t, phone, "KSM", crm.CategoryLongWait)
		path := fmt.Sprintf("/api/v1/cases/%d", c.ID)
		subject := crm.CaseSubject(c.Number)
		agentID := w.users["agent"].ID

		step := func(what, method, p string, body any) apiCase {
			t.Helper()
			w.clock.Advance(10 * time.Minute)
			status, raw := w.as(t, "agent", method, p, body)
			if status != http.StatusOK {
				t.Fatalf("%s: HTTP %d: %s", what, status, raw)
			}
			var got apiCase
			decodeInto(t, raw, &got)
			return got
		}
		kinds := func() []crm.NotificationKind {
			var k []crm.NotificationKind
			for _, n := range w.outbox(t, subject) {
				if n.Phone == phone {
					k = append(k, n.Kind)
				}
			}
			return k
		}

		got := step("claim", http.MethodPost, path+"/claim", nil)
		if got.Status != "assigned" || got.AssigneeID == nil || *got.AssigneeID != agentID {
			t.Fatalf("after claim: %+v", got)
		}
		if got.Number != string(c.Number) || got.NumberGrouped != c.Number.Grouped() || len(got.Number) != 9 {
			t.Errorf("case number %q grouped %q, want %q and %q", got.Number, got.NumberGrouped, c.Number, c.Number.Grouped())
		}

		step("note", http.MethodPost, path+"/notes", map[string]any{"body": "Asked the Kisumu floor manager about the queue"})
		if k := kinds(); !slices.Equal(k, []crm.NotificationKind{crm.NotifyComplaintAck}) {
			t.Fatalf("an internal note wrote to the citizen: %v", k)
		}

		step("reply", http.MethodPost, path+"/notes", map[string]any{"body": "Pole sana. The centre has added two counters.", "reply": true})
		if k := kinds(); !slices.Contains(k, crm.NotifyCaseReply) {
			t.Fatalf("a reply wrote no outbox row to the citizen: %v", k)
		}
		for _, n := range w.outbox(t, subject) {
			if n.Kind == crm.NotifyCaseReply && n.Params["body"] != "Pole sana. The centre has added two counters." {
				t.Errorf("the reply row carries %q", n.Params["body"])
			}
		}

		got = step("pending the citizen", http.MethodPost, path+"/status", map[string]any{"status": "pending_citizen", "note": "Asked for the ticket number"})
		if got.Status != "pending_citizen" || got.PausedAt == nil {
			t.Fatalf("pending_citizen: %+v", got)
		}
		got = step("in progress", http.MethodPost, path+"/status", map[string]any{"status": "in_progress"})
		if got.Status != "in_progress" || got.PausedAt != nil {
			t.Fatalf("in_progress: %+v", got)
		}

		// A move the lifecycle does not allow: 409.
		status, body := w.as(t, "agent", http.MethodPost, path+"/status", map[string]any{"status": "new"})
		wantStatus(t, "in_progress → new", status, body, http.StatusConflict)
		status, body = w.as(t, "agent", http.MethodPost, path+"/status", map[string]any{"status": "done"})
		wantStatus(t, "an unknown status", status, body, http.StatusBadRequest)
		status, body = w.as(t, "agent", http.MethodPost, path+"/notes", map[string]any{"body": strings.Repeat("x", crm.MaxDescription+1)})
		wantStatus(t, "a note over MaxDescription", status, body, http.StatusBadRequest)
		status, body = w.as(t, "agent", http.MethodPost, path+"/notes", map[string]any{"body": "   "})
		wantStatus(t, "an empty note", status, body, http.StatusBadRequest)

		got = step("resolve", http.MethodPost, path+"/resolve", map[string]any{"note": "Two more counters open from Monday"})
		if got.Status != "resolved" || got.ResolvedAt == nil {
			t.Fatalf("resolve: %+v", got)
		}
		k := kinds()
		if !slices.Contains(k, crm.NotifyCaseResolved) || !slices.Contains(k, crm.NotifySatisfaction) {
			t.Fatalf("resolving wrote %v, want a resolution and a satisfaction survey", k)
		}
		status, body = w.as(t, "agent", http.MethodPost, path+"/resolve", nil)
		wantStatus(t, "resolve twice", status, body, http.StatusConflict)

		// The timeline: every step, and who took it.
		status, body = w.as(t, "agent", http.MethodGet, path, nil)
		wantStatus(t, "case detail", status, body, http.StatusOK)
		var detail struct {
			Case     apiCase
			Timeline []struct {
				At      *string
				ActorID *int64 `json:"actor_id"`
				Actor   string
				Action  string
				From    string
				To      string
			}
			Messages []struct {
				Kind   string
				Status string
			}
			Notes []struct {
				Author string
				Body   string
				Reply  bool
			}
		}
		decodeInto(t, body, &detail)
		var steps []string
		for _, e := range detail.Timeline {
			s := e.Actor + " " + e.Action
			if e.Action == "status" || e.Action == "assigned" {
				s += " " + e.To
			}
			steps = append(steps, s)
			if e.At == nil {
				t.Errorf("timeline entry %q has no time", s)
			}
			if e.Actor == "agent" && (e.ActorID == nil || *e.ActorID != agentID) {
				t.Errorf("timeline entry %q names agent but not their id", s)
			}
		}
		want := []string{
			"citizen created",
			"agent assigned agent",
			"agent note",
			"agent reply",
			"agent status pending_citizen",
			"agent status in_progress",
			"agent status resolved",
		}
		if !slices.Equal(steps, want) {
			t.Errorf("timeline:\n  %s\nwant:\n  %s", strings.Join(steps, "\n  "), strings.Join(want, "\n  "))
		}
		var replies, agentNotes int
		for _, n := range detail.Notes {
			if n.Reply {
				replies++
			}
			if n.Author == "agent" {
				agentNotes++
			}
		}
		// Every note names who wrote it, the status notes too.
		if replies != 1 || agentNotes != len(detail.Notes) || len(detail.Notes) != 4 {
			t.Errorf("notes: %+v", detail.Notes)
		}
		// The agent sees what the citizen was sent, and whether it went (no worker runs here).
		var sent []string
		for _, m := range detail.Messages {
			sent = append(sent, m.Kind+":"+m.Status)
		}
		if !slices.Contains(sent, "complaint_ack:queued") || !slices.Contains(sent, "case_reply:queued") ||
			!slices.Contains(sent, "case_resolved:queued") || !slices.Contains(sent, "satisfaction:queued") {
			t.Errorf("case messages = %v", sent)
		}

		// The lists find it by the filters an agent uses.
		for q, want := range map[string]bool{
			"status=resolved&assignee=me":                  true,
			"status=new,assigned":                          false,
			"centre=ksm&category=long_wait&level=1":        true,
			"centre=MSA":                                   false,
			"assignee=" + fmt.Sprint(w.users["agent2"].ID): false,
			"breaching=soon":                               false, // resolved: no deadline runs
			"limit=1&offset=0":                             true,
		} {
			status, body := w.as(t, "agent", http.MethodGet, "/api/v1/cases?"+q, nil)
			wantStatus(t, "list "+q, status, body, http.StatusOK)
			var list struct{ Cases []apiCase }
			decodeInto(t, body, &list)
			found := slices.ContainsFunc(list.Cases, func(l apiCase) bool { return l.ID == c.ID })
			if found != want {
				t.Errorf("list ?%s: found = %v, want %v (%s)", q, found, want, body)
			}
		}
		for _, q := range []string{"status=done", "category=noise", "level=9", "assignee=you", "breaching=later", "limit=0", "limit=100000", "offset=-1"} {
			status, body := w.as(t, "agent", http.MethodGet, "/api/v1/cases?"+q, nil)
			wantStatus(t, "list "+q, status, body, http.StatusBadRequest)
		}

		// Breaching soon: a fresh case whose first response is due within the business hour.
		fresh := w.complaint(t, "+254722555112", "KSM", crm.CategoryLongWait)
		due := w.policyFirstResponse(crm.CategoryLongWait)
		w.clock.Advance(due - 30*time.Minute)
		status, body = w.as(t, "supervisor", http.MethodGet, "/api/v1/cases?breaching=soon", nil)
		wantStatus(t, "breaching soon", status, body, http.StatusOK)
		var soon struct{ Cases []apiCase }
		decodeInto(t, body, &soon)
		if !slices.ContainsFunc(soon.Cases, func(l apiCase) bool { return l.ID == fresh.ID }) {
			t.Errorf("a case due in 30 minutes is not breaching soon: %s", body)
		}

		// Ids: malformed is 400, unknown is 404.
		status, body = w.as(t, "agent", http.MethodGet, "/api/v1/cases/abc", nil)
		wantStatus(t, "case abc", status, body, http.StatusBadRequest)
		status, body = w.as(t, "agent", http.MethodGet, "/api/v1/cases/999999", nil)
		wantStatus(t, "case 999999", status, body, http.StatusNotFound)
		status, body = w.as(t, "supervisor", http.MethodPost, path+"/assign", map[string]any{"user_id": 999999})
		wantStatus(t, "assign to nobody", status, body, http.StatusNotFound)
		status, body = w.as(t, "supervisor", http.MethodPost, path+"/assign", map[string]any{})
		wantStatus(t, "assign without user_id", status, body, http.StatusBadRequest)
	})
}

// policyFirstResponse is the first-response target of a category, for a clock within one
// business day (the test starts at 09:00 on a Tuesday).
func (w *world) policyFirstResponse(cat crm.Category) time.Duration {
	return w.office.Policies().For(cat).FirstResponse
}
