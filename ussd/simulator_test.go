package ussd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// simRecorded is what the fake aggregator endpoint saw for one hop.
type simRecorded struct {
	method      string
	contentType string
	userAgent   string
	query       url.Values
	form        url.Values
}

// simFakeServer answers each hop with reply(text) and records every request,
// standing in for the real gateway so the simulator's wire format is checked
// without the rest of the system.
func simFakeServer(t *testing.T, reply func(text string) (int, string)) (*httptest.Server, func() []simRecorded) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []simRecorded
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("server: parse form: %v", err)
		}
		mu.Lock()
		seen = append(seen, simRecorded{
			method:      r.Method,
			contentType: r.Header.Get("Content-Type"),
			userAgent:   r.Header.Get("User-Agent"),
			query:       r.URL.Query(),
			form:        r.PostForm,
		})
		mu.Unlock()
		status, body := reply(r.PostForm.Get("text"))
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []simRecorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]simRecorded(nil), seen...)
	}
}

// simMenu is a tiny two-level menu keyed by the accumulated text, like the
// real gateway sees it.
func simMenu(text string) (int, string) {
	switch text {
	case "":
		return 200, "CON Huduma Connect\n1. Book\n2. Status"
	case "1":
		return 200, "CON Choose centre\n1. Nairobi GPO\n2. Mombasa"
	case "1*2":
		return 200, "END Booked at Mombasa. Ref HC-1234"
	case "2":
		return 200, "CON Enter reference"
	case "2*HC-1234":
		return 200, "END HC-1234: ready for collection"
	default:
		return 200, "END Invalid choice"
	}
}

