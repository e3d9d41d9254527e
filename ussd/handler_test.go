package ussd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/memory"
	"github.com/huduma-connect/huduma/ussd"
)

// gateway is the USSD callback over the real menus, a real SQLite store and the in-memory
// session store, with its log captured so tests can check what reaches it (an ERROR a test
// does not expect fails it).
type gateway struct {
	app      *fiber.App
	handler  *ussd.Handler
	world    *flowstest.World
	sessions *memory.Store
	logs     *testkit.Logs // nil when the test gave the gateway a logger of its own
}

func newGateway(t testing.TB, capacity int, cfg ussd.Config) *gateway {
	t.Helper()
	return newObservedGateway(t, capacity, cfg, nil)
}

// newObservedGateway is newGateway with the desk's store wrapped by observe (see
// flowstest.NewObserved).
func newObservedGateway(t testing.TB, capacity int, cfg ussd.Config, observe func(crm.Store) crm.Store) *gateway {
	t.Helper()
	w := flowstest.NewObserved(t, capacity, observe)
	sessions := memory.New(memory.Options{})
	t.Cleanup(func() { sessions.Close() })
	var logs *testkit.Logs
	if cfg.Logger == nil {
		cfg.Logger, logs = testkit.Logger(t)
	}
	h := ussd.New(w.Engine, sessions, cfg)
	app := fiber.New(fiber.Config{BodyLimit: 64 << 10, DisableStartupMessage: true})
	h.Mount(app)
	return &gateway{app: app, handler: h, world: w, sessions: sessions, logs: logs}
}

// post sends a raw request body as Africa's Talking would and returns status and body.
func (g *gateway) post(t testing.TB, target, contentType, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "at-ussd-api/1.0")
	resp, err := g.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// phone is one handset in one USSD session: it keeps the "*"-joined history as AT does.
type phone struct {
	t       testing.TB
	g       *gateway
	session string
	number  string
	history []string
	reply   string
}

func (g *gateway) dial(t testing.TB, session, number string) *phone {
	p := &phone{t: t, g: g, session: session, number: number}
	p.send()
	return p
}

func (p *phone) form() string {
	return url.Values{"sessionId": {p.session}, "serviceCode": {"*384*50#"}, "phoneNumber": {p.number},
		"networkCode": {"63902"}, "text": {strings.Join(p.history, "*")}}.Encode()
}

func (p *phone) send() *phone {
	p.t.Helper()
	status, body := p.g.post(p.t, "/at/ussd", fiber.MIMEApplicationForm, p.form())
	if status != 200 {
		p.t.Fatalf("status %d: %s", status, body)
	}
	p.reply = body
	return p
}

func (p *phone) press(input string) *phone {
	p.history = append(p.history, input)
	return p.send()
}

// pick presses the number shown next to label on the current screen.
func (p *phone) pick(label string) *phone {
	p.t.Helper()
	for _, line := range strings.Split(p.reply, "\n") {
		if num, rest, ok := strings.Cut(line, ". "); ok && rest == label {
			return p.press(strings.TrimPrefix(num, "CON "))
		}
	}
	p.t.Fatalf("screen offers no %q:\n%s", label, p.reply)
	return p
}

// pickPaged pages with 98 until label shows, then picks it.
func (p *phone) pickPaged(label string) *phone {
	p.t.Helper()
	for i := 0; i < 30 && !strings.Contains(p.reply, ". "+label+"\n") && !strings.HasSuffix(p.reply, ". "+label); i++ {
		p.press("98")
	}
	return p.pick(label)
}

func (p *phone) expect(prefix string) *phone {
	p.t.Helper()
	if !strings.HasPrefix(p.reply, prefix) {
		p.t.Fatalf("reply\n%s\nwant prefix %q", p.reply, prefix)
	}
	return p
}

// journey plays testdata/journeys/<name>.json against the gateway, each dial a handset in a
// session of its own (see flowstest.PlayJourney), and compares every screen exactly;
// `go test ./ussd/ -update` rewrites them.
func (g *gateway) journey(t *testing.T, name string, vars map[string]string) *flowstest.Played {
	t.Helper()
	return flowstest.PlayJourney(t, name, vars, func(session, number string) flowstest.Phone {
		return handset{&phone{t: t, g: g, session: "ATUid_" + session, number: number}}
	})
}

// handset is a phone as a journey drives it; a screen's lines are the reply's.
type handset struct{ p *phone }

