package africastalking_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/sms/africastalking"
)

// apiKey is distinctive so a test can prove it never reaches an error message.
const apiKey = "atsk_TESTKEY_5f2c9d1e8b7a6c3d"

// reply is what the fake Africa's Talking answers.
type reply struct {
	status      int
	fixture     string // file under testdata
	body        string // used when fixture is empty
	contentType string
}

// fakeAT answers every request with one reply and remembers what it was asked.
type fakeAT struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

type seen struct {
	method, path string
	header       http.Header
	form         url.Values
}

func newFakeAT(t *testing.T, r reply) *fakeAT {
	t.Helper()
	body := []byte(r.body)
	if r.fixture != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join("testdata", r.fixture)); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakeAT{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_ = req.ParseForm()
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{req.Method, req.URL.Path, req.Header.Clone(), req.PostForm})
		f.mu.Unlock()
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(r.status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAT) last(t *testing.T) seen {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	return f.reqs[len(f.reqs)-1]
}

func client(base string) *africastalking.Client {
	return africastalking.New(africastalking.Config{
		Username: "huduma", APIKey: apiKey, BaseURL: base,
		HTTP: &http.Client{Timeout: 2 * time.Second},
	})
}

func TestSendRequest(t *testing.T) {
	f := newFakeAT(t, reply{status: 201, fixture: "send_one_success.json"})
	_, err := client(f.URL+"/").Send(context.Background(), africastalking.Message{
		To: []string{"+254711000111", "+254722000222"}, Text: "Habari & karibu", From: "HUDUMA", Enqueue: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.method != http.MethodPost || r.path != "/version1/messaging" {
		t.Errorf("%s %s", r.method, r.path)
	}
	if r.header.Get("apiKey") != apiKey || r.header.Get("Accept") != "application/json" ||
		r.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("headers %v", r.header)
	}
	want := url.Values{
		"username": {"huduma"}, "to": {"+254711000111,+254722000222"}, "message": {"Habari & karibu"},
		"from": {"HUDUMA"}, "enqueue": {"1"}, "bulkSMSMode": {"1"},
	}
	for k, v := range want {
		if r.form.Get(k) != v[0] {
			t.Errorf("form %s = %q, want %q", k, r.form.Get(k), v[0])
		}
	}
	if strings.Contains(r.form.Encode(), apiKey) {
		t.Error("the API key is in the form")
	}
}

func TestSendOmitsOptionalFields(t *testing.T) {
	f := newFakeAT(t, reply{status: 201, fixture: "send_one_success.json"})
	if _, err := client(f.URL).Send(context.Background(), africastalking.Message{To: []string{"+254711000111"}, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if _, ok := r.form["from"]; ok {
		t.Error("from sent though empty")
	}
	if _, ok := r.form["enqueue"]; ok {
		t.Error("enqueue sent though false")
	}
}

func TestSendResults(t *testing.T) {
	mixedTo := []string{"+254711000111", "+254722000222", "+254733000333", "+25471100", "+254744000444",
		"+254755000555", "+254766000666", "+254777000777"}
	type res = africastalking.Result
	tests := []struct {
		name    string
		fixture string
		to      []string
		want    []res
	}{
		{"one sent", "send_one_success.json", []string{"+254711000111"}, []res{
			{Number: "+254711000111", StatusCode: 101, Status: "Success", MessageID: "ATXid_6a0b0f5e1c4e2a3d8f7b9c0d1e2f3a4b", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
		}},
		{"local form matched to E.164", "send_one_success.json", []string{"0711 000 111"}, []res{
			{Number: "0711 000 111", StatusCode: 101, Status: "Success", MessageID: "ATXid_6a0b0f5e1c4e2a3d8f7b9c0d1e2f3a4b", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
		}},
		{"status code as a string", "send_string_codes.json", []string{"+254711000111"}, []res{
			{Number: "+254711000111", StatusCode: 101, Status: "Success", MessageID: "ATXid_6a0b0f5e1c4e2a3d8f7b9c0d1e2f3a4b", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
		}},
		{"every outcome, in our order", "send_mixed.json", reverse(mixedTo), reverse([]res{
			{Number: "+254711000111", StatusCode: 101, Status: "Success", MessageID: "ATXid_11111111111111111111111111111111", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
			{Number: "+254722000222", StatusCode: 102, Status: "Queued", MessageID: "ATXid_22222222222222222222222222222222", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
			{Number: "+254733000333", StatusCode: 100, Status: "Processed", MessageID: "ATXid_33333333333333333333333333333333", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
			{Number: "+25471100", StatusCode: 403, Status: "InvalidPhoneNumber", Cost: "0", Outcome: africastalking.Permanent},
			{Number: "+254744000444", StatusCode: 406, Status: "UserInBlacklist", Cost: "0", Outcome: africastalking.Permanent},
			{Number: "+254755000555", StatusCode: 409, Status: "DoNotDisturbRejection", Cost: "0", Outcome: africastalking.Permanent},
			{Number: "+254766000666", StatusCode: 500, Status: "InternalServerError", Cost: "0", Outcome: africastalking.Retryable},
			{Number: "+254777000777", StatusCode: 502, Status: "RejectedByGateway", Cost: "0", Outcome: africastalking.Retryable},
		})},
		{"invalid sender: nobody got it", "send_invalid_sender.json", []string{"+254711000111", "+254722000222"}, []res{
			{Number: "+254711000111", StatusCode: 402, Status: "InvalidSenderId", Outcome: africastalking.Permanent},
			{Number: "+254722000222", StatusCode: 402, Status: "InvalidSenderId", Outcome: africastalking.Permanent},
		}},
		{"recipient missing from the answer", "send_missing_recipient.json", []string{"+254711000111", "+254722000222"}, []res{
			{Number: "+254711000111", Status: africastalking.StatusMissing, Outcome: africastalking.Permanent},
			{Number: "+254722000222", StatusCode: 101, Status: "Success", MessageID: "ATXid_22222222222222222222222222222222", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
		}},
		{"a number sent twice uses its entry once", "send_one_success.json", []string{"+254711000111", "+254711000111"}, []res{
			{Number: "+254711000111", StatusCode: 101, Status: "Success", MessageID: "ATXid_6a0b0f5e1c4e2a3d8f7b9c0d1e2f3a4b", Cost: "KES 0.8000", Outcome: africastalking.Accepted},
			{Number: "+254711000111", Status: africastalking.StatusMissing, Outcome: africastalking.Permanent},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAT(t, reply{status: 201, fixture: tt.fixture})
			got, err := client(f.URL).Send(context.Background(), africastalking.Message{To: tt.to, Text: "Habari"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d results, want %d: %+v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("result %d:\n got  %+v\n want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func reverse[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// TestSendFailures makes the request fail every way we know and checks each is sorted
// right and that no error text carries the API key, even when the server echoes it.
func TestSendFailures(t *testing.T) {
	tests := []struct {
		name string
		r    reply
		want error
	}{
		{"wrong key", reply{status: 401, fixture: "unauthorized.txt", contentType: "text/plain"}, africastalking.ErrUnauthorized},
		{"server error", reply{status: 500, body: "Internal Server Error"}, africastalking.ErrRetryable},
		{"bad gateway", reply{status: 502, body: "<html>502 Bad Gateway</html>", contentType: "text/html"}, africastalking.ErrRetryable},
		{"unavailable", reply{status: 503, body: ""}, africastalking.ErrRetryable},
		{"rate limited", reply{status: 429, body: "slow down"}, africastalking.ErrRetryable},
		{"request timeout", reply{status: 408, body: ""}, africastalking.ErrRetryable},
		{"bad request echoing the key", reply{status: 400, body: "bad request with apiKey " + apiKey}, africastalking.ErrPermanent},
		{"forbidden", reply{status: 403, body: "Forbidden"}, africastalking.ErrPermanent},
		{"not found", reply{status: 404, body: "no such thing"}, africastalking.ErrPermanent},
		{"2xx that is not JSON", reply{status: 200, body: "<html>captive portal " + apiKey + "</html>"}, africastalking.ErrRetryable},
		{"2xx JSON of another shape", reply{status: 201, body: `{"error":"x"}`}, africastalking.ErrRetryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAT(t, tt.r)
			_, err := client(f.URL).Send(context.Background(), africastalking.Message{To: []string{"+254711000111"}, Text: "x"})
			checkFailure(t, err, tt.want)
			var ae *africastalking.Error
			if !errors.As(err, &ae) || ae.HTTPStatus != tt.r.status {
				t.Errorf("HTTP status not kept: %#v", ae)
			}
		})
	}
}

func checkFailure(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
	}
	for _, other := range []error{africastalking.ErrUnauthorized, africastalking.ErrRetryable, africastalking.ErrPermanent} {
		if other != want && errors.Is(err, other) {
			t.Errorf("err %v is also %v", err, other)
		}
	}
	if strings.Contains(err.Error(), apiKey) {
		t.Errorf("the API key is in the error: %v", err)
	}
	t.Log(err)
}

func TestTransportFailures(t *testing.T) {
	send := func(base string, ctx context.Context, timeout time.Duration) error {
		c := africastalking.New(africastalking.Config{Username: "huduma", APIKey: apiKey, BaseURL: base,
			HTTP: &http.Client{Timeout: timeout}})
		_, err := c.Send(ctx, africastalking.Message{To: []string{"+254711000111"}, Text: "x"})
		return err
	}
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		checkFailure(t, send(srv.URL, context.Background(), 100*time.Millisecond), africastalking.ErrRetryable)
	})
	t.Run("context deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm() // a server notices a client hanging up only once the body is read
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := send(srv.URL, ctx, 5*time.Second)
		checkFailure(t, err, africastalking.ErrRetryable)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cause lost: %v", err)
		}
	})
	t.Run("connection reset", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // close with RST
			}
			conn.Close()
		}))
		defer srv.Close()
		checkFailure(t, send(srv.URL, context.Background(), time.Second), africastalking.ErrRetryable)
	})
	t.Run("body cut short", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(201)
			_, _ = io.WriteString(w, `{"SMSMessageData":`)
		}))
		defer srv.Close()
		checkFailure(t, send(srv.URL, context.Background(), time.Second), africastalking.ErrRetryable)
	})
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		checkFailure(t, send(base, context.Background(), time.Second), africastalking.ErrRetryable)
	})
	t.Run("bad base URL", func(t *testing.T) {
		checkFailure(t, send("http://[::1", context.Background(), time.Second), africastalking.ErrPermanent)
	})
	t.Run("redirect is not followed", func(t *testing.T) {
		var stolen sync.Mutex
		gotKey := ""
		thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stolen.Lock()
			gotKey = r.Header.Get("apiKey")
			stolen.Unlock()
		}))
		defer thief.Close()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, thief.URL+"/version1/messaging", http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		checkFailure(t, send(srv.URL, context.Background(), time.Second), africastalking.ErrPermanent)
		stolen.Lock()
		defer stolen.Unlock()
		if gotKey != "" {
			t.Error("the key followed the redirect")
		}
	})
}

