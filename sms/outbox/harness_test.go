package outbox_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/sms/delivery"
	"github.com/huduma-connect/huduma/sms/outbox"
	"github.com/huduma-connect/huduma/sms/templates"
	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/sqlite"
	"github.com/huduma-connect/huduma/store/storetest"
)

// backend is a real store as a test uses it: the store to queue and inspect rows, a way to
// open another connection to it as a second replica would, and a way to opt a phone out
// with SQL (the inbound SMS channel's write).
type backend struct {
	name    string
	store   crm.Store
	replica func(t testing.TB) crm.SendingStore // another pool on the same database (SQLite: the same store)
	optOut  func(t testing.TB, p crm.Phone)
	url     string // Postgres: the schema's URL; "" for SQLite
}

var backends = []struct {
	name string
	open func(t testing.TB) backend
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) { f(t, bk.open(t)) })
	}
}

func openSQLite(t testing.TB) backend {
	t.Helper()
	ctx := storetest.Context(t)
	// Not t.TempDir: a delivery report still being answered when the test ends can hold the
	// last connection a moment after Close, and SQLite then removes its WAL files while the
	// directory is being deleted. The removal is retried instead of failing the test.
	dir, err := os.MkdirTemp("", "outbox-sqlite-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("could not remove %s", dir)
	})
	path := filepath.Join(dir, "huduma.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return backend{
		name: "sqlite", store: s,
		replica: func(testing.TB) crm.SendingStore { return s },
		optOut: func(t testing.TB, p crm.Phone) {
			t.Helper()
			// A second connection to the file, as another process would write it.
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, `INSERT INTO opt_outs (phone, at) VALUES (?, ?)`, string(p), "2031-02-01T07:00:00.000000Z"); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func openPostgres(t testing.TB) backend {
	t.Helper()
	u := storetest.PostgresSchema(t)
	open := func(t testing.TB, u string) *postgres.Store {
		s, err := postgres.Open(storetest.Context(t), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	s := open(t, u)
	if err := s.Migrate(storetest.Context(t)); err != nil {
		t.Fatal(err)
	}
	return backend{
		name: "postgres", store: s, url: u,
		replica: func(t testing.TB) crm.SendingStore { return open(t, u) },
		optOut: func(t testing.TB, p crm.Phone) {
			t.Helper()
			conn, err := pgx.Connect(storetest.Context(t), u)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(storetest.Context(t), `INSERT INTO opt_outs (phone, at) VALUES ($1, now())`, string(p)); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// withParam adds a query parameter to a database URL.
func withParam(t testing.TB, raw, key, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// note is a reply to phone i whose text names i, so the sandbox's record of what it sent
// tells the rows apart.
func note(i int, p crm.Priority, essential bool) crm.Notification {
	return crm.Notification{
		Phone: crm.Phone(fmt.Sprintf("+254712%06d", i)), Lang: crm.English, Kind: crm.NotifyCaseReply,
		Params:   map[string]string{"case": "600042550", "body": fmt.Sprintf("Message number %d.", i)},
		Priority: p, Essential: essential, Subject: fmt.Sprintf("test:%d", i),
	}
}

func notes(from, n int) []crm.Notification {
	var out []crm.Notification
	for i := from; i < from+n; i++ {
		out = append(out, note(i, crm.PriorityNormal, true))
	}
	return out
}

var (
	tmplOnce sync.Once
	tmpl     *templates.Templates
	cat      *crm.Catalog
)

func fixtures(t testing.TB) (*templates.Templates, *crm.Catalog) {
	tmplOnce.Do(func() {
		var err error
		if tmpl, err = templates.Load(); err != nil {
			panic(err)
		}
		d, err := crm.DefaultRefData()
		if err != nil {
			panic(err)
		}
		cat = crm.NewCatalog(d)
	})
	return tmpl, cat
}

// enqueue queues n in one transaction, as a change queues its messages, and returns the
// rows by ID with the text each should be sent as.
func enqueue(t testing.TB, s crm.Store, n []crm.Notification) map[int64]string {
	t.Helper()
	tm, c := fixtures(t)
	ctx := storetest.Context(t)
	ref, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	r := crm.Request{Ref: ref, Phone: "+254799999999", Service: "ID-NEW", Centre: "KSM", Agency: "NRB",
		Status: crm.RequestReceived, CreatedAt: now, UpdatedAt: now}
	if _, _, err := s.CreateRequest(ctx, r, crm.RequestEvent{Status: crm.RequestReceived, By: "NRB", At: now}, n); err != nil {
		t.Fatalf("queue %d messages: %v", len(n), err)
	}
	all, err := s.Notifications(ctx, crm.NotificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int64]string{}
	for _, m := range all[len(all)-len(n):] {
		text, err := tm.Render(c, m)
		if err != nil {
			text = "" // a row the test means not to render
		}
		rows[m.ID] = text
	}
	return rows
}

// sandbox is the Africa's Talking stand-in on a loopback port, behind a wrapper that can
// misbehave at the transport level (resets, late answers) as the sandbox itself cannot.
type sandbox struct {
	*atsandbox.Server
	srv *httptest.Server
	key string

	mu         sync.Mutex
	rng        *rand.Rand
	resetRate  float64 // share of requests whose connection is closed unanswered
	lateAnswer int     // this many of the next requests are handled, then answered too late
	late       time.Duration
	forbid     bool // answer every request 403, as an account's IP allow-list does
	requests   int
}

const sandboxUser = "sandbox"

func newSandbox(t testing.TB, cfg atsandbox.Config) *sandbox {
	t.Helper()
	cfg.Username, cfg.APIKey = sandboxUser, "test-api-key-"+fmt.Sprint(rand.Uint64())
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.MaxKept = 1 << 20
	if cfg.DeliveryDelay == 0 {
		cfg.DeliveryDelay = 5 * time.Millisecond
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	if cfg.Hang == 0 {
		cfg.Hang = 5 * time.Second
	}
	sb, err := atsandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &sandbox{Server: sb, key: cfg.APIKey, rng: rand.New(rand.NewPCG(cfg.Seed, 1))}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() { s.srv.Close(); sb.Close() })
	return s
}

func (s *sandbox) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	reset := s.resetRate > 0 && s.rng.Float64() < s.resetRate
	late := s.lateAnswer > 0
	if late {
		s.lateAnswer--
	}
	delay := s.late
	forbid := s.forbid
	s.mu.Unlock()
	switch {
	case forbid:
		http.Error(w, "Forbidden", http.StatusForbidden)
	case reset:
		// The connection drops before the request is handled, as a reset on the way does.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "no hijack", http.StatusInternalServerError)
	case late:
		// Handled (and so sent), but the answer comes after the client gave up.
		rec := httptest.NewRecorder()
		s.Server.ServeHTTP(rec, r)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	default:
		s.Server.ServeHTTP(w, r)
	}
}

// client is an Africa's Talking client for the sandbox with the given key.
func (s *sandbox) client(key string, timeout time.Duration, log *slog.Logger) *africastalking.Client {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return africastalking.New(africastalking.Config{Username: sandboxUser, APIKey: key, BaseURL: s.srv.URL,
		HTTP: &http.Client{Timeout: timeout}, Logger: log})
}

// accepted counts the messages the sandbox accepted, by text.
func (s *sandbox) accepted() map[string]int {
	out := map[string]int{}
	for _, m := range s.Messages() {
		if m.Direction == "outbound" && m.StatusCode == africastalking.StatusSent {
			out[m.Text]++
		}
	}
	return out
}

// deliveryEndpoint serves the delivery report callback on a loopback port and returns its URL.
func deliveryEndpoint(t testing.TB, s crm.SendingStore) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	delivery.New(s, delivery.Config{Logger: slog.New(slog.DiscardHandler)}).Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String() + delivery.Path
}

// testConfig is a worker configuration fast enough for tests.
func testConfig(cfg outbox.Config) outbox.Config {
	if cfg.Lease == 0 {
		cfg.Lease = 5 * time.Second
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = 5 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 40 * time.Millisecond
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	if cfg.StatsInterval == 0 {
		cfg.StatsInterval = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if !cfg.NoQuietHours && cfg.Now == nil {
		cfg.NoQuietHours = true // tests run at any hour
	}
	return cfg
}

// start runs a worker until the test ends. Without a Logger in cfg, its log fails the test
// on an ERROR the test did not expect (testkit.Logger).
func start(t testing.TB, s crm.SendingStore, sender outbox.Sender, cfg outbox.Config) *outbox.Worker {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger, _ = testkit.Logger(t)
	}
	tm, c := fixtures(t)
	w := outbox.New(s, sender, tm, func() *crm.Catalog { return c }, testConfig(cfg))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

var settledStatuses = map[string]bool{crm.OutboxSent: true, crm.OutboxFailed: true, crm.OutboxSuppressed: true}

// waitSettled waits until every row in ids is sent, failed or suppressed, and returns them.
func waitSettled(t testing.TB, s crm.Store, ids map[int64]string, within time.Duration) map[int64]crm.Notification {
	t.Helper()
	var rows map[int64]crm.Notification
	testkit.EventuallyNoError(t, func() error {
		var pending int
		if rows, pending = readRows(t, s, ids); pending == 0 {
			return nil
		}
		count := map[string]int{}
		for id := range ids {
			count[rows[id].Status]++
		}
		return fmt.Errorf("%d of %d rows are not settled: %v", pending, len(ids), count)
	}, within, "every row settled")
	return rows
}

func readRows(t testing.TB, s crm.Store, ids map[int64]string) (map[int64]crm.Notification, int) {
	t.Helper()
	all, err := s.Notifications(storetest.Context(t), crm.NotificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int64]crm.Notification{}
	pending := 0
	for _, n := range all {
		if _, ok := ids[n.ID]; ok {
			rows[n.ID] = n
			if !settledStatuses[n.Status] {
				pending++
			}
		}
	}
	return rows, pending
}

// checkOnce asserts that every sent row was accepted by the sandbox exactly once, with the
// message id the row records, and that no other row was accepted at all.
func checkOnce(t testing.TB, sb *sandbox, ids map[int64]string, rows map[int64]crm.Notification) {
	t.Helper()
	got := sb.accepted()
	idOf := map[string]string{}
	for _, m := range sb.Messages() {
		if m.StatusCode == africastalking.StatusSent {
			idOf[m.Text] = m.ID
		}
	}
	var problems []string
	for id, text := range ids {
		n := rows[id]
		want := 0
		if n.Status == crm.OutboxSent {
			want = 1
			if n.ATMessageID == "" || n.ATMessageID != idOf[text] {
				problems = append(problems, fmt.Sprintf("row %d: message id %q, the sandbox gave %q", id, n.ATMessageID, idOf[text]))
			}
		}
		if got[text] != want {
			problems = append(problems, fmt.Sprintf("row %d (%s): sent %d times, want %d", id, n.Status, got[text], want))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("%d problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// acceptedCount is how many messages the sandbox has accepted so far.
func (s *sandbox) acceptedCount() int {
	n := 0
	for _, c := range s.accepted() {
		n += c
	}
	return n
}

// gate lets the first n sends through and holds every later one until it is opened, so a
// test can act while sends are in flight without guessing how long they take. reached is
// closed once the first n sends have been answered.
type gate struct {
	outbox.Sender
	n       int
	reached chan struct{}
	open    chan struct{}

	mu       sync.Mutex
	started  int
	answered int
}

func newGate(s outbox.Sender, n int) *gate {
	return &gate{Sender: s, n: n, reached: make(chan struct{}), open: make(chan struct{})}
}

func (g *gate) Send(ctx context.Context, m africastalking.Message) ([]africastalking.Result, error) {
	g.mu.Lock()
	g.started++
	held := g.started > g.n
	g.mu.Unlock()
	if held {
		<-g.open
	}
	res, err := g.Sender.Send(ctx, m)
	g.mu.Lock()
	if g.answered++; g.answered == g.n {
		close(g.reached)
	}
	g.mu.Unlock()
	return res, err
}

// claims is a store that remembers what each claim took, for a test to wait on the worker
// having looked for rows rather than on time passing.
type claims struct {
	crm.SendingStore

	mu    sync.Mutex
	done  int            // claims answered
	taken map[int64]bool // rows any claim took
}

func (c *claims) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, quiet bool) ([]crm.ClaimedNotification, error) {
	rows, err := c.SendingStore.ClaimNotifications(ctx, now, limit, lease, quiet)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.taken == nil {
		c.taken = map[int64]bool{}
	}
	for _, r := range rows {
		c.taken[r.ID] = true
	}
	if err == nil {
		c.done++
	}
	return rows, err
}

// count is how many claims have been answered so far.
func (c *claims) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// took reports whether any claim so far took one of ids.
func (c *claims) took(ids map[int64]string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range ids {
		if c.taken[id] {
			return true
		}
	}
	return false
}