func (h handset) Open() []string              { return strings.Split(h.p.send().reply, "\n") }
func (h handset) Press(input string) []string { return strings.Split(h.p.press(input).reply, "\n") }
func (h handset) Again() []string             { return h.Open() }

func TestBadRequests(t *testing.T) {
	raw, err := os.ReadFile("testdata/bad_requests.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name, Body, ContentType, Reply string
		Status                         int
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	g := newGateway(t, 10, ussd.Config{})
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			ct := tc.ContentType
			if ct == "" {
				ct = fiber.MIMEApplicationForm
			}
			status, body := g.post(t, "/at/ussd", ct, tc.Body)
			if status != tc.Status || strings.TrimSuffix(body, "\n") != tc.Reply {
				t.Fatalf("got %d %q\nwant %d %q", status, body, tc.Status, tc.Reply)
			}
		})
	}
	assertNoFullPhones(t, g)
}

// Input a citizen can type (letters, emoji, a huge paste) is answered politely, keeps their
// place (journey bad_input), and never books anything.
func TestBadInputFromTheHandset(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	g.journey(t, "bad_input", map[string]string{"long": strings.Repeat("1", 10<<10)})
	list, err := g.world.Desk.Upcoming(context.Background(), "+254712345678")
	if err != nil || len(list) != 0 {
		t.Fatalf("bad input left appointments: %v (%v)", list, err)
	}
	assertNoFullPhones(t, g)
}

// A repeated hop (same sessionId, same text) gets the same answer and does nothing twice,
// whether the repeat comes after the answer or while the first is still being worked on.
func TestRepeatedHopIsAnsweredIdentically(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	const number = "+254722000002"
	p := g.dial(t, "ATUid_rep", number).pick("English").pick("Book appointment").pickPaged("Kisumu").
		pick("Kisumu").pick("Birth certificate").press("1").press("1").expect("CON Confirm appointment:")
	p.history = append(p.history, "1") // the confirming hop, sent by 8 aggregator retries at once
	replies := make([]string, 8)
	var wg sync.WaitGroup
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, replies[i] = g.post(t, "/at/ussd", fiber.MIMEApplicationForm, p.form())
		}()
	}
	wg.Wait()
	_, later := g.post(t, "/at/ussd", fiber.MIMEApplicationForm, p.form())
	for _, r := range append(replies, later) {
		if r != replies[0] || !strings.HasPrefix(r, "END Booked! Ref ") {
			t.Fatalf("replies differ:\n%s\n---\n%s", replies[0], r)
		}
	}
	list, err := g.world.Desk.Upcoming(context.Background(), crm.Phone(number))
	if err != nil || len(list) != 1 {
		t.Fatalf("%d appointments from one confirmation (%v)", len(list), err)
	}
	usage, err := g.world.Store.SlotUsage(context.Background(), "KSM", "BIRTH-CERT", list[0].Day)
	if err != nil || len(usage) != 1 || usage[0].Booked != 1 {
		t.Fatalf("slot usage %+v after one confirmation (%v)", usage, err)
	}
}

// A copy of an earlier hop that arrives after the session moved on (a duplicate that ran
// slow, or was delayed in the network) must not be applied to the newer screen: the day's
// "1" arriving on "Confirm appointment" would book what the citizen never confirmed.
func TestLateCopyOfAnEarlierHopChangesNothing(t *testing.T) {
	g := newGateway(t, 10, ussd.Config{})
	const number = "+254722000003"
	p := g.dial(t, "ATUid_late", number).pick("English").pick("Book appointment").pickPaged("Kisumu").
		pick("Kisumu").pick("Birth certificate").press("1").press("1").expect("CON Confirm appointment:")
	confirm := p.reply
	history := p.history
	for _, earlier := range [][]string{history[:len(history)-1], history[:len(history)-2], nil} {
		p.history = earlier
		if p.send(); p.reply != confirm {
			t.Fatalf("late copy of hop %q answered\n%s\nwant the latest screen\n%s", strings.Join(earlier, "*"), p.reply, confirm)
		}
	}
	if list, err := g.world.Desk.Upcoming(context.Background(), crm.Phone(number)); err != nil || len(list) != 0 {
		t.Fatalf("late copies booked %d appointments (%v)", len(list), err)
	}
	p.history = history
	p.press("1").expect("END Booked! Ref ")
}