func TestSimulatorRun(t *testing.T) {
	tests := []struct {
		name      string
		sim       Simulator // URL is filled in with the test server's
		query     string    // appended to the server URL, e.g. "?key=s3cret"
		reply     func(text string) (int, string)
		input     string
		wantTexts []string // the text field of each hop, in order
		wantOut   []string // substrings of the terminal output
		wantErr   string   // substring of the error; empty means success
		wantField map[string]string
		wantQuery map[string]string
	}{
		{
			name:      "CON then END, text grows",
			reply:     simMenu,
			input:     "1\n2\n",
			wantTexts: []string{"", "1", "1*2"},
			wantOut:   []string{"Huduma Connect", "Choose centre", "> 1\n", "> 2\n", "Booked at Mombasa", "(session ended)"},
			wantField: map[string]string{
				"serviceCode": SimDefaultCode,
				"phoneNumber": SimDefaultPhone,
				"networkCode": SimDefaultNetwork,
			},
		},
		{
			name:      "free text input is trimmed and joined with *",
			reply:     simMenu,
			input:     "2\r\n  HC-1234 \n",
			wantTexts: []string{"", "2", "2*HC-1234"},
			wantOut:   []string{"Enter reference", "ready for collection"},
		},
		{
			name:      "custom phone, code and network; key kept in URL",
			sim:       Simulator{Phone: "+254733000111", Code: "*483*7#", Network: "63903"},
			query:     "?key=s3cret",
			reply:     simMenu,
			input:     "9\n",
			wantTexts: []string{"", "9"},
			wantOut:   []string{"Invalid choice"},
			wantField: map[string]string{
				"serviceCode": "*483*7#",
				"phoneNumber": "+254733000111",
				"networkCode": "63903",
			},
			wantQuery: map[string]string{"key": "s3cret"},
		},
		{
			name:      "EOF on stdin stops after the first screen",
			reply:     simMenu,
			input:     "",
			wantTexts: []string{""},
			wantOut:   []string{"Huduma Connect", "> "},
		},
		{
			name:      "END on the first hop does not read input",
			reply:     func(string) (int, string) { return 200, "END Service closed for maintenance" },
			input:     "1\n",
			wantTexts: []string{""},
			wantOut:   []string{"Service closed for maintenance"},
		},
		{
			name:      "server error is reported with status and body",
			reply:     func(string) (int, string) { return 500, "database is down" },
			input:     "1\n",
			wantTexts: []string{""},
			wantErr:   "500 Internal Server Error: \"database is down\"",
		},
		{
			name: "server error on a later hop",
			reply: func(text string) (int, string) {
				if text == "" {
					return 200, "CON Menu\n1. Go"
				}
				return 502, "bad gateway"
			},
			input:     "1\n",
			wantTexts: []string{"", "1"},
			wantErr:   "502",
		},
		{
			name:      "malformed answer says what came back",
			reply:     func(string) (int, string) { return 200, "<html>oops</html>" },
			input:     "1\n",
			wantTexts: []string{""},
			wantErr:   "neither CON nor END: \"<html>oops</html>\"",
		},
		{
			name:      "CON must be a whole word",
			reply:     func(string) (int, string) { return 200, "CONTINUE" },
			wantTexts: []string{""},
			wantErr:   "neither CON nor END",
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := simFakeServer(t, tc.reply)
			sim := tc.sim
			sim.URL = srv.URL + "/at/ussd" + tc.query
			sim.HTTP = srv.Client()

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out strings.Builder
			err := sim.Run(ctx, strings.NewReader(tc.input), &out)

			if tc.wantErr == "" && err != nil {
				t.Fatalf("Run: unexpected error: %v", err)
			}
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Run: want error containing %q, got nil", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Run: error %q does not contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("Run: error leaks the callback key: %v", err)
				}
			}

			reqs := seen()
			var texts []string
			for _, r := range reqs {
				texts = append(texts, r.form.Get("text"))
			}
			if strings.Join(texts, "|") != strings.Join(tc.wantTexts, "|") || len(texts) != len(tc.wantTexts) {
				t.Errorf("text per hop = %q, want %q", texts, tc.wantTexts)
			}

			var firstID string
			for i, r := range reqs {
				if r.method != http.MethodPost {
					t.Errorf("hop %d: method %s, want POST", i, r.method)
				}
				if r.contentType != "application/x-www-form-urlencoded" {
					t.Errorf("hop %d: Content-Type %q", i, r.contentType)
				}
				if r.userAgent != SimUserAgent {
					t.Errorf("hop %d: User-Agent %q, want %q", i, r.userAgent, SimUserAgent)
				}
				for _, f := range []string{"sessionId", "serviceCode", "phoneNumber", "networkCode", "text"} {
					if _, ok := r.form[f]; !ok {
						t.Errorf("hop %d: form field %s missing", i, f)
					}
				}
				id := r.form.Get("sessionId")
				if !strings.HasPrefix(id, "ATUid_") || len(id) <= len("ATUid_") {
					t.Errorf("hop %d: sessionId %q not shaped like ATUid_<hex>", i, id)
				}
				if i == 0 {
					firstID = id
				} else if id != firstID {
					t.Errorf("hop %d: sessionId %q changed from %q", i, id, firstID)
				}
				for k, want := range tc.wantField {
					if got := r.form.Get(k); got != want {
						t.Errorf("hop %d: %s = %q, want %q", i, k, got, want)
					}
				}
				for k, want := range tc.wantQuery {
					if got := r.query.Get(k); got != want {
						t.Errorf("hop %d: query %s = %q, want %q", i, k, got, want)
					}
				}
			}

			for _, want := range tc.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestSimulatorHop(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantReply string
		wantEnd   bool
		wantErr   bool
	}{
		{name: "CON", body: "CON Pick one\n1. A", wantReply: "Pick one\n1. A"},
		{name: "END", body: "END Thank you", wantReply: "Thank you", wantEnd: true},
		{name: "bare END", body: "END", wantReply: "", wantEnd: true},
		{name: "trailing newline dropped", body: "CON Menu\r\n", wantReply: "Menu"},
		{name: "lowercase is not AT", body: "con Menu", wantErr: true},
		{name: "empty body", body: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := simFakeServer(t, func(string) (int, string) { return 200, tc.body })
			sim := &Simulator{URL: srv.URL, HTTP: srv.Client()}
			reply, end, err := sim.Hop(context.Background(), "ATUid_test", "1*2")
			if (err != nil) != tc.wantErr {
				t.Fatalf("Hop error = %v, wantErr %v", err, tc.wantErr)
			}
			if reply != tc.wantReply || end != tc.wantEnd {
				t.Errorf("Hop = (%q, %v), want (%q, %v)", reply, end, tc.wantReply, tc.wantEnd)
			}
			reqs := seen()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			if got := reqs[0].form.Get("sessionId"); got != "ATUid_test" {
				t.Errorf("sessionId = %q", got)
			}
			if got := reqs[0].form.Get("text"); got != "1*2" {
				t.Errorf("text = %q", got)
			}
		})
	}
}

// A cancelled context must end a session that is waiting for the user, or
// Ctrl-C would hang until Enter is pressed. The cancel comes once Run has shown
// the first screen and prompted, so that it is the wait that is cut short.
func TestSimulatorRunCancelWhileWaiting(t *testing.T) {
	srv, seen := simFakeServer(t, simMenu)
	sim := &Simulator{URL: srv.URL, HTTP: srv.Client()}
	pr, pw := io.Pipe() // never written: the user is thinking
	defer pw.Close()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	out := &promptWriter{prompted: make(chan struct{})}
	go func() { errc <- sim.Run(ctx, pr, out) }()
	select {
	case <-out.prompted:
	case err := <-errc:
		t.Fatalf("Run returned before it prompted: %v\n%s", err, out)
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the context was cancelled")
	}
	if n := len(seen()); n != 1 || !strings.Contains(out.String(), "Huduma Connect") {
		t.Fatalf("%d hops sent; the output:\n%s", n, out)
	}
}

