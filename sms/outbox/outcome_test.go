package outbox

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/sms/africastalking"
)

// atAnswer is what a fake Africa's Talking answers to a send.
type atAnswer struct {
	status      int
	fixture     string // a recorded response under sms/africastalking/testdata
	body        string // used when fixture is empty
	contentType string
	location    string // a redirect's target
}

// TestClassify sends through the real Africa's Talking client to a server that answers with
// each answer Africa's Talking gives (its recorded responses, and the failures the client
// sorts), and checks what the worker makes of it.
func TestClassify(t *testing.T) {
	const one = "+254711000111"
	tests := []struct {
		name string
		to   string
		at   atAnswer
		// sender, when set, replaces the HTTP round trip: what a Sender other than the
		// client may answer.
		sender func() ([]africastalking.Result, error)
		ctx    func() context.Context // nil: a live context

		verdict verdict
		label   string
		reason  string // exact; a prefix for the client's own errors (they quote the body)
		// for sent
		messageID, cost string
	}{
		// Accepted: 100 Processed, 101 Success, 102 Queued, codes as numbers or strings.
		{name: "success", to: one, at: atAnswer{status: 201, fixture: "send_one_success.json"},
			verdict: sent, label: "accepted", messageID: "ATXid_6a0b0f5e1c4e2a3d8f7b9c0d1e2f3a4b", cost: "KES 0.8000"},
		{name: "success with the codes as strings", to: one, at: atAnswer{status: 201, fixture: "send_string_codes.json"},
			verdict: sent, label: "accepted", messageID: "ATXid_6a0b0f5e1c4e2a3d8f7b9c0d1e2f3a4b", cost: "KES 0.8000"},
		{name: "queued", to: "+254722000222", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: sent, label: "accepted", messageID: "ATXid_22222222222222222222222222222222", cost: "KES 0.8000"},
		{name: "processed", to: "+254733000333", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: sent, label: "accepted", messageID: "ATXid_33333333333333333333333333333333", cost: "KES 0.8000"},

		// One recipient refused for good: this message fails, the worker goes on.
		{name: "invalid phone number", to: "+25471100", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: failedForGood, label: "permanent", reason: "Africa's Talking: InvalidPhoneNumber (403)"},
		{name: "subscriber opted out at the operator", to: "+254744000444", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: failedForGood, label: "permanent", reason: "Africa's Talking: UserInBlacklist (406)"},
		{name: "do not disturb", to: "+254755000555", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: failedForGood, label: "permanent", reason: "Africa's Talking: DoNotDisturbRejection (409)"},
		{name: "recipient missing from the answer", to: one, at: atAnswer{status: 201, fixture: "send_missing_recipient.json"},
			verdict: failedForGood, label: "permanent", reason: "Africa's Talking: MissingFromResponse (0)"},

		// One recipient refused for now: the gateway's trouble.
		{name: "gateway internal error", to: "+254766000666", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: retryLater, label: "retryable", reason: "Africa's Talking: InternalServerError (500)"},
		{name: "rejected by gateway", to: "+254777000777", at: atAnswer{status: 201, fixture: "send_mixed.json"},
			verdict: retryLater, label: "retryable", reason: "Africa's Talking: RejectedByGateway (502)"},

		// The account refused, whatever the message: pause.
		{name: "invalid sender id", to: one, at: atAnswer{status: 201, fixture: "send_invalid_sender.json"},
			verdict: pauseSending, label: "account", reason: "InvalidSenderId"},
		{name: "insufficient balance", to: one, at: atAnswer{status: 201,
			body: `{"SMSMessageData":{"Message":"Sent to 0/1 Total Cost: 0","Recipients":[{"statusCode":405,"number":"+254711000111","status":"InsufficientBalance","cost":"0","messageId":"None"}]}}`},
			verdict: pauseSending, label: "account", reason: "InsufficientBalance"},

		// The whole request failed.
		{name: "wrong key", to: one, at: atAnswer{status: 401, fixture: "unauthorized.txt", contentType: "text/plain"},
			verdict: pauseSending, label: "unauthorized", reason: "credentials refused"},
		{name: "forbidden (an IP allow-list)", to: one, at: atAnswer{status: 403, body: "Forbidden", contentType: "text/plain"},
			verdict: pauseSending, label: "unauthorized", reason: "credentials refused"},
		{name: "server error", to: one, at: atAnswer{status: 500, body: "Internal Server Error"},
			verdict: unreachable, label: "unreachable", reason: "africastalking: send sms: HTTP 500"},
		{name: "bad gateway", to: one, at: atAnswer{status: 502, body: "<html>502 Bad Gateway</html>", contentType: "text/html"},
			verdict: unreachable, label: "unreachable", reason: "africastalking: send sms: HTTP 502"},
		{name: "unavailable", to: one, at: atAnswer{status: 503},
			verdict: unreachable, label: "unreachable", reason: "africastalking: send sms: HTTP 503"},
		{name: "rate limited", to: one, at: atAnswer{status: 429, body: "slow down"},
			verdict: unreachable, label: "unreachable", reason: "africastalking: send sms: HTTP 429"},
		{name: "request timeout", to: one, at: atAnswer{status: 408},
			verdict: unreachable, label: "unreachable", reason: "africastalking: send sms: HTTP 408"},
		{name: "2xx that is not JSON", to: one, at: atAnswer{status: 200, body: "<html>captive portal</html>", contentType: "text/html"},
			verdict: retryLater, label: "retryable", reason: "africastalking: send sms: HTTP 200, unreadable answer"},
		{name: "2xx JSON of another shape", to: one, at: atAnswer{status: 201, body: `{"error":"x"}`},
			verdict: retryLater, label: "retryable", reason: "africastalking: send sms: HTTP 201, unreadable answer"},
		{name: "bad request", to: one, at: atAnswer{status: 400, body: "bad request"},
			verdict: failedForGood, label: "permanent", reason: "africastalking: send sms: HTTP 400"},
		{name: "not found", to: one, at: atAnswer{status: 404, body: "no such thing"},
			verdict: failedForGood, label: "permanent", reason: "africastalking: send sms: HTTP 404"},
		{name: "redirect", to: one, at: atAnswer{status: 302, location: "https://elsewhere.example/"},
			verdict: failedForGood, label: "permanent", reason: "africastalking: send sms: HTTP 302 redirect"},
		{name: "no answer", to: one, at: atAnswer{status: 201, fixture: "send_one_success.json"},
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			verdict: unreachable, label: "unreachable", reason: "africastalking: send sms: no answer"},

		// What another Sender may answer.
		{name: "an error of another kind", sender: func() ([]africastalking.Result, error) { return nil, errors.New("boom") },
			verdict: retryLater, label: "retryable", reason: "boom"},
		{name: "no error and no result", sender: func() ([]africastalking.Result, error) { return nil, nil },
			verdict: retryLater, label: "retryable", reason: "Africa's Talking answered without a result for the recipient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results []africastalking.Result
			var err error
			if tt.sender != nil {
				results, err = tt.sender()
			} else {
				ctx := context.Background()
				if tt.ctx != nil {
					ctx = tt.ctx()
				}
				results, err = fakeAT(t, tt.at).Send(ctx, africastalking.Message{To: []string{tt.to}, Text: "Habari"})
			}
			o := classify(results, err)
			if o.verdict != tt.verdict || o.label != tt.label {
				t.Fatalf("classify(%v, %v) = verdict %d label %q, want %d %q", results, err, o.verdict, o.label, tt.verdict, tt.label)
			}
			switch {
			case tt.verdict == sent:
				if o.result.MessageID != tt.messageID || o.result.Cost != tt.cost {
					t.Errorf("sent with message id %q cost %q, want %q %q", o.result.MessageID, o.result.Cost, tt.messageID, tt.cost)
				}
			case strings.HasPrefix(tt.reason, "africastalking: "):
				if !strings.HasPrefix(o.reason, tt.reason) {
					t.Errorf("reason %q, want it to start %q", o.reason, tt.reason)
				}
			case o.reason != tt.reason:
				t.Errorf("reason %q, want %q", o.reason, tt.reason)
			}
			if tt.verdict == pauseSending {
				if o.alert == "" {
					t.Error("a pause without an alert for the operator")
				}
				if tt.label == "unauthorized" && !errors.Is(o.err, africastalking.ErrUnauthorized) && !errors.Is(o.err, africastalking.ErrPermanent) {
					t.Errorf("the pause does not carry the refusal: %v", o.err)
				}
			}
		})
	}
}

