package ivr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/ivr"
	"github.com/huduma-connect/huduma/store/memory"
	sessionredis "github.com/huduma-connect/huduma/store/redis"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

var nairobi = func() *time.Location {
	loc, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		panic(err)
	}
	return loc
}()

// The tests' clock: Tuesday 24 November 2026, 10:00 in Nairobi, the contact centre open.
var (
	open   = time.Date(2026, 11, 24, 10, 0, 0, 0, nairobi)
	closed = time.Date(2026, 11, 24, 19, 30, 0, 0, nairobi)
)

// The numbers of the tests.
const (
	number     = "+254711082000" // the contact centre
	agentLine  = "+254711082999"
	holdMusic  = "https://audio.huduma.test/hold.mp3"
	publicURL  = "https://huduma.test"
	key        = "s3cret"
	agentEN    = crm.Phone("+254722000001") // speaks English
	agentBoth  = crm.Phone("+254722000002") // speaks Kiswahili, then English
	maxQueue   = 3
	recordings = "https://voice.africastalking.test/recordings/"
)

// dialer stands in for Africa's Talking's voice API (outbound calls and queue status), which
// has no sandbox: the queue counts are what a test sets.
type dialer struct {
	mu     sync.Mutex
	counts map[string]int
	err    error
	placed []crm.Phone
}

func (d *dialer) Call(_ context.Context, to crm.Phone, _ string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.placed = append(d.placed, to)
	return fmt.Sprintf("ATVId_out%04d", len(d.placed)), nil
}

func (d *dialer) QueuedCalls(context.Context) (map[string]int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	out := map[string]int{}
	for k, v := range d.counts {
		out[k] = v
	}
	return out, nil
}

func (d *dialer) set(counts map[string]int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts, d.err = counts, err
}

// world is the voice channel over real stores: the record store of kind, and the session
// store its production pairing uses (memory with SQLite, Redis with Postgres).
type world struct {
	t        testing.TB
	store    realstore.Store
	desk     *crm.Desk
	office   *crm.Office
	clock    *testkit.Clock
	dialer   *dialer
	sessions flows.SessionStore
	engine   *flows.Engine
	handler  *ivr.Handler
	app      *fiber.App
	logs     *testkit.Logs
	sup      crm.User
	seq      atomic.Int64
}

type setup struct {
	kind      realstore.Kind
	audio     *ivr.Audio
	sessions  flows.SessionStore // nil: the kind's own
	admission *flows.Admission   // nil: the handler's own
	deadline  time.Duration      // 0: the default
}

