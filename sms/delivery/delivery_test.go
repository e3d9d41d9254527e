package delivery_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/delivery"
	"github.com/huduma-connect/huduma/store/sqlite"
	"github.com/huduma-connect/huduma/store/storetest"
)

// recorder is a store that knows one message id and remembers what it was told.
type recorder struct {
	mu    sync.Mutex
	known string
	calls []string // "id status reason"
	err   error
}

func (r *recorder) RecordDeliveries(_ context.Context, reports []crm.DeliveryReport, _ time.Time) ([]bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	found := make([]bool, len(reports))
	for i, rep := range reports {
		r.calls = append(r.calls, rep.ATMessageID+" "+rep.Status+" "+rep.FailureReason)
		found[i] = rep.ATMessageID == r.known
	}
	return found, nil
}

const knownID = "ATXid_2c7f4fb8b3b0d91e5d1e7e0f3c1a2b9d"

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func post(t testing.TB, app *fiber.App, target, contentType, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const form = "application/x-www-form-urlencoded"

// TestReports replays delivery reports as Africa's Talking posts them (testdata/*.form).
func TestReports(t *testing.T) {
	tests := []struct {
		fixture string
		code    int
		call    string // what the store is told; "" for nothing
		label   string // the metric's label
	}{
		{"success.form", 200, knownID + " Success ", "Success"},
		{"failed_blacklist.form", 200, "ATXid_6d1f0e3c9a8b7d6e5f4a3b2c1d0e9f8a Failed UserInBlackList", "unknown_message"},
		{"buffered_retry.form", 200, knownID + " Buffered ", "Buffered"},
		{"rejected.form", 200, knownID + " Rejected AbsentSubscriber", "Rejected"},
		{"unknown_id.form", 200, "ATXid_00000000000000000000000000000000 Success ", "unknown_message"},
		{"undocumented_status.form", 200, knownID + " Delivered ", "other"},
		{"missing_id.form", 400, "", ""},
		{"missing_status.form", 400, "", ""},
		{"malformed_id.form", 400, "", ""},
		{"malformed_retry.form", 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.fixture, ".form"), func(t *testing.T) {
			rec := &recorder{known: knownID}
			reg := prometheus.NewRegistry()
			log, logs := testkit.Logger(t)
			app := fiber.New()
			delivery.New(rec, delivery.Config{Registerer: reg, Logger: log}).Mount(app)
			code, _ := post(t, app, delivery.Path, form, fixture(t, tt.fixture))
			if code != tt.code {
				t.Fatalf("HTTP %d, want %d", code, tt.code)
			}
			var want []string
			if tt.call != "" {
				want = []string{tt.call}
			}
			if strings.Join(rec.calls, "|") != strings.Join(want, "|") {
				t.Fatalf("store told %q, want %q", rec.calls, want)
			}
			if tt.label != "" {
				if n := counter(t, reg, tt.label); n != 1 {
					t.Fatalf("huduma_sms_delivery_reports_total{status=%q} = %v, want 1", tt.label, n)
				}
			}
			// Phone numbers never reach the log whole.
			logs.AssertAbsent("+254711082306", "+254733208771", "254711082306")
		})
	}
}

// testLogger is a logger that fails the test on an ERROR it did not expect.
func testLogger(t testing.TB) *slog.Logger {
	log, _ := testkit.Logger(t)
	return log
}

// counter reads huduma_sms_delivery_reports_total{status=label} from reg.
func counter(t *testing.T, reg *prometheus.Registry, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "huduma_sms_delivery_reports_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" && l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no huduma_sms_delivery_reports_total{status=%q}", label)
	return 0
}

func TestNotAForm(t *testing.T) {
	app := fiber.New()
	rec := &recorder{known: knownID}
	delivery.New(rec, delivery.Config{Logger: testLogger(t)}).Mount(app)
	if code, _ := post(t, app, delivery.Path, "application/json", `{"id":"`+knownID+`","status":"Success"}`); code != http.StatusUnsupportedMediaType {
		t.Fatalf("JSON body: HTTP %d, want 415", code)
	}
}

