package console_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/console"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

// The tests run the API over real, seeded stores (SQLite and Postgres), the real domain and a
// fake clock: no mocks.

var nairobi = func() *time.Location {
	loc, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		panic(err)
	}
	return loc
}()

// start is Tuesday 24 November 2026, 09:00 in Nairobi: a working morning.
var start = time.Date(2026, 11, 24, 9, 0, 0, 0, nairobi)

// Staff of every world, by username. Every one has a phone, for alerts.
var staff = []crm.NewUser{
	{Username: "agent", Name: "Akinyi Otieno", Role: crm.RoleAgent, Phone: "+254720000001"},
	{Username: "agent2", Name: "Baraka Mwangi", Role: crm.RoleAgent, Phone: "+254720000002"},
	{Username: "supervisor", Name: "Chebet Kiprop", Role: crm.RoleSupervisor, Phone: "+254720000003"},
	{Username: "manager_ksm", Name: "Dalmas Ouma", Role: crm.RoleCentreManager, Centre: "KSM", Phone: "+254720000004"},
	{Username: "manager_msa", Name: "Esha Salim", Role: crm.RoleCentreManager, Centre: "MSA", Phone: "+254720000005"},
	{Username: "integrity", Name: "Faith Njeri", Role: crm.RoleIntegrityOfficer, Phone: "+254720000006"},
	{Username: "integrity2", Name: "Gitau Kamau", Role: crm.RoleIntegrityOfficer, Phone: "+254720000007"},
	{Username: "admin", Name: "Halima Abdi", Role: crm.RoleAdmin, Phone: "+254720000008"},
	{Username: "dpo", Name: "Imani Chege", Role: crm.RoleDPO, Phone: "+254720000009"},
}

// password is every test user's.
const password = "correct horse battery"

// world is the API over one store.
type world struct {
	store  realstore.Store
	office *crm.Office
	app    *fiber.App
	clock  *testkit.Clock      // the desk's and office's clock; tests move it on
	logs   *testkit.Logs       // the API's logs, for checks that nothing secret reaches them
	users  map[string]crm.User // by username
	tokens map[string]string   // by username
	// API keys: NRB registers ID cards, KRA PINs.
	nrbKey, kraKey string
	// voice is the local Africa's Talking the office places calls through, from contactCentre.
	voice  *atsandbox.Server
	dialer africastalking.VoiceDialer
}

// contactCentre is the number the world's calls come from.
const contactCentre = "+254711082000"

// newVoice starts the local Africa's Talking stand-in and a dialer on it.
func newVoice(t testing.TB, logger *slog.Logger) (*atsandbox.Server, africastalking.VoiceDialer) {
	t.Helper()
	sb, err := atsandbox.New(atsandbox.Config{Username: "huduma", APIKey: "test-key", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	client := africastalking.New(africastalking.Config{Username: "huduma", APIKey: "test-key", BaseURL: srv.URL,
		HTTP: &http.Client{Timeout: 5 * time.Second}, Logger: logger})
	return sb, africastalking.VoiceDialer{Client: client, From: contactCentre}
}

// eachStore runs the test against SQLite and against Postgres, in parallel.
func eachStore(t *testing.T, run func(t *testing.T, w *world)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		run(t, newWorld(t, realstore.Kinds[0].Open(t)))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		run(t, newWorld(t, realstore.Kinds[1].Open(t)))
	})
}