// Every screen of every menu, on every page, in both languages, with the longest error line
// above it, fits in 182 characters.
func TestEveryScreenFits(t *testing.T) {
	for _, lang := range []string{"English", "Kiswahili"} {
		t.Run(lang, func(t *testing.T) {
			g := newGateway(t, 10, ussd.Config{})
			states := map[string]bool{}
			check := func(p *phone) {
				t.Helper()
				if n := utf8.RuneCountInString(p.reply); n > ussd.MaxReply {
					t.Fatalf("%d characters:\n%s", n, p.reply)
				}
				s, err := g.sessions.Load(context.Background(), p.session)
				if err != nil {
					t.Fatal(err)
				}
				states[s.State] = true
			}
			// walk presses through a screen's pages, checking each, plus a re-prompt.
			walk := func(p *phone) {
				t.Helper()
				check(p)
				p.press("977")
				check(p)
				for strings.Contains(p.reply, "98.") {
					p.press("98")
					check(p)
					p.press("977")
					check(p)
				}
			}
			n := 0
			newPhone := func() *phone {
				n++
				num := fmt.Sprintf("+2547330%05d", n)
				p := g.dial(t, "walk-"+lang+"-"+strconv.Itoa(n), num)
				if strings.Contains(p.reply, "Choose language") {
					p.pick(lang)
				}
				return p
			}
			// through presses each input in turn and walks the screen it leads to.
			through := func(p *phone, inputs ...string) *phone {
				t.Helper()
				for _, in := range inputs {
					p.press(in)
					walk(p)
				}
				return p
			}
			// The main menu and the county list once; each county's centres; each centre's
			// services (the lists whose length varies with the data).
			first := newPhone()
			walk(first)
			through(first, "1")
			cat := g.world.Desk.Catalog()
			for _, county := range cat.Counties() {
				walk(newPhone().press("1").pickPaged(county))
				for _, centre := range cat.CentresIn(county) {
					walk(newPhone().press("1").pickPaged(county).pick(strings.TrimPrefix(centre.Name, "Huduma Centre ")))
				}
			}
			// Day, time, confirm, then the booking's final screen (service 10 at Nairobi GPO).
			p := newPhone().press("1").pickPaged("Nairobi").pick("Nairobi GPO")
			through(p, "10", "1", "1")
			check(p.press("1"))
			num := p.number
			// The same service on the same day again: refused.
			check(g.dial(t, "walk-dup-"+lang, num).press("1").pickPaged("Nairobi").pick("Nairobi GPO").press("10").press("1").press("2").press("1"))
			// My appointments, one of them, the cancel question, then the cancellation.
			check(through(g.dial(t, "walk-appts-"+lang, num), "2", "1", "1").press("1"))
			through(g.dial(t, "walk-empty-"+lang, num), "2")
			through(g.dial(t, "walk-lang-"+lang, num), "6")
			// A booking dropped after the county, offered back on the next dial.
			through(g.dial(t, "walk-resume1-"+lang, num), "1", "1", "1")
			walk(g.dial(t, "walk-resume2-"+lang, num))
			// Abandoning at the confirmation.
			check(newPhone().press("1").press("1").press("1").press("1").press("1").press("1").press("2"))

			walkCases(t, g, lang, newPhone, check, walk, through)
			for _, st := range g.world.Engine.States() {
				if !states[st] {
					t.Errorf("the walk never reached state %s", st)
				}
			}
		})
	}
}