// promptWriter keeps what Run writes, and closes prompted when the prompt "> "
// is written: Run then waits for the user's input.
type promptWriter struct {
	mu       sync.Mutex
	b        strings.Builder
	prompted chan struct{}
	once     sync.Once
}

func (w *promptWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.HasSuffix(w.b.String(), "> ") {
		w.once.Do(func() { close(w.prompted) })
	}
	return len(p), nil
}

func (w *promptWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestSimulatorUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/at/ussd?key=s3cret"
	srv.Close() // nothing listens any more
	sim := &Simulator{URL: u}
	_, _, err := sim.Hop(context.Background(), "ATUid_x", "")
	if err == nil {
		t.Fatal("Hop to a closed server: want error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the callback key: %v", err)
	}
	if !strings.Contains(err.Error(), "key=REDACTED") {
		t.Errorf("error should name the URL with the key redacted: %v", err)
	}
}

// AppendForm must send what url.Values.Encode made of the form before it, so
// servers see the same bytes whichever client a hop goes through.
func TestSimulatorAppendForm(t *testing.T) {
	tests := []struct {
		name            string
		sim             Simulator
		sessionID, text string
	}{
		{name: "defaults", sessionID: "ATUid_0123abcd", text: ""},
		{name: "history", sim: Simulator{Phone: "+254700000001", Code: "*384*50#", Network: "63903"}, sessionID: "ATUid_x", text: "1*2*3"},
		{name: "typed text", sessionID: "s", text: "Long queue at Huduma GPO; staff asked for 500/= & left!"},
		{name: "every byte", sessionID: "a b+c%d", text: simAllBytes()},
		{name: "unicode", sessionID: "s", text: "Nimesubiri saa 3 — asante ✓"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := url.Values{
				"sessionId":   {tc.sessionID},
				"serviceCode": {simOr(tc.sim.Code, SimDefaultCode)},
				"phoneNumber": {simOr(tc.sim.Phone, SimDefaultPhone)},
				"networkCode": {simOr(tc.sim.Network, SimDefaultNetwork)},
				"text":        {tc.text},
			}.Encode()
			got := string(tc.sim.AppendForm([]byte("kept"), tc.sessionID, tc.text))
			if got != "kept"+want {
				t.Errorf("AppendForm =\n%q\nwant\n%q", got, "kept"+want)
			}
		})
	}
}

func simAllBytes() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

// Answer is Hop's judgement of an answer; a load generator relies on it to
// fail its hops exactly as Hop does.
func TestSimulatorAnswer(t *testing.T) {
	long := "CON " + strings.Repeat("x", SimMaxBody)
	tests := []struct {
		name      string
		code      int
		body      string
		wantReply string
		wantEnd   bool
		wantErr   string
	}{
		{name: "CON", code: 200, body: "CON Pick one\n1. A", wantReply: "Pick one\n1. A"},
		{name: "END", code: 200, body: "END Thanks", wantReply: "Thanks", wantEnd: true},
		{name: "no marker", code: 200, body: "Welcome", wantErr: `answered neither CON nor END: "Welcome"`},
		{name: "status", code: 500, body: "boom", wantErr: `answered 500 Internal Server Error: "boom"`},
		{name: "status with a screen", code: 404, body: "CON Menu", wantErr: `answered 404 Not Found: "CON Menu"`},
		{name: "over-long body is cut", code: 200, body: long, wantReply: long[4:SimMaxBody]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := simFakeServer(t, func(string) (int, string) { return tc.code, tc.body })
			sim := &Simulator{URL: srv.URL + "/at/ussd?key=s3cret", HTTP: srv.Client()}
			reply, end, err := sim.Hop(context.Background(), "ATUid_test", "1")
			raw := []byte(tc.body)
			if len(raw) > SimMaxBody {
				raw = raw[:SimMaxBody]
			}
			reply2, end2, err2 := sim.Answer(tc.code, fmt.Sprintf("%d %s", tc.code, http.StatusText(tc.code)), raw)
			if reply != tc.wantReply || end != tc.wantEnd {
				t.Errorf("Hop = (%.40q, %v), want (%.40q, %v)", reply, end, tc.wantReply, tc.wantEnd)
			}
			if (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Hop error %v, want one saying %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the callback key: %v", err)
			}
			if reply2 != reply || end2 != end || fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Errorf("Answer = (%.40q, %v, %v); Hop = (%.40q, %v, %v)", reply2, end2, err2, reply, end, err)
			}
		})
	}
}
