package console_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/store/storetest"
)

// apiCall is the part of a call answer the tests read.
type apiCall struct {
	SessionID    string  `json:"session_id"`
	Direction    string  `json:"direction"`
	Phone        string  `json:"phone"`
	CaseID       *int64  `json:"case_id"`
	CaseNumber   *string `json:"case_number"`
	AgentID      *int64  `json:"agent_id"`
	Outcome      string  `json:"outcome"`
	RecordingURL string  `json:"recording_url"`
	Duration     int     `json:"duration_seconds"`
	Active       bool    `json:"active"`
	StartedAt    *string `json:"started_at"`
	EndedAt      *string `json:"ended_at"`
}

type apiDetail struct {
	Case struct {
		apiCase
		RecordingURL string `json:"recording_url"`
	}
	Timeline []struct{ Action, Actor, Detail string }
	Calls    []apiCall
}

func (w *world) detail(t *testing.T, user string, id int64) apiDetail {
	t.Helper()
	status, body := w.as(t, user, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", id), nil)
	if status != http.StatusOK {
		t.Fatalf("case detail: %d %s", status, body)
	}
	var d apiDetail
	decodeInto(t, body, &d)
	return d
}

// An agent calls the citizen back from their case: the stand-in rings the citizen from the
// contact-centre number, and the call shows on the case with an audit entry.
func TestPlaceCallFromACase(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		ctx := storetest.Context(t)
		c := w.complaint(t, "+254712000001", "KSM", crm.CategoryLongWait)
		c, err := w.office.Assign(ctx, w.users["supervisor"], c.ID, w.users["agent"].ID)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/cases/%d/call", c.ID)

		status, body := w.as(t, "agent", http.MethodPost, path, nil)
		if status != http.StatusAccepted {
			t.Fatalf("call: %d %s", status, body)
		}
		var call apiCall
		decodeInto(t, body, &call)
		if call.Direction != "outbound" || call.Phone != "+254712000001" || call.CaseID == nil || *call.CaseID != c.ID ||
			call.CaseNumber == nil || *call.CaseNumber != string(c.Number) || call.AgentID == nil ||
			*call.AgentID != w.users["agent"].ID || !call.Active || call.EndedAt != nil || !strings.HasPrefix(call.SessionID, "ATVId_") {
			t.Fatalf("call %s", body)
		}
		rang := w.voice.Calls()
		if len(rang) != 1 || rang[0].SessionID != call.SessionID || rang[0].From != contactCentre || rang[0].To != "+254712000001" {
			t.Fatalf("the stand-in saw %+v", rang)
		}

		// The call ends (as the voice channel records Africa's Talking's final notification).
		if _, err := w.office.RecordCall(ctx, crm.CallEvent{SessionID: call.SessionID, Outcome: crm.CallAnswered,
			Final: true, DurationSeconds: 95, Cost: "KES 2.0000", HangupCause: "NORMAL_CLEARING"}); err != nil {
			t.Fatal(err)
		}
		d := w.detail(t, "agent", c.ID)
		if len(d.Calls) != 1 || d.Calls[0].SessionID != call.SessionID || d.Calls[0].Outcome != "answered" ||
			d.Calls[0].Duration != 95 || d.Calls[0].Active || d.Calls[0].EndedAt == nil {
			t.Fatalf("case calls %+v", d.Calls)
		}
		last := d.Timeline[len(d.Timeline)-1]
		if last.Action != "called" || last.Actor != "agent" || !strings.Contains(last.Detail, call.SessionID) {
			t.Fatalf("last timeline entry %+v", last)
		}

		// Africa's Talking refuses (an unknown caller ID): 502, and nothing is recorded.
		refused := w.dialer
		refused.From = "not-our-number"
		w.office.SetVoiceDialer(refused)
		status, body = w.as(t, "agent", http.MethodPost, path, nil)
		if status != http.StatusBadGateway || !strings.Contains(errorOf(t, body), "refused") {
			t.Fatalf("refused: %d %s", status, body)
		}
		if d := w.detail(t, "agent", c.ID); len(d.Calls) != 1 {
			t.Fatalf("a refused call was recorded: %+v", d.Calls)
		}

		// No voice provider: 503 with a clear reason.
		w.office.SetVoiceDialer(nil)
		status, body = w.as(t, "agent", http.MethodPost, path, nil)
		if status != http.StatusServiceUnavailable || !strings.Contains(errorOf(t, body), "not configured") {
			t.Fatalf("no provider: %d %s", status, body)
		}

		for _, tc := range []struct {
			path string
			want int
		}{
			{"/api/v1/cases/abc/call", http.StatusBadRequest},
			{"/api/v1/cases/999999/call", http.StatusNotFound},
		} {
			if status, body := w.as(t, "agent", http.MethodPost, tc.path, nil); status != tc.want {
				t.Errorf("POST %s: %d %s, want %d", tc.path, status, body, tc.want)
			}
		}
		if status, _ := w.call(t, http.MethodPost, path, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("without a token: %d", status)
		}
	})
}

