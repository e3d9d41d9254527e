package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/console"
	"github.com/huduma-connect/huduma/console/web"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/templates"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

// One headless Chromium (Debian's chromium package, driven by chromedp) serves every browser
// test of the package: starting one takes about a second, a fresh browser context per test
// (its own cookies, like a separate person) takes milliseconds.
var (
	browser      context.Context
	browserError string
)

func TestMain(m *testing.M) {
	code := func() int {
		path := findBrowser()
		if path == "" {
			browserError = "no chromium on PATH (apt-get install chromium)"
			return m.Run()
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		defer cancelAlloc()
		ctx, cancel := chromedp.NewContext(alloc)
		defer cancel()
		if err := chromedp.Do(ctx); err != nil {
			browserError = "chromium did not start: " + err.Error()
		} else {
			browser = ctx
		}
		return m.Run()
	}()
	os.Exit(code)
}

func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newTab is a browser context of the test's own (cookies included), closed with the test.
// Without a browser the test fails under CI=true and is skipped elsewhere.
func newTab(t *testing.T) context.Context {
	t.Helper()
	if browser == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need Chromium: %s", browserError)
		}
		t.Skipf("browser tests skipped: %s", browserError)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// consoleErrors records what the page reports as an error: console.error, uncaught
// exceptions, and the browser's own log entries of level error (a CSP violation, a failed
// load).
type consoleErrors struct {
	mu   sync.Mutex
	list []string
}

func watchErrors(t *testing.T, tab context.Context) *consoleErrors {
	t.Helper()
	errs := &consoleErrors{}
	err := chromedp.Listen(tab, func(ev any) {
		errs.mu.Lock()
		defer errs.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				errs.list = append(errs.list, fmt.Sprintf("console.error %v", e.Args))
			}
		case *runtime.EventExceptionThrown:
			errs.list = append(errs.list, "exception "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				errs.list = append(errs.list, "log "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	enable := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(tab, enable); err != nil {
		t.Fatalf("enable the log domain: %v", err)
	}
	return errs
}

func (e *consoleErrors) none(t *testing.T, where string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) > 0 {
		t.Fatalf("%s: the browser reported errors:\n%s", where, strings.Join(e.list, "\n"))
	}
}

// site is the console and the API over one real store, on a real port.
type site struct {
	url    string
	store  realstore.Store
	office *crm.Office
	desk   *crm.Desk
	users  map[string]crm.User
	clock  *atomic.Int64 // the office's clock, in Unix nanoseconds; advance moves it
}

// advance moves the office's clock on.
func (s *site) advance(d time.Duration) { s.clock.Add(int64(d)) }

const password = "correct horse battery"

// eachStore runs a browser test against SQLite and Postgres.
func eachStore(t *testing.T, run func(t *testing.T, s *site)) {
	for _, k := range realstore.Kinds {
		t.Run(k.Name, func(t *testing.T) { run(t, newSite(t, k.OpenSeeded(t))) })
	}
}

// newSite serves the console and the API over a migrated, seeded store (realstore's OpenSeeded).
func newSite(t *testing.T, st realstore.Store) *site {
	t.Helper()
	ctx := storetest.Context(t)
	nairobi, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		t.Fatal(err)
	}
	// A Tuesday morning, inside business hours, so deadlines count down.
	clock := &atomic.Int64{}
	clock.Store(time.Date(2026, 11, 24, 9, 0, 0, 0, nairobi).UnixNano())
	desk, err := crm.NewDesk(ctx, st, crm.DeskConfig{Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10,
		LeadTime: 30 * time.Minute, Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	office := crm.NewOffice(desk, crm.OfficeConfig{PasswordCost: 4, Logger: logger})
	s := &site{store: st, office: office, desk: desk, users: map[string]crm.User{}, clock: clock}
	for _, nu := range []crm.NewUser{
		{Username: "akinyi", Name: "Akinyi Otieno", Role: crm.RoleAgent, Phone: "+254720000001"},
		{Username: "baraka", Name: "Baraka Mwangi", Role: crm.RoleAgent, Phone: "+254720000002"},
		{Username: "faith", Name: "Faith Njeri", Role: crm.RoleIntegrityOfficer, Phone: "+254720000006"},
		{Username: "chebet", Name: "Chebet Kiprop", Role: crm.RoleSupervisor, Phone: "+254720000003"},
	} {
		nu.Password = password
		u, err := office.AddUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		if u, err = office.SetAvailable(ctx, u, false); err != nil { // cases wait for a claim
			t.Fatal(err)
		}
		s.users[u.Username] = u
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	console.New(office, console.Config{Logger: logger}).Mount(app)
	texts, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(office, web.Config{Logger: logger, SMS: texts.In(nairobi)})
	if err != nil {
		t.Fatal(err)
	}
	pages.Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { pages.Close(); _ = app.ShutdownWithTimeout(5 * time.Second) })
	s.url = "http://" + ln.Addr().String()
	return s
}

// complaint lodges a citizen's complaint as USSD would.
func (s *site) complaint(t *testing.T, phone crm.Phone, cat crm.Category, text string) crm.Case {
	t.Helper()
	c, err := s.office.LodgeComplaint(storetest.Context(t), crm.Complaint{Phone: phone, Lang: crm.English, Category: cat,
		Centre: "KSM", Description: text, IdempotencyKey: "test:" + string(phone) + text})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// login logs a person in through the login form.
func (s *site) login(t *testing.T, tab context.Context, username string) {
	t.Helper()
	run(t, tab, chromedp.Navigate(s.url+"/console/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)))
}

// run runs steps with a time limit, failing the test on an error.
func run(t *testing.T, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	// Read in one script, not through a node id: a live inbox may replace its list between
	// finding a node and reading it.
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: "<none>"}).innerText`, sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitText waits until the element's text is want (after a form post, the old page's
// elements stay until the new page arrives) and fails the test after 20 s.
func waitText(t *testing.T, tab context.Context, sel, want string) {
	t.Helper()
	testkit.EventuallyNoError(t, func() error {
		got, err := chromedp.Run(tab, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
		if err != nil || got != want {
			return fmt.Errorf("%s reads %q (%v), want %q", sel, got, err, want)
		}
		return nil
	}, 20*time.Second, sel)
}

// screenshot saves the page under $HUDUMA_SCREENSHOTS (docs/console when making the README's
// pictures), and does nothing when it is not set.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HUDUMA_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG; below it, a JPEG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
