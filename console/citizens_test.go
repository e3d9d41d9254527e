package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
)

// The citizen's rights through the API: a copy of their data, its erasure, and who read what,
// for the dpo and admins only.

// rightsCitizen is the phone whose rights the tests exercise.
const rightsCitizen = crm.Phone("+254733000101")

type apiExport struct {
	Phone    string
	Language *struct{ Lang string }
	Cases    []struct {
		Case           apiCase
		NotesToCitizen []struct{ Body string } `json:"notes_to_citizen"`
	}
	Requests []apiRequest
	SMSSent  []struct {
		Kind   string
		Params map[string]string
	} `json:"sms_sent"`
	Withheld []string
}

func TestCitizenExportThroughTheAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		c := w.complaint(t, rightsCitizen, "KSM", crm.CategoryLongWait)
		status, body := w.as(t, "supervisor", http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/notes", c.ID),
			map[string]any{"body": "Tumeongea na meneja wa Kisumu", "reply": true})
		if status != http.StatusOK {
			t.Fatalf("reply: %d %s", status, body)
		}
		w.complaint(t, rightsCitizen, "KSM", crm.CategoryCorruption)
		if status, body := w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests",
			map[string]any{"phone": string(rightsCitizen), "service": "ID-NEW", "centre": "KSM"}); status != http.StatusCreated {
			t.Fatalf("register: %d %s", status, body)
		}

		path := "/api/v1/citizens/%2B254733000101/export"
		status, body = w.as(t, "dpo", http.MethodGet, path, nil)
		if status != http.StatusOK {
			t.Fatalf("export: %d %s", status, body)
		}
		var x apiExport
		decodeInto(t, body, &x)
		if x.Phone != string(rightsCitizen) || len(x.Cases) != 2 || len(x.Requests) != 1 || len(x.Withheld) == 0 {
			t.Fatalf("the dpo's copy: %s", body)
		}
		if n := x.Cases[0].NotesToCitizen; len(n) != 1 || n[0].Body != "Tumeongea na meneja wa Kisumu" {
			t.Errorf("notes to the citizen: %+v", n)
		}
		var reply bool
		for _, m := range x.SMSSent {
			reply = reply || (m.Kind == string(crm.NotifyCaseReply) && m.Params["body"] == "Tumeongea na meneja wa Kisumu")
		}
		if !reply {
			t.Errorf("the copy does not hold the reply as sent: %+v", x.SMSSent)
		}
		// The phone in each of its forms is the same citizen.
		for _, form := range []string{"0733000101", "254733000101", "+254733000101"} {
			status, other := w.as(t, "dpo", http.MethodGet, "/api/v1/citizens/"+form+"/export", nil)
			var y apiExport
			decodeInto(t, other, &y)
			if status != http.StatusOK || len(y.Cases) != 2 {
				t.Errorf("export of %s: %d, %d cases", form, status, len(y.Cases))
			}
		}
		// An administrator's copy leaves the corruption report out.
		status, body = w.as(t, "admin", http.MethodGet, path, nil)
		decodeInto(t, body, &x)
		if status != http.StatusOK || len(x.Cases) != 1 || x.Cases[0].Case.ID != c.ID {
			t.Errorf("the admin's copy: %d %s", status, body)
		}
		if strings.Contains(string(body), string(crm.CategoryCorruption)) {
			t.Errorf("the admin's copy mentions the corruption report: %s", body)
		}
		// Personal data is not to be kept by a browser or a proxy.
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+w.tokens["dpo"])
		resp, err := w.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}

		for _, tc := range []struct {
			user, path string
			want       int
		}{
			{"agent", path, http.StatusForbidden},
			{"supervisor", path, http.StatusForbidden},
			{"integrity", path, http.StatusForbidden},
			{"dpo", "/api/v1/citizens/12345/export", http.StatusBadRequest},
			{"dpo", path + "?cases=all", http.StatusBadRequest},
		} {
			if status, body := w.as(t, tc.user, http.MethodGet, tc.path, nil); status != tc.want {
				t.Errorf("%s GET %s: %d %s, want %d", tc.user, tc.path, status, body, tc.want)
			}
		}
		if status, _ := w.call(t, http.MethodGet, path, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("export without a token: %d", status)
		}
	})
}

func TestCitizenErasureThroughTheAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		c := w.complaint(t, rightsCitizen, "KSM", crm.CategoryStaffConduct)
		path := "/api/v1/citizens/0733000101/erase"
		for _, tc := range []struct {
			user string
			body any
			want int
		}{
			{"agent", map[string]any{"reason": "letter 17"}, http.StatusForbidden},
			{"supervisor", map[string]any{"reason": "letter 17"}, http.StatusForbidden},
			{"dpo", nil, http.StatusBadRequest},
			{"dpo", map[string]any{}, http.StatusBadRequest},
			{"dpo", map[string]any{"reason": "letter from 0733 000 101"}, http.StatusBadRequest},
		} {
			if status, body := w.as(t, tc.user, http.MethodPost, path, tc.body); status != tc.want {
				t.Errorf("%s erases with %v: %d %s, want %d", tc.user, tc.body, status, body, tc.want)
			}
		}

		status, body := w.as(t, "dpo", http.MethodPost, path, map[string]any{"reason": "Letter DPO/2026/17"})
		if status != http.StatusOK {
			t.Fatalf("erase: %d %s", status, body)
		}
		var e struct {
			ID     int64
			Token  string
			By     string
			ByID   *int64 `json:"by_id"`
			Reason string
			Counts map[string]int
		}
		decodeInto(t, body, &e)
		if !strings.HasPrefix(e.Token, crm.ErasedPrefix) || e.By != "dpo" || e.ByID == nil || e.Reason != "Letter DPO/2026/17" || e.Counts["cases"] != 1 {
			t.Errorf("erasure: %s", body)
		}

		// The case is still there, counted, with nothing of the citizen.
		status, body = w.as(t, "supervisor", http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), nil)
		if status != http.StatusOK || strings.Contains(string(body), "733000101") || strings.Contains(string(body), c.Description) {
			t.Errorf("the case after the erasure: %d %s", status, body)
		}
		status, body = w.as(t, "dpo", http.MethodGet, "/api/v1/citizens/0733000101/export", nil)
		var x apiExport
		decodeInto(t, body, &x)
		if status != http.StatusOK || len(x.Cases) != 0 || len(x.SMSSent) != 0 || x.Language != nil {
			t.Errorf("a copy after the erasure: %s", body)
		}

		// A second erasure changes nothing and is recorded too; both are listed, newest first.
		if status, body := w.as(t, "admin", http.MethodPost, path, map[string]any{"reason": "asked again"}); status != http.StatusOK {
			t.Fatalf("second erasure: %d %s", status, body)
		}
		for _, who := range []string{"admin", "dpo"} {
			status, body := w.as(t, who, http.MethodGet, "/api/v1/erasures", nil)
			var list struct{ Erasures []struct{ By, Reason string } }
			decodeInto(t, body, &list)
			if status != http.StatusOK || len(list.Erasures) != 2 || list.Erasures[0].By != "admin" || list.Erasures[1].Reason != "Letter DPO/2026/17" {
				t.Errorf("%s lists erasures: %d %s", who, status, body)
			}
		}
		if status, body := w.as(t, "dpo", http.MethodGet, "/api/v1/erasures?limit=1", nil); status != http.StatusOK || strings.Count(string(body), `"token"`) != 1 {
			t.Errorf("erasures?limit=1: %d %s", status, body)
		}
		for _, tc := range []struct{ user, path string }{{"agent", "/api/v1/erasures"}, {"dpo", "/api/v1/erasures?limit=0"}, {"dpo", "/api/v1/erasures?phone=1"}} {
			if status, _ := w.as(t, tc.user, http.MethodGet, tc.path, nil); status != http.StatusForbidden && status != http.StatusBadRequest {
				t.Errorf("%s GET %s: %d", tc.user, tc.path, status)
			}
		}
		// Nothing of the phone reached the logs.
		if strings.Contains(w.logs.String(), "733000101") {
			t.Errorf("the phone reached the logs")
		}
	})
}

func TestWhoReadWhatThroughTheAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		c := w.complaint(t, rightsCitizen, "KSM", crm.CategoryLongWait)
		k := w.complaint(t, rightsCitizen, "KSM", crm.CategoryCorruption)
		for _, read := range []struct {
			user string
			id   int64
		}{{"supervisor", c.ID}, {"agent", c.ID}, {"integrity", k.ID}, {"supervisor", c.ID}} {
			if status, body := w.as(t, read.user, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", read.id), nil); status != http.StatusOK {
				t.Fatalf("%s reads case %d: %d %s", read.user, read.id, status, body)
			}
		}
		readers := func(user, path string) (int, []string) {
			t.Helper()
			status, body := w.as(t, user, http.MethodGet, path, nil)
			var list struct {
				Views []struct {
					Username   string
					CaseNumber string `json:"case_number"`
				}
			}
			if status == http.StatusOK {
				decodeInto(t, body, &list)
			}
			var out []string
			for _, v := range list.Views {
				out = append(out, v.Username+" "+v.CaseNumber)
			}
			return status, out
		}
		cn, kn := string(c.Number), string(k.Number)
		for _, tc := range []struct {
			user, path string
			status     int
			want       []string
		}{
			{"dpo", fmt.Sprintf("/api/v1/cases/%d/views", c.ID), http.StatusOK, []string{"supervisor " + cn, "agent " + cn, "supervisor " + cn}},
			{"admin", fmt.Sprintf("/api/v1/cases/%d/views", c.ID), http.StatusOK, []string{"supervisor " + cn, "agent " + cn, "supervisor " + cn}},
			{"dpo", fmt.Sprintf("/api/v1/cases/%d/views", k.ID), http.StatusOK, []string{"integrity " + kn}},
			{"admin", fmt.Sprintf("/api/v1/cases/%d/views", k.ID), http.StatusNotFound, nil},
			{"dpo", fmt.Sprintf("/api/v1/users/%d/views", w.users["integrity"].ID), http.StatusOK, []string{"integrity " + kn}},
			{"admin", fmt.Sprintf("/api/v1/users/%d/views", w.users["integrity"].ID), http.StatusOK, nil},
			{"admin", fmt.Sprintf("/api/v1/users/%d/views", w.users["agent"].ID), http.StatusOK, []string{"agent " + cn}},
			{"supervisor", fmt.Sprintf("/api/v1/cases/%d/views", c.ID), http.StatusForbidden, nil},
			{"integrity", fmt.Sprintf("/api/v1/users/%d/views", w.users["agent"].ID), http.StatusForbidden, nil},
			{"dpo", "/api/v1/users/0/views", http.StatusBadRequest, nil},
			{"dpo", "/api/v1/users/999999/views", http.StatusNotFound, nil},
			{"dpo", "/api/v1/cases/999999/views", http.StatusNotFound, nil},
		} {
			status, got := readers(tc.user, tc.path)
			if status != tc.status || !slices.Equal(got, tc.want) {
				t.Errorf("%s GET %s: %d %q, want %d %q", tc.user, tc.path, status, got, tc.status, tc.want)
			}
		}
	})
}