func TestVoiceQueues(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		w.voice.SetQueuedIn(contactCentre, "agents-en", 3)
		w.voice.SetQueuedIn(contactCentre, "agents-sw", 1)
		w.voice.SetQueuedIn("+254711082999", "agents-sw", 9) // not our contact-centre number
		for _, tc := range []struct {
			user string
			want int
		}{
			{"agent", http.StatusOK}, {"supervisor", http.StatusOK}, {"admin", http.StatusOK},
			{"manager_ksm", http.StatusForbidden}, {"integrity", http.StatusForbidden},
		} {
			status, body := w.as(t, tc.user, http.MethodGet, "/api/v1/voice/queues", nil)
			if status != tc.want {
				t.Errorf("%s: %d %s, want %d", tc.user, status, body, tc.want)
				continue
			}
			if status == http.StatusOK && string(body) != `{"queues":{"agents-en":3,"agents-sw":1}}` {
				t.Errorf("%s: %s", tc.user, body)
			}
		}

		// The stand-in fails every request: 502.
		if err := w.voice.SetFaults(atsandbox.Faults{FailRate: 1}); err != nil {
			t.Fatal(err)
		}
		if status, body := w.as(t, "agent", http.MethodGet, "/api/v1/voice/queues", nil); status != http.StatusBadGateway {
			t.Errorf("provider down: %d %s", status, body)
		}
		w.office.SetVoiceDialer(nil)
		if status, body := w.as(t, "agent", http.MethodGet, "/api/v1/voice/queues", nil); status != http.StatusServiceUnavailable {
			t.Errorf("no provider: %d %s", status, body)
		}
	})
}

// A phone's calls, through the role matrix: a corruption reporter's calls reach integrity
// officers only, and the reporter's number reaches no one else.
func TestPhoneCallsByRole(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		ctx := storetest.Context(t)
		general := w.complaint(t, whistleblower, "KSM", crm.CategoryLongWait)
		report := w.complaint(t, whistleblower, "KSM", crm.CategoryCorruption)
		for _, ev := range []crm.CallEvent{
			{SessionID: "ATVId_menu", Phone: whistleblower},
			{SessionID: "ATVId_general", Phone: whistleblower, CaseID: general.ID, Outcome: crm.CallComplaint},
			{SessionID: "ATVId_report", Phone: whistleblower, CaseID: report.ID, Outcome: crm.CallComplaint,
				RecordingURL: "https://voice.africastalking.com/rec/ATVId_report.mp3"},
		} {
			ev.Direction = crm.CallInbound
			if _, err := w.office.RecordCall(ctx, ev); err != nil {
				t.Fatal(err)
			}
			w.clock.Advance(1e9)
		}
		for _, tc := range []struct {
			user string
			want []string
		}{
			{"agent", []string{"ATVId_general", "ATVId_menu"}},
			{"supervisor", []string{"ATVId_general", "ATVId_menu"}},
			{"admin", []string{"ATVId_general", "ATVId_menu"}},
			{"manager_ksm", []string{"ATVId_general"}},
			{"manager_msa", nil},
			{"integrity", []string{"ATVId_report"}},
		} {
			status, body := w.as(t, tc.user, http.MethodGet, "/api/v1/calls?phone=0733000003", nil)
			if status != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.user, status, body)
			}
			var list struct{ Calls []apiCall }
			decodeInto(t, body, &list)
			var got []string
			for _, c := range list.Calls {
				got = append(got, c.SessionID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s sees %v, want %v", tc.user, got, tc.want)
			}
			if tc.user != "integrity" && strings.Contains(string(body), "ATVId_report") {
				t.Errorf("the corruption report's call reached %s: %s", tc.user, body)
			}
		}
		for _, q := range []string{"", "?phone=", "?phone=12345", "?phone=%2B15551234567", "?phone=0733000003&limit=0"} {
			if status, body := w.as(t, "agent", http.MethodGet, "/api/v1/calls"+q, nil); status != http.StatusBadRequest {
				t.Errorf("GET /calls%s: %d %s, want 400", q, status, body)
			}
		}
	})
}

// A complaint left as a voice message: the case shows its recording, and the call that made it.
func TestCaseDetailShowsTheRecording(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		ctx := storetest.Context(t)
		const rec = "https://voice.africastalking.com/recordings/ATVId_voice1.mp3"
		c, err := w.office.LodgeComplaint(ctx, crm.Complaint{
			Phone: "+254712000005", Lang: crm.Swahili, Centre: "KSM", Category: crm.CategoryStaffConduct,
			RecordingURL: rec, IdempotencyKey: "voice:ATVId_voice1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.office.RecordCall(ctx, crm.CallEvent{SessionID: "ATVId_voice1", Direction: crm.CallInbound,
			Phone: "+254712000005", Lang: crm.Swahili, CaseID: c.ID, Outcome: crm.CallComplaint, RecordingURL: rec}); err != nil {
			t.Fatal(err)
		}
		d := w.detail(t, "supervisor", c.ID)
		if d.Case.RecordingURL != rec {
			t.Errorf("recording_url %q, want %q", d.Case.RecordingURL, rec)
		}
		if len(d.Calls) != 1 || d.Calls[0].Outcome != "complaint" || d.Calls[0].RecordingURL != rec {
			t.Errorf("calls %+v", d.Calls)
		}
		// A case without calls answers an empty list, not null.
		other := w.complaint(t, "+254712000006", "KSM", crm.CategoryLongWait)
		_, body := w.as(t, "supervisor", http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", other.ID), nil)
		if !strings.Contains(string(body), `"calls":[]`) || !strings.Contains(string(body), `"recording_url":""`) {
			t.Errorf("a case without calls: %s", body)
		}
	})
}