func newWorld(t testing.TB, opts setup) *world {
	t.Helper()
	if opts.kind.Name == "" {
		opts.kind = realstore.Kinds[0]
	}
	ctx := storetest.Context(t)
	w := &world{t: t, store: opts.kind.OpenSeeded(t), clock: testkit.NewClock(open), dialer: &dialer{}}
	log, logs := testkit.Logger(t)
	w.logs = logs
	var err error
	w.desk, err = crm.NewDesk(ctx, w.store, crm.DeskConfig{Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w.office = crm.NewOffice(w.desk, crm.OfficeConfig{PasswordCost: 4, Logger: log})
	w.office.SetVoiceDialer(w.dialer)
	w.sessions = opts.sessions
	if w.sessions == nil {
		w.sessions = sessionsFor(t, opts.kind)
	}
	msgs, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	w.engine, err = flows.NewVoiceEngine(w.desk, w.office, msgs, flows.VoiceConfig{
		Centre: w.office, Queues: w.dialer, MaxQueue: maxQueue, Now: w.clock.Now, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.handler = ivr.New(w.engine, w.sessions, w.office, ivr.Config{
		CallbackKey: key, PublicURL: publicURL, Number: number, AgentLine: agentLine, HoldMusic: holdMusic,
		Audio: opts.audio, Queues: w.dialer, Admission: opts.admission, Deadline: opts.deadline, Logger: log,
	})
	w.app = fiber.New(fiber.Config{DisableStartupMessage: true})
	w.handler.Mount(w.app)

	for _, a := range []struct {
		user  string
		role  crm.Role
		phone crm.Phone
		langs []crm.Lang
	}{
		{"wanjiru", crm.RoleAgent, agentEN, []crm.Lang{crm.English}},
		{"otieno", crm.RoleAgent, agentBoth, []crm.Lang{crm.Swahili, crm.English}},
		{"amina", crm.RoleSupervisor, "+254722000003", nil},
	} {
		u, err := w.office.AddUser(ctx, crm.NewUser{Username: a.user, Role: a.role, Password: "correct horse", Phone: a.phone, Langs: a.langs})
		if err != nil {
			t.Fatal(err)
		}
		w.sup = u
	}
	return w
}

// sessionsFor opens the session store a kind of record store is deployed with.
func sessionsFor(t testing.TB, kind realstore.Kind) flows.SessionStore {
	if kind.Name != "postgres" {
		m := memory.New(memory.Options{})
		t.Cleanup(func() { m.Close() })
		return m
	}
	client, err := sessionredis.Connect(storetest.Context(t), storetest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return sessionredis.New(client, sessionredis.Options{Prefix: storetest.UniqueName("ivr") + ":"})
}

// phone draws a fresh citizen number.
func (w *world) phone() crm.Phone {
	return crm.Phone(fmt.Sprintf("+2547330%05d", w.seq.Add(1)))
}

// form fills a recorded-style callback from testdata with a call's values.
func form(t testing.TB, name string, vars map[string]string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name + ".form")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "$"+k, url.QueryEscape(v))
	}
	if i := strings.IndexByte(s, '$'); i >= 0 {
		t.Fatalf("%s: unfilled %s", name, s[i:])
	}
	return s
}

// post sends a form to target (a path with query, or an absolute callbackUrl) and returns
// status, content type and body.
func (w *world) post(t testing.TB, target, body string) (int, string, string) {
	t.Helper()
	if u, err := url.Parse(target); err == nil && u.IsAbs() {
		if got := u.Scheme + "://" + u.Host; got != publicURL {
			t.Fatalf("callbackUrl %s is not on the public URL %s", target, publicURL)
		}
		target = u.RequestURI()
	}
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", fiber.MIMEApplicationForm)
	resp, err := w.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// call is one phone call as Africa's Talking drives it: each answer's actions decide where
// the next callback goes.
type call struct {
	t       testing.TB
	w       *world
	session string
	vars    map[string]string
	body    string
	root    *ivr.Node
	answers []string // every answer, for the tests that look at them all
	recs    int
}

// dial starts a call from caller to the contact centre.
func (w *world) dial(t testing.TB, caller crm.Phone) *call {
	t.Helper()
	c := &call{t: t, w: w, session: fmt.Sprintf("ATVId_%s_%d", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()), w.seq.Add(1)),
		vars: map[string]string{"CALLER": string(caller), "NUMBER": number}}
	c.vars["SESSION"] = c.session
	return c.send("/at/voice?key="+key, "incoming", nil)
}

// send posts one callback and checks the answer is valid AT XML.
func (c *call) send(target, fixture string, extra map[string]string) *call {
	c.t.Helper()
	vars := map[string]string{}
	for k, v := range c.vars {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	status, ctype, body := c.w.post(c.t, target, form(c.t, fixture, vars))
	if status != 200 || ctype != ivr.MIMEXML {
		c.t.Fatalf("%s: %d %s\n%s", fixture, status, ctype, body)
	}
	if errs := validateAT(c.t, body); len(errs) > 0 {
		c.t.Fatalf("%s answer is not valid AT XML: %v\n%s", fixture, errors.Join(errs...), body)
	}
	c.body = body
	c.answers = append(c.answers, body)
	root, err := ivr.Parse([]byte(body))
	if err != nil {
		c.t.Fatal(err)
	}
	c.root = root
	return c
}

// waiting is the action that waits for the caller (GetDigits or Record), or nil.
func (c *call) waiting() *ivr.Node {
	for _, n := range c.root.Children {
		if n.Name == "GetDigits" || n.Name == "Record" {
			return n
		}
	}
	return nil
}

func (c *call) action(name string) *ivr.Node {
	for _, n := range c.root.Children {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// press keys digits in answer to the current GetDigits.
func (c *call) press(digits string) *call {
	c.t.Helper()
	g := c.waiting()
	if g == nil || g.Name != "GetDigits" {
		c.t.Fatalf("pressing %q, but nothing collects keys:\n%s", digits, c.body)
	}
	return c.send(g.Attr("callbackUrl"), "digits", map[string]string{"DIGITS": digits})
}

// record finishes the current Record with a recording.
func (c *call) record() *call {
	c.t.Helper()
	g := c.waiting()
	if g == nil || g.Name != "Record" {
		c.t.Fatalf("recording, but nothing records:\n%s", c.body)
	}
	c.recs++
	return c.send(g.Attr("callbackUrl"), "recording", map[string]string{"RECORDING": c.recording()})
}

// recording is the URL of the call's latest recording.
func (c *call) recording() string { return fmt.Sprintf("%s%s-%d.mp3", recordings, c.session, c.recs) }

// silent lets the prompt pass: Africa's Talking runs the Redirect after it.
func (c *call) silent() *call {
	c.t.Helper()
	r := c.action("Redirect")
	if r == nil {
		c.t.Fatalf("silence, but no Redirect follows the prompt:\n%s", c.body)
	}
	return c.send(r.Text, "redirect", nil)
}

// hangup sends the end-of-call notification.
func (c *call) hangup(seconds int, cause string) *call {
	c.t.Helper()
	return c.send("/at/voice?key="+key, "final", map[string]string{"DURATION": fmt.Sprint(seconds), "AMOUNT": "1.5000", "CAUSE": cause})
}

// said is everything the answer says, Say texts and Play URLs, in order.
func (c *call) said() string {
	var parts []string
	var walk func(n *ivr.Node)
	walk = func(n *ivr.Node) {
		switch n.Name {
		case "Say":
			parts = append(parts, n.Text)
		case "Play":
			parts = append(parts, "[play "+n.Attr("url")+"]")
		}
		for _, k := range n.Children {
			walk(k)
		}
	}
	walk(c.root)
	return strings.Join(parts, " ")
}

// expect fails unless the answer says every one of want.
func (c *call) expect(want ...string) *call {
	c.t.Helper()
	for _, s := range want {
		if !strings.Contains(c.said(), s) {
			c.t.Fatalf("the call says\n  %s\nwant %q", c.said(), s)
		}
	}
	return c
}

// pick presses the key said after label ("To make a complaint, press 3."), paging with 9.
// When the menu is played from a recording, the key is found from the session's screen.
func (c *call) pick(label string) *call {
	c.t.Helper()
	if strings.Contains(c.said(), "[play ") {
		s := c.state()
		for i, o := range s.Screen.Options {
			if o.Label == label {
				for range i/8 - s.Page {
					c.press("9")
				}
				return c.press(fmt.Sprint(i%8 + 1))
			}
		}
		c.t.Fatalf("no %q on screen %s", label, s.State)
	}
	for range 10 {
		said := c.said()
		for _, verb := range []string{", press ", ", bonyeza "} {
			for k := 1; k <= 8; k++ {
				if strings.Contains(said, fmt.Sprintf("%s%s%d.", label, verb, k)) {
					return c.press(fmt.Sprint(k))
				}
			}
		}
		if !strings.Contains(said, "press 9.") && !strings.Contains(said, "bonyeza 9.") {
			break
		}
		c.press("9")
	}
	c.t.Fatalf("no %q offered:\n%s", label, c.said())
	return c
}

// state is where the call's session stands.
func (c *call) state() *flows.Session {
	c.t.Helper()
	s, err := c.w.sessions.Load(storetest.Context(c.t), ivr.SessionKey(c.session))
	if err != nil {
		c.t.Fatalf("session of %s: %v", c.session, err)
	}
	return s
}

// record of the call in the CRM.
func (c *call) stored() crm.Call {
	c.t.Helper()
	got, err := c.w.office.Call(storetest.Context(c.t), c.session)
	if err != nil {
		c.t.Fatalf("call %s: %v", c.session, err)
	}
	return got
}

// english makes a caller who has chosen English (the language is remembered per phone).
func (w *world) citizen(t testing.TB, l crm.Lang) crm.Phone {
	t.Helper()
	p := w.phone()
	if err := w.desk.SetLanguage(storetest.Context(t), p, l); err != nil {
		t.Fatal(err)
	}
	return p
}

// journey plays testdata/journeys/<name>.json against the world's voice channel, each dial a
// call from its number, and compares every answer exactly (as answerLines writes it);
// `go test ./ivr/ -update` rewrites them. Every answer is also checked against the actions
// Africa's Talking documents as it arrives.
func (w *world) journey(t *testing.T, name string, vars map[string]string) *flowstest.Played {
	t.Helper()
	return flowstest.PlayJourney(t, name, vars, func(session, from string) flowstest.Phone {
		c := &call{t: t, w: w, session: "ATVId_" + session, vars: map[string]string{"CALLER": from, "NUMBER": number}}
		c.vars["SESSION"] = c.session
		return caller{c}
	})
}

// caller is a call as a journey drives it: it presses, keeps silent and records as the call
// helpers do, and can key in for an answer the gateway never gave.
type caller struct{ c *call }

func (k caller) Open() []string {
	return answerLines(k.c.send("/at/voice?key="+key, "incoming", nil).root)
}
func (k caller) Press(digits string) []string { return answerLines(k.c.press(digits).root) }
func (k caller) Silent() []string             { return answerLines(k.c.silent().root) }
func (k caller) Record() []string             { return answerLines(k.c.record().root) }

func (k caller) Late(step int, digits string) []string {
	target := fmt.Sprintf("/at/voice?key=%s&step=%d", key, step)
	return answerLines(k.c.send(target, "digits", map[string]string{"DIGITS": digits}).root)
}

// answerLines writes an answer's actions one a line, nested ones indented: the action, its
// attributes as written, and what it says ("GetDigits numDigits=1 … callbackUrl=…",
// "  Say voice=…: Press 1 for English.").
func answerLines(root *ivr.Node) []string {
	var lines []string
	var walk func(n *ivr.Node, indent string)
	walk = func(n *ivr.Node, indent string) {
		var b strings.Builder
		b.WriteString(indent + n.Name)
		for _, a := range n.AttrOrder {
			b.WriteString(" " + a + "=" + n.Attr(a))
		}
		if n.Text != "" {
			b.WriteString(": " + n.Text)
		}
		lines = append(lines, b.String())
		for _, k := range n.Children {
			walk(k, indent+"  ")
		}
	}
	for _, n := range root.Children {
		walk(n, "")
	}
	return lines
}
