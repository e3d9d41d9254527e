package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/store/storetest"
)

// startSMSGateway assembles the gateway as serve does, with startSMS before it listens, on
// a free loopback port. What it logs is in the returned Logs.
func startSMSGateway(t *testing.T, args ...string) (string, *gateway, *testkit.Logs) {
	t.Helper()
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := cfg.flags(fs, true); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"-db", "sqlite:" + filepath.Join(t.TempDir(), "huduma.db")}, args...)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	log, logs := testkit.Logger(t)
	ctx, cancel := context.WithCancel(context.Background())
	gw, err := openGateway(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := startSMS(ctx, cfg, gw, log); err != nil {
		gw.close()
		t.Fatalf("startSMS: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gw.app.Listener(ln)
	t.Cleanup(func() {
		cancel()
		gw.app.Shutdown()
		gw.close()
	})
	return "http://" + ln.Addr().String(), gw, logs
}

func clearSMSEnv(t *testing.T) {
	for _, v := range []string{"HUDUMA_AT_USERNAME", "HUDUMA_AT_API_KEY", "HUDUMA_AT_API_URL",
		"HUDUMA_SMS_SENDER", "HUDUMA_SMS_RATE", "HUDUMA_SMS_WORKERS"} {
		t.Setenv(v, "")
	}
}

func TestSMSConfigRefusesBadValues(t *testing.T) {
	const key = "atsk_secret_0123456789"
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HUDUMA_SMS_RATE": "fast"}, "HUDUMA_SMS_RATE"},
		{map[string]string{"HUDUMA_SMS_RATE": "-1"}, "HUDUMA_SMS_RATE"},
		{map[string]string{"HUDUMA_SMS_WORKERS": "0"}, "HUDUMA_SMS_WORKERS"},
		{map[string]string{"HUDUMA_SMS_WORKERS": "four"}, "HUDUMA_SMS_WORKERS"},
		{map[string]string{"HUDUMA_AT_API_URL": "ftp://example"}, "HUDUMA_AT_API_URL"},
		{map[string]string{"HUDUMA_AT_USERNAME": "huduma"}, "HUDUMA_AT_API_KEY is not"},
		{map[string]string{"HUDUMA_AT_API_KEY": key}, "HUDUMA_AT_USERNAME is not"},
	} {
		clearSMSEnv(t)
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		_, err := readSMSConfig()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %s", tt.env, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("%v: the error shows the API key: %v", tt.env, err)
		}
	}
	clearSMSEnv(t)
	t.Setenv("HUDUMA_SMS_RATE", "12.5")
	t.Setenv("HUDUMA_SMS_WORKERS", "8")
	c, err := readSMSConfig()
	if err != nil || c.Rate != 12.5 || c.Workers != 8 {
		t.Fatalf("readSMSConfig: %+v %v, want rate 12.5 and 8 workers", c, err)
	}
}

// Without credentials the gateway runs, says SMS is off, and still takes delivery reports
// and serves /metrics with the outbox depth.
func TestSMSDisabledWithoutCredentials(t *testing.T) {
	clearSMSEnv(t)
	base, gw, logs := startSMSGateway(t)
	if !slices.ContainsFunc(gw.notes, func(n string) bool { return strings.Contains(n, "HUDUMA_AT_USERNAME and HUDUMA_AT_API_KEY") }) {
		t.Fatalf("the start-up block does not say SMS is off: %q", gw.notes)
	}
	if logs.Contains("level=WARN") {
		t.Fatalf("a first run warns:\n%s", logs.String())
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} { // the admin listener's, never the public port's
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s on the public port: %d, want 404", path, resp.StatusCode)
		}
	}
	admin := httptest.NewServer(gw.admin)
	defer admin.Close()
	body := get(t, admin.URL+"/metrics")
	for _, want := range []string{"huduma_sms_outbox_depth", "huduma_sms_sent_total 0", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Fatalf("/metrics lacks %q:\n%s", want, body)
		}
	}
	resp, err := http.Post(base+"/at/sms/delivery", "application/x-www-form-urlencoded",
		strings.NewReader("id=ATXid_unknown&status=Success&phoneNumber=%2B254711000111"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery report: HTTP %d, want 200", resp.StatusCode)
	}
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
		t.Fatalf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return string(b)
}