// walkCases walks the status, complaint and callback menus for TestEveryScreenFits, with the
// longest texts the data allows: the longest service name at the centre with the longest
// name, the longest reason an agency may write, every ticket and case status.
func walkCases(t *testing.T, g *gateway, lang string, newPhone func() *phone, check, walk func(*phone), through func(*phone, ...string) *phone) {
	t.Helper()
	ctx := context.Background()
	w := g.world
	cat := w.Desk.Catalog()
	l := crm.English
	if lang == "Kiswahili" {
		l = crm.Swahili
	}
	position := func(n int) string { return strconv.Itoa(n + 1) }
	countyNum := func(county string) string {
		for i, c := range cat.Counties() {
			if c == county {
				return position(i)
			}
		}
		t.Fatalf("no county %s", county)
		return ""
	}
	centreNum := func(county, code string) string {
		for i, c := range cat.CentresIn(county) {
			if c.Code == code {
				return position(i)
			}
		}
		t.Fatalf("no centre %s in %s", code, county)
		return ""
	}
	// The centre with the longest name, and its service with the longest name.
	var centre crm.Centre
	for _, county := range cat.Counties() {
		for _, c := range cat.CentresIn(county) {
			if utf8.RuneCountInString(c.Name) > utf8.RuneCountInString(centre.Name) {
				centre = c
			}
		}
	}
	var service crm.Service
	serviceNum := ""
	for i, s := range cat.ServicesAt(centre.Code) {
		if utf8.RuneCountInString(s.Label(l)) > utf8.RuneCountInString(service.Label(l)) {
			service, serviceNum = s, position(i+1) // after "Skip"
		}
	}
	var codes []string
	for _, s := range cat.Services() {
		codes = append(codes, s.Code)
	}
	agency, _, err := w.Office.AddAgency(ctx, "NRB", "National Registration Bureau", codes)
	if err != nil {
		t.Fatal(err)
	}

	// The number screen, a wrong number, a number nobody holds.
	p := through(newPhone(), "3")
	unknown, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	check(p.press(unknown.Grouped()))
	check(p.press(strings.Repeat("8", 40)))

	// A ticket in every status, for its owner and for a stranger.
	owner := newPhone()
	reason := strings.TrimSpace(strings.Repeat("Wasilisha nakala halisi za vyeti vyote ", 6)[:crm.MaxReason])
	ready := time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC) // a Wednesday: the longest Kiswahili day
	for _, st := range []crm.RequestStatus{crm.RequestReceived, crm.RequestProcessing, crm.RequestNeedsAction,
		crm.RequestReady, crm.RequestCollected, crm.RequestRejected} {
		r, _, err := w.Office.RegisterRequest(ctx, agency, crm.NewRequest{
			Phone: crm.Phone(owner.number), Service: service.Code, Centre: centre.Code, Status: st, Reason: reason, Ready: ready,
		})
		if err != nil {
			t.Fatal(err)
		}
		check(g.dial(t, "walk-ticket-"+string(st)+"-"+lang, owner.number).press("3").press(r.Ref.Grouped()))
		check(newPhone().press("3").press(string(r.Ref)))
	}

	// A complaint about that centre and service, with a description refused twice.
	p = newPhone()
	through(p, "4", "1", countyNum(centre.County), centreNum(centre.County, centre.Code), "1")
	check(p.press(serviceNum))
	check(p.press(strings.Repeat("x", 1000)))
	check(p.press(""))
	p.press("Tulisubiri saa nne bila kuhudumiwa")
	walk(p)
	check(p.press("1"))
	s, err := g.sessions.Load(ctx, p.session)
	if err != nil {
		t.Fatal(err)
	}
	number, complainant := s.Draft.Case, p.number
	// A corruption report about no centre, every service offered; a complaint cancelled.
	p = newPhone()
	through(p, "4", "2", "3")
	check(p.press("1"))
	check(p.press("Nililazimishwa kulipa hongo"))
	check(p.press("1"))
	check(newPhone().press("4").press("2").press("6").press("1").press("Hakuna").press("2"))

	// The case: open, then resolved and rated by its owner; as a stranger sees it.
	check(g.dial(t, "walk-case-open-"+lang, complainant).press("3").press(number.Grouped()))
	c, err := w.Store.CaseByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := w.Office.AddUser(ctx, crm.NewUser{Username: "walk-supervisor", Role: crm.RoleSupervisor, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Office.Resolve(ctx, sup, c.ID, "Foleni imepangwa upya"); err != nil {
		t.Fatal(err)
	}
	rate := g.dial(t, "walk-rate-"+lang, complainant).press("3")
	through(rate, number.Grouped(), "1")
	check(rate.press("2"))
	check(g.dial(t, "walk-rated-"+lang, complainant).press("3").press(number.Grouped()))
	check(newPhone().press("3").press(number.Grouped()))

	// Talk to an agent: the windows, then the case.
	p = through(newPhone(), "5")
	check(p.press("2"))
}

// assertNoFullPhones fails when any Kenyan number used in these tests reached the log whole.
func assertNoFullPhones(t *testing.T, g *gateway) {
	t.Helper()
	g.logs.AssertAbsent("712345678", "722000", "733000", "255712345678", "202345678")
}

// The walking skeleton, paging, and a dropped booking offered back: screens alone.
func TestJourneys(t *testing.T) {
	for _, name := range []string{"book_list_cancel_sw", "paging", "dropped_session"} {
		t.Run(name, func(t *testing.T) {
			g := newGateway(t, 10, ussd.Config{})
			g.journey(t, name, nil)
			assertNoFullPhones(t, g)
		})
	}
}