func TestSendRefusesEmpty(t *testing.T) {
	f := newFakeAT(t, reply{status: 201, fixture: "send_one_success.json"})
	c := client(f.URL)
	_, err := c.Send(context.Background(), africastalking.Message{Text: "x"})
	checkFailure(t, err, africastalking.ErrPermanent)
	_, err = c.Send(context.Background(), africastalking.Message{To: []string{"+254711000111"}})
	checkFailure(t, err, africastalking.ErrPermanent)
	if len(f.reqs) != 0 {
		t.Error("an empty message reached the API")
	}
}

func TestDefaultURLs(t *testing.T) {
	var hits []string
	var mu sync.Mutex
	rt := roundTrip(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		hits = append(hits, r.URL.String())
		mu.Unlock()
		return nil, errors.New("offline")
	})
	for _, tc := range []struct {
		cfg       africastalking.Config
		sms, call string
	}{
		{africastalking.Config{Username: "sandbox"}, africastalking.SandboxURL + "/version1/messaging", africastalking.VoiceLiveURL + "/call"},
		{africastalking.Config{Username: "huduma"}, africastalking.LiveURL + "/version1/messaging", africastalking.VoiceLiveURL + "/call"},
		{africastalking.Config{Username: "huduma", BaseURL: "http://127.0.0.1:8090/"}, "http://127.0.0.1:8090/version1/messaging", "http://127.0.0.1:8090/call"},
		{africastalking.Config{Username: "huduma", BaseURL: "http://a", VoiceURL: "http://v"}, "http://a/version1/messaging", "http://v/call"},
	} {
		hits = nil
		tc.cfg.HTTP = &http.Client{Transport: rt}
		c := africastalking.New(tc.cfg)
		_, _ = c.Send(context.Background(), africastalking.Message{To: []string{"+254711000111"}, Text: "x"})
		_, _ = c.Call(context.Background(), "+254711082000", "+254711000111", "")
		if len(hits) != 2 || hits[0] != tc.sms || hits[1] != tc.call {
			t.Errorf("%+v: hit %v, want %s and %s", tc.cfg, hits, tc.sms, tc.call)
		}
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestOutcomeOf(t *testing.T) {
	for code, want := range map[int]africastalking.Outcome{
		100: africastalking.Accepted, 101: africastalking.Accepted, 102: africastalking.Accepted,
		401: africastalking.Permanent, 402: africastalking.Permanent, 403: africastalking.Permanent,
		404: africastalking.Permanent, 405: africastalking.Permanent, 406: africastalking.Permanent,
		407: africastalking.Permanent, 409: africastalking.Permanent,
		500: africastalking.Retryable, 501: africastalking.Retryable, 502: africastalking.Retryable,
		0: africastalking.Permanent, 999: africastalking.Permanent,
	} {
		if got := africastalking.OutcomeOf(code); got != want {
			t.Errorf("OutcomeOf(%d) = %v, want %v", code, got, want)
		}
	}
}
