package atsandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
)

const (
	user = "huduma"
	key  = "sandbox-key-123"
)

// callbacks is the gateway's side: it records the forms Africa's Talking (here, the
// sandbox) posts to it.
type callbacks struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
	fail  int // answer 500 to this many posts first
	got   chan url.Values
}

func newCallbacks(t *testing.T) *callbacks {
	c := &callbacks{got: make(chan url.Values, 100)}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		c.mu.Lock()
		failing := c.fail > 0
		if failing {
			c.fail--
		}
		c.forms = append(c.forms, r.PostForm)
		c.mu.Unlock()
		if failing {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		c.got <- r.PostForm
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *callbacks) next(t *testing.T) url.Values {
	t.Helper()
	select {
	case f := <-c.got:
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no callback arrived")
		return nil
	}
}

func start(t *testing.T, cfg atsandbox.Config) (*atsandbox.Server, *httptest.Server, *africastalking.Client) {
	t.Helper()
	cfg.Username, cfg.APIKey = user, key
	cfg.Logger = slog.New(slog.DiscardHandler)
	if cfg.DeliveryDelay == 0 {
		cfg.DeliveryDelay = 10 * time.Millisecond
	}
	if cfg.Seed == 0 {
		cfg.Seed = 42
	}
	sb, err := atsandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	c := africastalking.New(africastalking.Config{Username: user, APIKey: key, BaseURL: srv.URL,
		HTTP: &http.Client{Timeout: 2 * time.Second}})
	return sb, srv, c
}

func TestSendAndDeliver(t *testing.T) {
	cb := newCallbacks(t)
	sb, srv, c := start(t, atsandbox.Config{DeliveryURL: cb.URL + "/at/sms/delivery?key=k"})
	text := strings.Repeat("Huduma: your ID is ready. ", 7) // 182 characters: two parts
	res, err := c.Send(context.Background(), africastalking.Message{To: []string{"+254712345678", "0733000111"}, Text: text, From: "HUDUMA"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("results %+v", res)
	}
	ids := map[string]string{}
	for _, r := range res {
		if r.Outcome != africastalking.Accepted || r.StatusCode != 101 || !strings.HasPrefix(r.MessageID, "ATXid_") || len(r.MessageID) != 38 || r.Cost != "KES 1.6000" {
			t.Errorf("result %+v", r)
		}
		ids[r.MessageID] = r.Number
	}
	for range 2 {
		f := cb.next(t)
		number, ok := ids[f.Get("id")]
		if !ok {
			t.Fatalf("report for an unknown id: %v", f)
		}
		if f.Get("status") != "Success" || f.Get("retryCount") != "0" || f.Get("failureReason") != "" {
			t.Errorf("report %v", f)
		}
		want := map[string]string{"+254712345678": "+254712345678", "0733000111": "+254733000111"}[number]
		if f.Get("phoneNumber") != want {
			t.Errorf("phoneNumber %q, want %q", f.Get("phoneNumber"), want)
		}
		wantNet := map[string]string{"+254712345678": "63902", "+254733000111": "63903"}[want]
		if f.Get("networkCode") != wantNet {
			t.Errorf("networkCode %q for %s", f.Get("networkCode"), want)
		}
	}

	// The page and the JSON show what was sent, newest first.
	waitFor(t, func() bool {
		for _, m := range sb.Messages() {
			if !strings.HasPrefix(m.Report, "reported") {
				return false
			}
		}
		return true
	})
	msgs := sb.Messages()
	if len(msgs) != 2 || msgs[0].Phone != "+254733000111" || msgs[0].Segments != 2 || msgs[0].Encoding != "GSM-7" ||
		msgs[0].Delivery != "Success" || msgs[0].Sender != "HUDUMA" || msgs[0].Text != text {
		t.Errorf("messages %+v", msgs)
	}
	var fromJSON []atsandbox.Message
	getJSON(t, srv.URL+"/messages", &fromJSON)
	if len(fromJSON) != 2 || fromJSON[0].ID != msgs[0].ID {
		t.Errorf("/messages %+v", fromJSON)
	}
	page := html.UnescapeString(get(t, srv.URL+"/")) // html/template writes + as &#43;
	for _, want := range []string{"+254733000111", "+254712345678", "Huduma: your ID is ready.", "Success", msgs[0].ID} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	table := page[strings.Index(page, "<table"):]
	if strings.Index(table, "+254733000111") > strings.Index(table, "+254712345678") {
		t.Error("page is not newest first")
	}
}

func TestDeliveryFailureAndRetry(t *testing.T) {
	cb := newCallbacks(t)
	cb.fail = 1
	_, _, c := start(t, atsandbox.Config{DeliveryURL: cb.URL, Faults: atsandbox.Faults{DeliveryFailRate: 1}})
	res, err := c.Send(context.Background(), africastalking.Message{To: []string{"+254712345678"}, Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f := cb.next(t) // the second attempt: the first got a 500
	if f.Get("id") != res[0].MessageID || f.Get("status") != "Failed" || f.Get("failureReason") != "DeliveryFailure" || f.Get("retryCount") != "1" {
		t.Errorf("report %v", f)
	}
}

func TestFaults(t *testing.T) {
	msg := africastalking.Message{To: []string{"+254712345678"}, Text: "x"}
	t.Run("fail rate 1 is retryable", func(t *testing.T) {
		sb, _, c := start(t, atsandbox.Config{Faults: atsandbox.Faults{FailRate: 1}})
		for range 3 {
			_, err := c.Send(context.Background(), msg)
			if !errors.Is(err, africastalking.ErrRetryable) {
				t.Fatalf("err = %v", err)
			}
		}
		if len(sb.Messages()) != 0 {
			t.Error("a failed request was recorded as sent")
		}
	})
	t.Run("timeout rate 1 is retryable", func(t *testing.T) {
		_, srv, _ := start(t, atsandbox.Config{Faults: atsandbox.Faults{TimeoutRate: 1}})
		c := africastalking.New(africastalking.Config{Username: user, APIKey: key, BaseURL: srv.URL,
			HTTP: &http.Client{Timeout: 100 * time.Millisecond}})
		began := time.Now()
		_, err := c.Send(context.Background(), msg)
		if !errors.Is(err, africastalking.ErrRetryable) {
			t.Fatalf("err = %v", err)
		}
		if time.Since(began) > 2*time.Second {
			t.Error("the client waited far past its timeout")
		}
	})
	t.Run("recipient failures are retryable per recipient", func(t *testing.T) {
		_, _, c := start(t, atsandbox.Config{Faults: atsandbox.Faults{RecipientFailRate: 1}})
		res, err := c.Send(context.Background(), msg)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].StatusCode != 500 || res[0].Outcome != africastalking.Retryable || res[0].MessageID != "" {
			t.Errorf("result %+v", res[0])
		}
	})
	t.Run("half the requests fail", func(t *testing.T) {
		_, _, c := start(t, atsandbox.Config{Faults: atsandbox.Faults{FailRate: 0.5}})
		failed := 0
		for range 100 {
			if _, err := c.Send(context.Background(), msg); err != nil {
				failed++
			}
		}
		if failed < 25 || failed > 75 {
			t.Errorf("%d of 100 failed at rate 0.5", failed)
		}
	})
	t.Run("switched over HTTP", func(t *testing.T) {
		sb, srv, c := start(t, atsandbox.Config{})
		resp, err := http.PostForm(srv.URL+"/faults", url.Values{"failRate": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if sb.Faults().FailRate != 1 {
			t.Fatalf("faults %+v", sb.Faults())
		}
		if _, err := c.Send(context.Background(), msg); !errors.Is(err, africastalking.ErrRetryable) {
			t.Errorf("err = %v", err)
		}
		resp, err = http.PostForm(srv.URL+"/faults", url.Values{"failRate": {"2"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("rate 2 accepted: %d", resp.StatusCode)
		}
	})
}

func TestRefusals(t *testing.T) {
	_, srv, c := start(t, atsandbox.Config{SenderIDs: []string{"HUDUMA"}})
	for name, cfg := range map[string]africastalking.Config{
		"wrong key":      {Username: user, APIKey: "nope", BaseURL: srv.URL},
		"wrong username": {Username: "sandbox", APIKey: key, BaseURL: srv.URL},
	} {
		_, err := africastalking.New(cfg).Send(context.Background(), africastalking.Message{To: []string{"+254712345678"}, Text: "x"})
		if !errors.Is(err, africastalking.ErrUnauthorized) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	res, err := c.Send(context.Background(), africastalking.Message{To: []string{"+254712345678", "+1555123"}, Text: "x", From: "HUDUMA"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != africastalking.Accepted || res[1].Outcome != africastalking.Permanent || res[1].StatusCode != 403 {
		t.Errorf("results %+v", res)
	}
	res, err = c.Send(context.Background(), africastalking.Message{To: []string{"+254712345678"}, Text: "x", From: "OTHER"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != africastalking.Permanent || res[0].Status != "InvalidSenderId" {
		t.Errorf("results %+v", res)
	}
}

func TestInbound(t *testing.T) {
	cb := newCallbacks(t)
	sb, srv, _ := start(t, atsandbox.Config{InboundURL: cb.URL + "/at/sms/inbound", Shortcode: "22384"})
	resp, err := http.PostForm(srv.URL+"/inbound", url.Values{"from": {"0712 345 678"}, "text": {"STATUS 600042550"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	f := cb.next(t)
	if f.Get("from") != "+254712345678" || f.Get("to") != "22384" || f.Get("text") != "STATUS 600042550" ||
		f.Get("id") == "" || f.Get("linkId") == "" || f.Get("networkCode") != "63902" {
		t.Errorf("forwarded %v", f)
	}
	if _, err := time.Parse(time.RFC3339, f.Get("date")); err != nil {
		t.Errorf("date %q: %v", f.Get("date"), err)
	}
	msgs := sb.Messages()
	if len(msgs) != 1 || msgs[0].Direction != "inbound" || msgs[0].ID != f.Get("id") || !strings.HasPrefix(msgs[0].Status, "forwarded") {
		t.Errorf("messages %+v", msgs)
	}

	// A browser is sent back to the page.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/inbound", strings.NewReader("from=%2B254712345678&text=HELP"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("browser got %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cb.next(t)

	for name, form := range map[string]url.Values{
		"foreign number": {"from": {"+15551234567"}, "text": {"hi"}},
		"no text":        {"from": {"+254712345678"}},
	} {
		resp, err := http.PostForm(srv.URL+"/inbound", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
}

func TestInboundWithoutURL(t *testing.T) {
	_, srv, _ := start(t, atsandbox.Config{})
	resp, err := http.PostForm(srv.URL+"/inbound", url.Values{"from": {"+254712345678"}, "text": {"HELP"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("%d", resp.StatusCode)
	}
}

func TestVoice(t *testing.T) {
	sb, _, c := start(t, atsandbox.Config{})
	entries, err := c.Call(context.Background(), "+254711082000", "+254712345678,+1555", "case:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Status != "Queued" || !strings.HasPrefix(entries[0].SessionID, "ATVId_") ||
		entries[1].Status != "InvalidPhoneNumber" {
		t.Errorf("entries %+v", entries)
	}
	if calls := sb.Calls(); len(calls) != 2 || calls[1].ClientRequestID != "case:1" {
		t.Errorf("calls %+v", calls)
	}
	if _, err := c.Call(context.Background(), "nobody", "+254712345678", ""); !errors.Is(err, africastalking.ErrPermanent) {
		t.Errorf("bad caller id: err = %v", err)
	}
	sb.SetQueued("+254711082000", 4)
	q, err := c.QueueStatus(context.Background(), []string{"+254711082000", "+254711082001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].NumCalls != 4 || q[1].NumCalls != 0 {
		t.Errorf("queue %+v", q)
	}
}

// Named queues: one entry per queue of the number, in name order; set from the API or with
// POST /queued (a demo's curl).
func TestQueuedByName(t *testing.T) {
	sb, srv, c := start(t, atsandbox.Config{})
	sb.SetQueuedIn("+254711082000", "agents-sw", 2)
	resp, err := http.PostForm(srv.URL+"/queued", url.Values{"phoneNumber": {"+254711082000"}, "queueName": {"agents-en"}, "numCalls": {"5"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /queued: %d", resp.StatusCode)
	}
	q, err := c.QueueStatus(context.Background(), []string{"+254711082000"})
	if err != nil {
		t.Fatal(err)
	}
	want := []africastalking.QueuedCalls{
		{PhoneNumber: "+254711082000", QueueName: "agents-en", NumCalls: 5},
		{PhoneNumber: "+254711082000", QueueName: "agents-sw", NumCalls: 2},
	}
	if !slices.Equal(q, want) {
		t.Errorf("queues %+v, want %+v", q, want)
	}
	for _, form := range []url.Values{
		{"queueName": {"agents-en"}, "numCalls": {"1"}},
		{"phoneNumber": {"+254711082000"}, "numCalls": {"-1"}},
		{"phoneNumber": {"+254711082000"}, "numCalls": {"many"}},
	} {
		resp, err := http.PostForm(srv.URL+"/queued", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /queued %v: %d, want 400", form, resp.StatusCode)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	for name, cfg := range map[string]atsandbox.Config{
		"no key":        {Username: "u"},
		"rate above 1":  {Username: "u", APIKey: "k", Faults: atsandbox.Faults{FailRate: 1.5}},
		"negative rate": {Username: "u", APIKey: "k", Faults: atsandbox.Faults{TimeoutRate: -0.1}},
		"bad URL":       {Username: "u", APIKey: "k", DeliveryURL: "127.0.0.1:8080/at"},
	} {
		if _, err := atsandbox.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, cond, 5*time.Second, "condition not met in time")
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(get(t, u)), v); err != nil {
		t.Fatal(err)
	}
}

// TestLatency: with Latency set, no answer comes sooner, as across a network from Nairobi;
// benchmarks use it to show what sending one message after another would cost.
func TestLatency(t *testing.T) {
	const latency = 150 * time.Millisecond
	_, _, c := start(t, atsandbox.Config{Latency: latency})
	began := time.Now()
	if _, err := c.Send(context.Background(), africastalking.Message{To: []string{"+254712345678"}, Text: "Huduma"}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < latency {
		t.Fatalf("answered after %v, want at least %v", took, latency)
	}
}