// With credentials a queued message goes out through Africa's Talking (the sandbox), its
// delivery report comes back through the callback (with the callback key), /metrics counts
// it, and the API key is in no log line.
func TestSMSSendsAndTakesDeliveryReports(t *testing.T) {
	clearSMSEnv(t)
	const key = "atsk_do_not_log_5b1f0c"
	var gatewayURL string
	var mu sync.Mutex
	sbLog := slog.New(slog.DiscardHandler)
	// The sandbox posts reports to the gateway, whose address is known only once it runs.
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		target := gatewayURL
		mu.Unlock()
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(relay.Close)
	sb, err := atsandbox.New(atsandbox.Config{Username: "huduma", APIKey: key, Logger: sbLog,
		DeliveryURL: relay.URL + "/at/sms/delivery?key=cb-key", DeliveryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	at := httptest.NewServer(sb)
	t.Cleanup(func() { at.Close(); sb.Close() })
	t.Setenv("HUDUMA_AT_USERNAME", "huduma")
	t.Setenv("HUDUMA_AT_API_KEY", key)
	t.Setenv("HUDUMA_AT_API_URL", at.URL)
	t.Setenv("HUDUMA_SMS_SENDER", "HUDUMA")
	t.Setenv("HUDUMA_SMS_RATE", "50")

	base, gw, logs := startSMSGateway(t, "-callback-key", "cb-key")
	admin := httptest.NewServer(gw.admin)
	defer admin.Close()
	mu.Lock()
	gatewayURL = base
	mu.Unlock()

	ctx := storetest.Context(t)
	now := time.Now().UTC()
	r := crm.Request{Ref: "600042550", Phone: "+254711000111", Service: "BIRTH-CERT", Centre: "KSM", Agency: "NRB",
		Status: crm.RequestReceived, CreatedAt: now, UpdatedAt: now}
	n := crm.Notification{Phone: r.Phone, Lang: crm.Swahili, Kind: crm.NotifyRequestStatus, Priority: crm.PriorityUrgent,
		Essential: true, Subject: "request:600042550",
		Params: map[string]string{"ref": "600042550", "status": "ready_for_collection", "service": "BIRTH-CERT", "centre": "KSM"}}
	if _, _, err := gw.store.CreateRequest(ctx, r, crm.RequestEvent{Status: r.Status, By: "NRB", At: now}, []crm.Notification{n}); err != nil {
		t.Fatal(err)
	}
	var row crm.Notification
	testkit.EventuallyNoError(t, func() error {
		list, err := gw.store.Notifications(ctx, crm.NotificationFilter{Subject: "request:600042550"})
		if err != nil || len(list) != 1 {
			t.Fatalf("Notifications: %v %v", list, err)
		}
		if row = list[0]; row.Status != crm.OutboxSent || row.DeliveryStatus != "Success" {
			return fmt.Errorf("%+v\n%s", row, logs.String())
		}
		return nil
	}, 30*time.Second, "the row sent and delivered")
	msgs := sb.Messages()
	if len(msgs) != 1 || msgs[0].ID != row.ATMessageID || msgs[0].Sender != "HUDUMA" ||
		!strings.Contains(msgs[0].Text, "Kituo cha Huduma Kisumu") {
		t.Fatalf("sandbox got %+v; row %+v", msgs, row)
	}
	// The delivery handler counts a report after it has recorded it, so the row may show the
	// report a moment before the counter does.
	testkit.EventuallyNoError(t, func() error {
		body := get(t, admin.URL+"/metrics")
		if !strings.Contains(body, "huduma_sms_sent_total 1") ||
			!strings.Contains(body, `huduma_sms_delivery_reports_total{status="Success"} 1`) {
			return fmt.Errorf("it does not count the send and its report:\n%s", body)
		}
		return nil
	}, 30*time.Second, "/metrics")
	logs.AssertAbsent(key)
	if !logs.Contains("SMS sending through Africa's Talking") {
		t.Fatalf("no start-up line for SMS:\n%s", logs.String())
	}
}
