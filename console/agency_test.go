package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
)

// The ticket in testdata/register.json, and the same digits with a wrong check digit.
const (
	ticket      = "202611249"
	ticketTypo  = "202611240"
	ticketPath  = "/api/v1/requests/" + ticket
	eventsPath  = ticketPath + "/events"
	citizen     = crm.Phone("+254712345678") // testdata/register.json's 0712 345 678
	ticketTopic = "request:" + ticket
)

func TestAgencyAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		// Register: 201, the citizen is told (one outbox row).
		status, body := w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", testdata(t, "register.json"))
		if status != http.StatusCreated {
			t.Fatalf("register: %d %s", status, body)
		}
		var r apiRequest
		decodeInto(t, body, &r)
		if r.Ref != ticket || r.RefGrouped != "202 611 249" || r.Phone != string(citizen) || r.Service != "ID-NEW" ||
			r.Centre != "KSM" || r.Agency != "NRB" || r.Status != "received" || r.ExpectedReady == nil || *r.ExpectedReady != "2026-12-08" {
			t.Errorf("register answered %s", body)
		}
		sent := w.outbox(t, ticketTopic)
		if len(sent) != 1 || sent[0].Phone != citizen || sent[0].Kind != crm.NotifyRequestStatus || sent[0].Lang != crm.Swahili {
			t.Fatalf("after register, outbox %+v, want one request_status row to the citizen in Kiswahili", sent)
		}

		// The same registration again (an agency's retry): 200, nothing new written.
		status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", testdata(t, "register.json"))
		if status != http.StatusOK {
			t.Fatalf("repeat register: %d %s, want 200", status, body)
		}
		if n := len(w.outbox(t, ticketTopic)); n != 1 {
			t.Fatalf("after a repeated register, %d outbox rows, want 1", n)
		}

		// The same ticket number with other details is someone else's: 409.
		other := strings.Replace(string(testdata(t, "register.json")), "0712 345 678", "0712 999 888", 1)
		status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", other)
		wantStatus(t, "register a taken ticket number", status, body, http.StatusConflict)

		// A status push: 201 and a message to the citizen.
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, testdata(t, "event_processing.json"))
		if status != http.StatusCreated {
			t.Fatalf("push processing: %d %s", status, body)
		}
		sent = w.outbox(t, ticketTopic)
		if len(sent) != 2 || sent[1].Params["status"] != "processing" || sent[1].Phone != citizen {
			t.Fatalf("after a push, outbox %+v, want a second request_status row (processing)", sent)
		}

		// With an Idempotency-Key, a repeat records nothing: 200 and one event.
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, testdata(t, "event_ready.json"), "Idempotency-Key", "nrb-evt-0001")
		if status != http.StatusCreated {
			t.Fatalf("push ready: %d %s", status, body)
		}
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, testdata(t, "event_ready.json"), "Idempotency-Key", "nrb-evt-0001")
		if status != http.StatusOK {
			t.Fatalf("repeat push with the same Idempotency-Key: %d %s, want 200", status, body)
		}
		decodeInto(t, body, &r)
		keyed := 0
		for _, e := range r.Events {
			if e.IdempotencyKey == "nrb-evt-0001" {
				keyed++
				// Emoji in a note are kept as typed.
				if !strings.Contains(e.Note, "🎉") || !strings.Contains(e.Note, "🇰🇪") {
					t.Errorf("the note lost its emoji: %q", e.Note)
				}
			}
		}
		if keyed != 1 || len(r.Events) != 3 {
			t.Fatalf("after a repeated push, %d events (%d with the key), want 3 (1): %s", len(r.Events), keyed, body)
		}
		if n := len(w.outbox(t, ticketTopic)); n != 3 {
			t.Fatalf("after a repeated push, %d outbox rows, want 3", n)
		}

		// Collected, then an illegal move back to processing: 409 and nothing written.
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, testdata(t, "event_collected.json"))
		wantStatus(t, "push collected", status, body, http.StatusCreated)
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, testdata(t, "event_processing.json"))
		wantStatus(t, "collected → processing", status, body, http.StatusConflict)
		if n := len(w.outbox(t, ticketTopic)); n != 4 {
			t.Fatalf("after an illegal push, %d outbox rows, want 4", n)
		}
		status, body = w.agency(t, w.nrbKey, http.MethodGet, ticketPath, nil)
		wantStatus(t, "read the request", status, body, http.StatusOK)
		decodeInto(t, body, &r)
		if r.Status != "collected" || len(r.Events) != 4 {
			t.Fatalf("after an illegal push the request is %s with %d events, want collected with 4", r.Status, len(r.Events))
		}

		// Another agency's service: 403 to register; to push or to read, the same 404, word
		// for word, as a ticket that does not exist, so KRA learns nothing of NRB's tickets.
		status, body = w.agency(t, w.kraKey, http.MethodPost, "/api/v1/requests", testdata(t, "register.json"))
		wantStatus(t, "KRA registers an ID card", status, body, http.StatusForbidden)
		const missing = "202611258"
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			var payload any
			if method == http.MethodPost {
				payload = testdata(t, "event_processing.json")
			}
			theirs := "/api/v1/requests/" + ticket
			nowhere := "/api/v1/requests/" + missing
			if method == http.MethodPost {
				theirs, nowhere = theirs+"/events", nowhere+"/events"
			}
			status, body = w.agency(t, w.kraKey, method, theirs, payload)
			wantStatus(t, "KRA "+method+" on an ID card", status, body, http.StatusNotFound)
			status2, body2 := w.agency(t, w.kraKey, method, nowhere, payload)
			wantStatus(t, "KRA "+method+" on no ticket", status2, body2, http.StatusNotFound)
			if a, b := strings.ReplaceAll(string(body), ticket, "REF"), strings.ReplaceAll(string(body2), missing, "REF"); a != b {
				t.Fatalf("KRA can tell NRB's ticket from none by %s:\n%s\n%s", method, a, b)
			}
		}
		status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", testdata(t, "register_not_ours.json"))
		wantStatus(t, "NRB registers a KRA PIN", status, body, http.StatusForbidden)
		if n := len(w.outbox(t, ticketTopic)); n != 4 {
			t.Fatalf("refused pushes wrote outbox rows: %d, want 4", n)
		}

		// A KRA PIN through KRA's key as a bearer token: fine.
		status, body = w.call(t, http.MethodPost, "/api/v1/requests", testdata(t, "register_not_ours.json"),
			map[string]string{"Authorization": "Bearer " + w.kraKey})
		wantStatus(t, "KRA registers a KRA PIN (bearer key)", status, body, http.StatusCreated)

		// Staff read any request with their token.
		status, body = w.as(t, "agent", http.MethodGet, ticketPath, nil)
		wantStatus(t, "an agent reads the request", status, body, http.StatusOK)

		// Keys: wrong, absent, a staff token where a key belongs.
		for name, h := range map[string]map[string]string{
			"wrong key":   {"X-API-Key": "hak_not-a-real-key"},
			"no key":      {},
			"staff token": {"Authorization": "Bearer " + w.tokens["admin"]},
			"basic auth":  {"Authorization": "Basic bnJiOnNlY3JldA=="},
		} {
			status, body = w.call(t, http.MethodPost, "/api/v1/requests", testdata(t, "register.json"), h)
			wantStatus(t, "register with "+name, status, body, http.StatusUnauthorized)
			status, body = w.call(t, http.MethodPost, eventsPath, testdata(t, "event_processing.json"), h)
			wantStatus(t, "push with "+name, status, body, http.StatusUnauthorized)
		}
		status, body = w.call(t, http.MethodGet, ticketPath, nil, nil)
		wantStatus(t, "read with no credentials", status, body, http.StatusUnauthorized)

		// Malformed references and wrong check digits: 400 with a clear word.
		for path, want := range map[string]string{
			"/api/v1/requests/" + ticketTypo + "/events": "check digit",
			"/api/v1/requests/12345/events":              "9 digits",
			"/api/v1/requests/20261124x/events":          "9 digits",
		} {
			status, body = w.agency(t, w.nrbKey, http.MethodPost, path, testdata(t, "event_processing.json"))
			wantStatus(t, "push to "+path, status, body, http.StatusBadRequest)
			if msg := errorOf(t, body); !strings.Contains(msg, want) {
				t.Errorf("push to %s: error %q does not say %q", path, msg, want)
			}
		}
		status, body = w.agency(t, w.nrbKey, http.MethodGet, "/api/v1/requests/"+ticketTypo, nil)
		wantStatus(t, "read a mistyped ticket", status, body, http.StatusBadRequest)
		typo := strings.Replace(string(testdata(t, "register.json")), "202 611 249", "202 611 240", 1)
		status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", typo)
		wantStatus(t, "register a mistyped ticket", status, body, http.StatusBadRequest)

		// Bad input: 400 and nothing written.
		fresh := func(status string) map[string]any {
			return map[string]any{"phone": "+254712000111", "service": "ID-DUP", "centre": "MSA", "status": status}
		}
		long := fresh("needs_action")
		long["reason"] = strings.Repeat("Lete nakala ya cheti. ", 46)[:1000]
		for name, b := range map[string]any{
			"a 1,000-character reason":   long,
			"a foreign phone":            map[string]any{"phone": "+14155550100", "service": "ID-DUP", "centre": "MSA"},
			"no phone":                   map[string]any{"service": "ID-DUP", "centre": "MSA"},
			"an unknown centre":          map[string]any{"phone": "+254712000111", "service": "ID-DUP", "centre": "XXX"},
			"an unknown status":          fresh("lost"),
			"a rejection without reason": fresh("rejected"),
			"a bad date":                 map[string]any{"phone": "+254712000111", "service": "ID-DUP", "centre": "MSA", "expected_ready": "08/12/2026"},
			"a bad language":             map[string]any{"phone": "+254712000111", "service": "ID-DUP", "centre": "MSA", "lang": "fr"},
			"malformed JSON":             `{"phone": "+254712000111",`,
			"a JSON array":               `[1, 2]`,
			"a number for a string":      `{"phone": 254712000111, "service": "ID-DUP", "centre": "MSA"}`,
			"no body":                    "",
		} {
			status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", b)
			wantStatus(t, "register with "+name, status, body, http.StatusBadRequest)
		}
		if n := len(w.outbox(t, "")); n != 5 {
			t.Errorf("refused registrations wrote to the outbox: %d rows, want 5", n)
		}
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, map[string]any{"status": "rejected"})
		wantStatus(t, "reject without a reason", status, body, http.StatusBadRequest)
		status, body = w.agency(t, w.nrbKey, http.MethodPost, eventsPath, map[string]any{"status": "processing"}, "Idempotency-Key", strings.Repeat("k", 129))
		wantStatus(t, "an absurd Idempotency-Key", status, body, http.StatusBadRequest)
		status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests/"+ticket+"/events", testdata(t, "event_rejected_no_reason.json"))
		wantStatus(t, "reject a collected request without a reason", status, body, http.StatusBadRequest)

		// An unknown ticket: 404.
		status, body = w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests/202611258/events", testdata(t, "event_processing.json"))
		wantStatus(t, "push to an unknown ticket", status, body, http.StatusNotFound)

		// Not a route: a JSON 404.
		status, body = w.agency(t, w.nrbKey, http.MethodDelete, ticketPath, nil)
		wantStatus(t, "DELETE a request", status, body, http.StatusNotFound)

		// Neither the keys nor the citizen's number reached the logs.
		logs := w.logs.String()
		for _, secret := range []string{w.nrbKey, w.kraKey, string(citizen), "712345678", w.tokens["admin"]} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs carry %q", secret)
			}
		}
		if !strings.Contains(logs, citizen.Masked()) {
			t.Errorf("the logs do not mention the masked phone %s at all; is the registration logged?", citizen.Masked())
		}
	})
}

func wantStatus(t *testing.T, what string, got int, body []byte, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s: HTTP %d, want %d: %s", what, got, want, body)
	}
}