// fakeAT is a client of a server that answers every request with a.
func fakeAT(t *testing.T, a atAnswer) *africastalking.Client {
	t.Helper()
	body := []byte(a.body)
	if a.fixture != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join("..", "africastalking", "testdata", a.fixture)); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ct := a.contentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		if a.location != "" {
			w.Header().Set("Location", a.location)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return africastalking.New(africastalking.Config{Username: "huduma", APIKey: "test-key", BaseURL: srv.URL,
		HTTP: &http.Client{Timeout: 5 * time.Second}, Logger: slog.New(slog.DiscardHandler)})
}

// A send to a port where nothing listens: Africa's Talking cannot be reached.
func TestClassifyConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := africastalking.New(africastalking.Config{Username: "huduma", APIKey: "test-key", BaseURL: "http://" + addr,
		Logger: slog.New(slog.DiscardHandler)})
	results, err := c.Send(context.Background(), africastalking.Message{To: []string{"+254711000111"}, Text: "Habari"})
	if o := classify(results, err); o.verdict != unreachable || o.label != "unreachable" || o.unanswered {
		t.Fatalf("connection refused: verdict %d label %q unanswered %t, want unreachable (an outage, not the message's fault), "+
			"and not unanswered: the request never left", o.verdict, o.label, o.unanswered)
	}
}

// A send that Africa's Talking took but never answered before the client gave up: it may
// have been accepted, so sending it again may send it twice (the worker counts the attempt
// unless the breaker is open).
func TestClassifyUnanswered(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); srv.Close() })
	c := africastalking.New(africastalking.Config{Username: "huduma", APIKey: "test-key", BaseURL: srv.URL,
		HTTP: &http.Client{Timeout: 100 * time.Millisecond}, Logger: slog.New(slog.DiscardHandler)})
	results, err := c.Send(context.Background(), africastalking.Message{To: []string{"+254711000111"}, Text: "Habari"})
	if o := classify(results, err); o.verdict != unreachable || !o.unanswered {
		t.Fatalf("no answer within the timeout: verdict %d unanswered %t, want unreachable and unanswered", o.verdict, o.unanswered)
	}
}