// A store that fails answers 500, so Africa's Talking posts the report again.
func TestStoreDown(t *testing.T) {
	app := fiber.New()
	rec := &recorder{known: knownID, err: errors.New("connection refused")}
	log, logs := testkit.Logger(t)
	logs.ExpectError("sms delivery report not recorded; Africa's Talking will post it again")
	delivery.New(rec, delivery.Config{Logger: log}).Mount(app)
	if code, _ := post(t, app, delivery.Path, form, fixture(t, "success.form")); code != http.StatusInternalServerError {
		t.Fatalf("store down: HTTP %d, want 500", code)
	}
}

// TestRecordsOnTheRow runs a report through a real store: the row the worker marked sent
// gets the delivery status, a late report does not undo it, and an unknown id writes nothing.
func TestRecordsOnTheRow(t *testing.T) {
	ctx := storetest.Context(t)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "huduma.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2031, 2, 1, 7, 0, 0, 0, time.UTC)
	r := crm.Request{Ref: "600042550", Phone: "+254711082306", Service: "ID-NEW", Centre: "KSM", Agency: "NRB",
		Status: crm.RequestReceived, CreatedAt: now, UpdatedAt: now}
	e := crm.RequestEvent{Status: crm.RequestReceived, By: "NRB", At: now}
	n := crm.Notification{Phone: r.Phone, Lang: crm.English, Kind: crm.NotifyRequestStatus, Priority: crm.PriorityNormal,
		Params: map[string]string{"ref": "600042550", "status": "received", "service": "ID-NEW", "centre": "KSM"}}
	if _, _, err := s.CreateRequest(ctx, r, e, []crm.Notification{n}); err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	claimed, err := s.ClaimNotifications(ctx, now, 1, time.Minute, false)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := s.MarkSent(ctx, claimed[0].Claim, knownID, "KES 0.8000", now); err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	delivery.New(s, delivery.Config{Logger: testLogger(t)}).Mount(app)
	for _, f := range []string{"success.form", "buffered_retry.form", "unknown_id.form"} {
		if code, _ := post(t, app, delivery.Path, form, fixture(t, f)); code != http.StatusOK {
			t.Fatalf("%s: HTTP %d, want 200", f, code)
		}
	}
	list, err := s.Notifications(ctx, crm.NotificationFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("Notifications: %v %v", list, err)
	}
	if got := list[0]; got.DeliveryStatus != "Success" || got.Status != crm.OutboxSent {
		t.Fatalf("row after Success then a late Buffered: delivery %q status %q, want Success and sent", got.DeliveryStatus, got.Status)
	}
}

// heldRecorder is a recorder whose first write waits until the test lets it go.
type heldRecorder struct {
	recorder
	release chan struct{}

	mu     sync.Mutex
	writes []int
}

func (h *heldRecorder) RecordDeliveries(ctx context.Context, reports []crm.DeliveryReport, now time.Time) ([]bool, error) {
	h.mu.Lock()
	h.writes = append(h.writes, len(reports))
	first := len(h.writes) == 1
	h.mu.Unlock()
	if first {
		<-h.release
	}
	return h.recorder.RecordDeliveries(ctx, reports, now)
}

// TestReportsPostedTogetherShareAWrite: the reports that arrive while one is being written
// are written together by the next write (a group commit), each answered 200 only after it.
// While a backlog drains, Africa's Talking posts a report for each of a thousand messages a
// second.
func TestReportsPostedTogetherShareAWrite(t *testing.T) {
	app := fiber.New()
	rec := &heldRecorder{recorder: recorder{known: knownID}, release: make(chan struct{})}
	h := delivery.New(rec, delivery.Config{Logger: testLogger(t)})
	h.Mount(app)
	body := fixture(t, "success.form")
	var wg sync.WaitGroup
	codes := make([]int, 20)
	wg.Go(func() { codes[0], _ = post(t, app, delivery.Path, form, body) })
	testkit.Eventually(t, func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.writes) == 1 },
		10*time.Second, "the first report being written")
	for i := 1; i < 20; i++ {
		wg.Go(func() { codes[i], _ = post(t, app, delivery.Path, form, body) })
	}
	testkit.Eventually(t, func() bool { return h.Waiting() == 19 }, 10*time.Second, "19 reports waiting")
	close(rec.release)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("report %d: HTTP %d, want 200", i, c)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.writes) != 2 || rec.writes[1] != 19 {
		t.Fatalf("writes of %v reports, want [1 19]", rec.writes)
	}
}