// newWorld seeds the store, builds the domain and the API, adds the staff (unavailable, so
// that round-robin leaves new cases alone until a test says otherwise), logs every one of
// them in through the API, registers two agencies and gives the office a voice provider (the
// local stand-in).
func newWorld(t testing.TB, st realstore.Store) *world {
	t.Helper()
	ctx := storetest.Context(t)
	data, err := crm.DefaultRefData()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(ctx, data); err != nil {
		t.Fatalf("seed: %v", err)
	}
	clock := testkit.NewClock(start)
	logger, logs := testkit.Logger(t)
	desk, err := crm.NewDesk(ctx, st, crm.DeskConfig{
		Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, LeadTime: 30 * time.Minute, Now: clock.Now,
	})
	if err != nil {
		t.Fatalf("desk: %v", err)
	}
	office := crm.NewOffice(desk, crm.OfficeConfig{PasswordCost: 4, Logger: logger})
	voice, dialer := newVoice(t, logger)
	office.SetVoiceDialer(dialer)
	app := fiber.New(fiber.Config{BodyLimit: 64 << 10, ErrorHandler: console.ErrorHandler, DisableStartupMessage: true})
	console.New(office, console.Config{Logger: logger}).Mount(app)

	w := &world{store: st, office: office, app: app, clock: clock, logs: logs, users: map[string]crm.User{}, tokens: map[string]string{}, voice: voice, dialer: dialer}
	for _, nu := range staff {
		nu.Password = password
		u, err := office.AddUser(ctx, nu)
		if err != nil {
			t.Fatalf("add user %s: %v", nu.Username, err)
		}
		if u, err = office.SetAvailable(ctx, u, false); err != nil {
			t.Fatalf("set %s unavailable: %v", nu.Username, err)
		}
		w.users[u.Username] = u
		status, body := w.call(t, http.MethodPost, "/api/v1/login", map[string]string{"username": nu.Username, "password": password}, nil)
		if status != http.StatusOK {
			t.Fatalf("login %s: %d %s", nu.Username, status, body)
		}
		var login struct{ Token string }
		decodeInto(t, body, &login)
		w.tokens[u.Username] = login.Token
	}
	if _, w.nrbKey, err = office.AddAgency(ctx, "NRB", "National Registration Bureau", office.ServicesOf("National Registration Bureau")); err != nil {
		t.Fatalf("add agency: %v", err)
	}
	if _, w.kraKey, err = office.AddAgency(ctx, "KRA", "Kenya Revenue Authority", office.ServicesOf("Kenya Revenue Authority")); err != nil {
		t.Fatalf("add agency: %v", err)
	}
	return w
}

// call sends one request through the app. body is JSON-encoded unless it is already bytes
// (sent as is) or nil (no body).
func (w *world) call(t testing.TB, method, path string, body any, header map[string]string) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := w.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); len(out) > 0 && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want JSON (body %s)", method, path, ct, out)
	}
	if resp.StatusCode >= 400 {
		var e struct{ Error string }
		if err := json.Unmarshal(out, &e); err != nil || e.Error == "" {
			t.Errorf("%s %s: error %d is not {\"error\": …}: %s", method, path, resp.StatusCode, out)
		}
	}
	return resp.StatusCode, out
}

// as calls as a logged-in member of staff.
func (w *world) as(t *testing.T, username, method, path string, body any) (int, []byte) {
	t.Helper()
	tok, ok := w.tokens[username]
	if !ok {
		t.Fatalf("no token for %s", username)
	}
	return w.call(t, method, path, body, map[string]string{"Authorization": "Bearer " + tok})
}

// agency calls with an agency's API key in X-API-Key.
func (w *world) agency(t *testing.T, key, method, path string, body any, header ...string) (int, []byte) {
	t.Helper()
	h := map[string]string{"X-API-Key": key}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return w.call(t, method, path, body, h)
}

// complaint lodges a complaint as a citizen would through a channel.
func (w *world) complaint(t testing.TB, phone crm.Phone, centre string, cat crm.Category) crm.Case {
	t.Helper()
	c, err := w.office.LodgeComplaint(storetest.Context(t), crm.Complaint{
		Phone: phone, Lang: crm.English, Centre: centre, Category: cat, Service: "ID-NEW",
		Description: "Waited four hours at the " + centre + " centre",
	})
	if err != nil {
		t.Fatalf("lodge complaint: %v", err)
	}
	return c
}

// outbox lists the outbox rows about a subject.
func (w *world) outbox(t *testing.T, subject string) []crm.Notification {
	t.Helper()
	n, err := w.store.Notifications(storetest.Context(t), crm.NotificationFilter{Subject: subject})
	if err != nil {
		t.Fatalf("notifications: %v", err)
	}
	return n
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeInto(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Error string }
	decodeInto(t, body, &e)
	return e.Error
}

// apiCase is the part of a case answer the tests read.
type apiCase struct {
	ID            int64
	Number        string
	NumberGrouped string `json:"number_grouped"`
	Phone         string
	Status        string
	Level         int
	AssigneeID    *int64  `json:"assignee_id"`
	PausedAt      *string `json:"paused_at"`
	ResolvedAt    *string `json:"resolved_at"`
	CreatedAt     *string `json:"created_at"`
}

// apiRequest is the part of a tracked request answer the tests read.
type apiRequest struct {
	Ref           string
	RefGrouped    string `json:"ref_grouped"`
	Phone         string
	Service       string
	Centre        string
	Agency        string
	Status        string
	ExpectedReady *string `json:"expected_ready"`
	Events        []struct {
		Status         string
		Note           string
		Reason         string
		By             string
		IdempotencyKey string `json:"idempotency_key"`
	}
}
