package ivr_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ivr"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

// Journeys that are screens alone: silence (reported either way Africa's Talking reports it),
// wrong keys, and long lists spoken in pages.
func TestVoiceJourneys(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, w *world, caller crm.Phone)
	}{
		{name: "silence_redirect"},
		{name: "silence_empty_digits"},
		{name: "wrong_keys"},
		{name: "long_lists", setup: tenAppointments},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, setup{})
			caller := w.citizen(t, crm.English)
			if c.setup != nil {
				c.setup(t, w, caller)
			}
			w.journey(t, c.name, map[string]string{"caller": string(caller), "newcomer": string(w.phone())})
		})
	}
}

// tenAppointments books ten appointments for p at Kisumu, more than a page of eight.
func tenAppointments(t *testing.T, w *world, p crm.Phone) {
	t.Helper()
	ctx := storetest.Context(t)
	services := w.desk.Catalog().ServicesAt("KSM")
	n := 0
	for day := 25; day <= 27 && n < 10; day++ {
		for _, svc := range services[:4] {
			if n == 10 {
				break
			}
			if _, err := w.desk.Book(ctx, crm.Booking{Phone: p, Centre: "KSM", Service: svc.Code,
				Day: time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC), Start: 9*60 + 30*n}); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
}

// However many keys a callback carries, the session keeps no more than a menu could take,
// and the caller hears the usual error line.
func TestOverlongDigitsAreCut(t *testing.T) {
	w := newWorld(t, setup{})
	c := w.dial(t, w.citizen(t, crm.English)).pick("To check a status")
	c.press(strings.Repeat("7", 64<<10) + "#").expect("That number is not valid.")
	if s := c.state(); len(s.LastRequest) > 100 {
		t.Fatalf("the session keeps %d bytes of the request", len(s.LastRequest))
	}
}

// A ticket or case number keyed in is read back and confirmed before it is looked up; a
// typo is caught by its check digit, a number nobody holds is said so, and "enter it again"
// asks for it again (journey numbers_read_back).
func TestNumbersAreReadBackBeforeTheyAreLookedUp(t *testing.T) {
	w := newWorld(t, setup{})
	p := w.citizen(t, crm.English)
	c, err := w.office.LodgeComplaint(storetest.Context(t), crm.Complaint{Phone: p, Lang: crm.English, Category: crm.CategoryOther, Description: "No water at the centre"})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	d := string(c.Number)
	w.journey(t, "numbers_read_back", map[string]string{
		"caller":  string(p),
		"case":    d,
		"typo":    d[:8] + string('0'+(d[8]-'0'+1)%10),
		"unknown": string(unknown),
	})
}

// Africa's Talking may post a callback twice: the same XML comes back, and nothing happens
// twice.
func TestRepeatedCallbacksGetTheSameAnswerAndOneCase(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := storetest.Context(t)
	p := w.citizen(t, crm.English)
	c := w.dial(t, p)
	again := func(fixture, target string, extra map[string]string) {
		t.Helper()
		first := c.body
		c.send(target, fixture, extra)
		if c.body != first {
			t.Fatalf("a repeated %s callback answered\n%s\nnot\n%s", fixture, c.body, first)
		}
	}
	again("incoming", "/at/voice?key="+key, nil)
	prev := c.waiting().Attr("callbackUrl")
	c.pick("To make a complaint")
	again("digits", prev, map[string]string{"DIGITS": "3"})
	prev = c.waiting().Attr("callbackUrl")
	c.pick("Staff conduct")
	again("digits", prev, map[string]string{"DIGITS": "2"})
	prev = c.waiting().Attr("callbackUrl")
	c.record()
	again("recording", prev, map[string]string{"RECORDING": c.recording()})
	prev = c.waiting().Attr("callbackUrl")
	c.pick("To send it").expect("Complaint received. Case ")
	again("digits", prev, map[string]string{"DIGITS": "1"})
	// A late callback for an earlier prompt gets the latest answer, and changes nothing.
	c.send("/at/voice?key="+key+"&step=2", "digits", map[string]string{"DIGITS": "1"})
	if !strings.Contains(c.said(), "Complaint received. Case ") {
		t.Fatalf("a stale callback answered:\n%s", c.body)
	}
	cases, err := w.store.Cases(ctx, crm.CaseFilter{Phone: p, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
}

// A complaint left by voice is a case with the recording as its description, linked to the
// call's record, on every store.
func TestVoiceComplaintBecomesACaseWithItsRecording(t *testing.T) {
	for _, kind := range realstore.Kinds {
		t.Run(kind.Name, func(t *testing.T) {
			w := newWorld(t, setup{kind: kind})
			ctx := storetest.Context(t)
			p := w.citizen(t, crm.Swahili)
			c := w.dial(t, p).pick("Kutoa malalamiko").pick("Ufisadi au hongo").expect("Baada ya mlio")
			rec := c.waiting()
			if rec.Name != "Record" || rec.Attr("finishOnKey") != "#" || rec.Attr("maxLength") == "" || rec.Attr("playBeep") != "true" {
				t.Fatalf("the complaint is not recorded:\n%s", c.body)
			}
			c.record().pick("Kurekodi tena").record().expect("Unataka kutuma malalamiko yako kuhusu Ufisadi au hongo?").pick("Kuyatuma")
			c.expect("Tumepokea ripoti yako. Nambari ya kesi ")
			done := c.state()
			cases, err := w.store.Cases(ctx, crm.CaseFilter{Phone: p, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(cases) != 1 {
				t.Fatalf("%d cases", len(cases))
			}
			got := cases[0]
			if got.RecordingURL != c.recording() || got.Description != "" || got.Category != crm.CategoryCorruption ||
				got.Queue != crm.QueueIntegrity || got.Lang != crm.Swahili || got.IdempotencyKey != ivr.SessionKey(c.session) {
				t.Fatalf("case %+v; want the second recording %s", got, c.recording())
			}
			if !strings.Contains(c.said(), got.Number.Grouped()[:1]+" ") || done.Screen.CaseID != got.ID {
				t.Fatalf("the caller heard %q for case %s (screen case %d)", c.said(), got.Number, done.Screen.CaseID)
			}
			call := c.stored()
			if call.CaseID != got.ID || call.Outcome != crm.CallComplaint || call.RecordingURL != c.recording() || !call.Active ||
				call.Phone != p || call.Direction != crm.CallInbound || call.Lang != crm.Swahili {
				t.Fatalf("call %+v", call)
			}
			c.hangup(95, "NORMAL_CLEARING")
			if len(c.root.Children) != 0 {
				t.Fatalf("the end-of-call notification was answered with actions:\n%s", c.body)
			}
			call = c.stored()
			if call.Active || call.DurationSeconds != 95 || call.Cost != "KES 1.5000" || call.HangupCause != "NORMAL_CLEARING" ||
				call.CaseID != got.ID || call.Outcome != crm.CallComplaint || call.EndedAt.IsZero() {
				t.Fatalf("after the end: %+v", call)
			}
			calls, err := w.store.CallsOfCase(ctx, got.ID)
			if err != nil || len(calls) != 1 {
				t.Fatalf("calls of the case: %v %v", calls, err)
			}
		})
	}
}

// The end-of-call notification may come first, alone, or before callbacks that were
// delayed: each gives a valid (empty) answer and one record.
func TestEndOfCallNotificationFirstOrAlone(t *testing.T) {
	for _, kind := range realstore.Kinds {
		t.Run(kind.Name, func(t *testing.T) {
			w := newWorld(t, setup{kind: kind})
			p := w.citizen(t, crm.English)
			alone := &call{t: t, w: w, session: "ATVId_alone_" + kind.Name, vars: map[string]string{"CALLER": string(p), "NUMBER": number}}
			alone.vars["SESSION"] = alone.session
			alone.hangup(0, "NO_ANSWER")
			alone.hangup(0, "NO_ANSWER")
			got := alone.stored()
			if got.Active || got.Outcome != crm.CallInMenu || got.HangupCause != "NO_ANSWER" || got.Phone != p {
				t.Fatalf("a call known only by its end: %+v", got)
			}
			// The callbacks of that call arrive late: they are answered, and the record stays ended.
			alone.send("/at/voice?key="+key, "incoming", nil).expect("Welcome to Huduma Kenya.")
			alone.press("0")
			got = alone.stored()
			// Queued on a call that has ended: the caller left the queue.
			if got.Active || got.Outcome != crm.CallAbandoned || got.Queue != "agents-en" || got.HangupCause != "NO_ANSWER" {
				t.Fatalf("after late callbacks: %+v", got)
			}
			// A queued caller who hangs up is recorded as abandoned.
			q := w.dial(t, w.citizen(t, crm.English)).press("0")
			q.hangup(240, "CALLER_HANGUP")
			if got := q.stored(); got.Outcome != crm.CallAbandoned || got.Queue != "agents-en" || got.DurationSeconds != 240 {
				t.Fatalf("a caller who left the queue: %+v", got)
			}
		})
	}
}

// Inside business hours with a short queue, "talk to an agent" enqueues the caller with hold
// music in their language's queue. Outside hours, or when the queue is long, the caller is
// offered a callback or a recorded message, and each makes its case. If the queue's length
// cannot be asked, the caller is enqueued anyway.
func TestTalkToAnAgent(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := storetest.Context(t)

	c := w.dial(t, w.citizen(t, crm.Swahili)).press("0").expect("Tafadhali subiri; mhudumu atakujibu punde.")
	q := c.action("Enqueue")
	if q == nil || q.Attr("name") != "agents-sw" || q.Attr("holdMusic") != holdMusic || c.waiting() != nil {
		t.Fatalf("not enqueued:\n%s", c.body)
	}
	if got := c.stored(); got.Outcome != crm.CallQueued || got.Queue != "agents-sw" {
		t.Fatalf("call %+v", got)
	}
	// From deeper in the menus too.
	w.dial(t, w.citizen(t, crm.English)).pick("To make a complaint").press("0").expect("Please hold.")

	w.dialer.set(nil, errors.New("queue status: 503"))
	w.dial(t, w.citizen(t, crm.English)).press("0").expect("Please hold.")
	if !w.logs.Contains("agent queue length unknown") {
		t.Error("a failed queue status was not logged")
	}

	w.dialer.set(map[string]int{"agents-en": maxQueue, "agents-sw": 0}, nil)
	w.dial(t, w.citizen(t, crm.Swahili)).press("0").expect("Tafadhali subiri; mhudumu atakujibu punde.")
	p := w.citizen(t, crm.English)
	busy := w.dial(t, p).press("0").expect("All our agents are busy. For an agent to call you back, press 1. To leave a voice message, press 2.")
	if busy.action("Enqueue") != nil {
		t.Fatal("enqueued on a full queue")
	}
	busy.pick("For an agent to call you back").pick("As soon as possible").expect("An agent will call you as soon as possible. Case ")
	if got := busy.stored(); got.Outcome != crm.CallCallback || got.CaseID == 0 {
		t.Fatalf("call %+v", got)
	}

	w.dialer.set(nil, nil)
	w.clock.Set(closed)
	m := w.dial(t, p).press("0").expect("Our agents answer calls from 8 in the morning to 5 in the evening, Monday to Friday.")
	m.pick("To leave a voice message").expect("After the tone, say what you need.").record()
	m.expect("Thank you. Your message is case ")
	msg := m.stored()
	if msg.Outcome != crm.CallMessage || msg.CaseID == 0 || msg.RecordingURL != m.recording() {
		t.Fatalf("call %+v", msg)
	}
	cases, err := w.store.Cases(ctx, crm.CaseFilter{Phone: p, Limit: 10})
	if err != nil || len(cases) != 2 {
		t.Fatalf("cases %v %v", cases, err)
	}
	for _, cs := range cases {
		if cs.Kind != crm.KindCallback {
			t.Errorf("case %s is a %s", cs.Number, cs.Kind)
		}
		if cs.ID == msg.CaseID && cs.RecordingURL != m.recording() {
			t.Errorf("the message case has recording %q", cs.RecordingURL)
		}
	}
	// 0 where no agent is offered (the offer itself, a recording) is a wrong key.
	w.dial(t, p).press("0").press("0").expect("Invalid choice, try again. Our agents answer calls")
}

// An agent calling the agent line is handed the longest-waiting caller of their language's
// queue; one who speaks both takes from the longer queue. Anyone else is told the line is for
// agents. When Africa's Talking reports the caller handed over, the call is answered by that
// agent.
func TestAgentLine(t *testing.T) {
	w := newWorld(t, setup{})
	agentCall := func(agent crm.Phone) *call {
		c := &call{t: t, w: w, session: "ATVId_agent_" + string(agent[len(agent)-4:]), vars: map[string]string{"AGENT": string(agent), "LINE": agentLine}}
		c.vars["SESSION"] = c.session + w.phone().Masked()[5:6]
		return c.send("/at/voice?key="+key, "agent_call", nil)
	}
	dequeue := func(c *call) *ivr.Node {
		t.Helper()
		d := c.action("Dequeue")
		if d == nil || d.Attr("phoneNumber") != number {
			t.Fatalf("no Dequeue for the contact-centre number:\n%s", c.body)
		}
		return d
	}
	if d := dequeue(agentCall(agentEN).expect("Connecting you to the next caller.")); d.Attr("name") != "agents-en" {
		t.Errorf("English agent takes from %s", d.Attr("name"))
	}
	if d := dequeue(agentCall(agentBoth).expect("Tunakuunganisha")); d.Attr("name") != "agents-sw" {
		t.Errorf("with no counts, a bilingual agent takes from %s, not their first language's", d.Attr("name"))
	}
	w.dialer.set(map[string]int{"agents-en": 4, "agents-sw": 1}, nil)
	if d := dequeue(agentCall(agentBoth)); d.Attr("name") != "agents-en" {
		t.Errorf("with more English callers, a bilingual agent takes from %s", d.Attr("name"))
	}
	stranger := agentCall(w.phone())
	if stranger.action("Dequeue") != nil {
		t.Fatal("a stranger was handed a caller")
	}
	stranger.expect("Laini hii ni ya wahudumu wa Huduma.", "This line is for Huduma agents.")
	if _, err := w.office.Call(storetest.Context(t), stranger.session); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("an agent-line call was recorded as a citizen's: %v", err)
	}

	w.dialer.set(nil, nil)
	c := w.dial(t, w.citizen(t, crm.English)).press("0")
	c.send("/at/voice?key="+key, "dequeued", map[string]string{"AGENT": string(agentEN)})
	if len(c.root.Children) != 0 {
		t.Fatalf("the hand-over was answered with actions:\n%s", c.body)
	}
	got := c.stored()
	agent, err := w.office.AgentByPhone(storetest.Context(t), agentEN)
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != crm.CallAnswered || got.AgentID != agent.ID {
		t.Fatalf("call %+v, want answered by %d", got, agent.ID)
	}
	c.hangup(300, "NORMAL_CLEARING")
	if got := c.stored(); got.Outcome != crm.CallAnswered || got.AgentID != agent.ID || got.Active {
		t.Fatalf("after the end: %+v", got)
	}
}

// An agent calls a citizen back from the console; when the citizen answers, Africa's
// Talking asks what to do, and the citizen is connected to that agent. The citizen is whichever
// number is not the contact centre's: AT documents callerNumber as the phone user, and has
// been seen sending them the other way round.
func TestOutboundCallConnectsTheAgentWhoPlacedIt(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := storetest.Context(t)
	for _, fixture := range []string{"outbound_answered", "outbound_answered_documented"} {
		p := w.citizen(t, crm.Swahili)
		cs, err := w.office.RequestCallback(ctx, crm.CallbackRequest{Phone: p, Lang: crm.Swahili, Window: w.office.CallbackWindows()[0]})
		if err != nil {
			t.Fatal(err)
		}
		agent := w.sup // a supervisor may call any general case back
		placed, err := w.office.PlaceCall(ctx, agent, cs.Number)
		if err != nil {
			t.Fatal(err)
		}
		c := &call{t: t, w: w, session: placed.SessionID, vars: map[string]string{"CALLER": string(p), "NUMBER": number, "REQUEST": "case-x"}}
		c.vars["SESSION"] = c.session
		c.send("/at/voice?key="+key, fixture, nil).expect("Habari, hii ni Huduma Kenya ikirudisha simu yako.")
		d := c.action("Dial")
		if d == nil || d.Attr("phoneNumbers") != string(agent.Phone) || d.Attr("callerId") != number {
			t.Fatalf("%s: not connected to the agent:\n%s", fixture, c.body)
		}
		if got := c.stored(); got.Outcome != crm.CallAnswered || got.AgentID != agent.ID || got.CaseID != cs.ID ||
			got.Direction != crm.CallOutbound || got.Phone != p {
			t.Fatalf("%s: call %+v", fixture, got)
		}
	}
	// The end of an outbound call known only by its end notification, in AT's documented layout.
	p := w.citizen(t, crm.Swahili)
	e := &call{t: t, w: w, session: "ATVId_outbound_end", vars: map[string]string{"SESSION": "ATVId_outbound_end", "CALLER": string(p), "NUMBER": number}}
	e.send("/at/voice?key="+key, "final_outbound", map[string]string{"DURATION": "30"})
	if got := e.stored(); got.Phone != p || got.Direction != crm.CallOutbound || got.Active {
		t.Fatalf("the end of an outbound call: %+v", got)
	}
	// A call nobody placed: the citizen is told they will be called again.
	u := &call{t: t, w: w, session: "ATVId_unplaced", vars: map[string]string{"CALLER": string(p), "NUMBER": number, "REQUEST": "x"}}
	u.vars["SESSION"] = u.session
	u.send("/at/voice?key="+key, "outbound_answered", nil).expect("Tutakupigia tena.")
	if u.action("Dial") != nil {
		t.Fatal("dialled nobody's agent")
	}
}

// A callback for a call we have no record of (expired, or lost with a replica) starts the
// menus again with a word of explanation, whatever keys it carried (journey unknown_call),
// with nothing of what the keys meant.
func TestUnknownCallMidwayStartsAfresh(t *testing.T) {
	w := newWorld(t, setup{})
	w.journey(t, "unknown_call", map[string]string{"caller": string(w.citizen(t, crm.English))})
	s, err := w.sessions.Load(storetest.Context(t), ivr.SessionKey("ATVId_unknown_call-1"))
	if err != nil || s.State != "main" || s.Draft != (flows.Draft{}) {
		t.Fatalf("restarted on %+v (%v)", s, err)
	}
}

// What is no voice callback (no session, not a form) is refused, still in XML; a
// caller from a foreign number is told, politely, in both languages.
func TestRequestsThatAreNoCallback(t *testing.T) {
	w := newWorld(t, setup{})
	vars := map[string]string{"SESSION": "ATVId_x", "CALLER": "+254712000001", "NUMBER": number}
	for _, c := range []struct {
		name, target, body string
		status             int
	}{
		{"no session", "/at/voice?key=" + key, form(t, "missing_session", vars), 400},
		{"session id with spaces", "/at/voice?key=" + key, strings.Replace(form(t, "incoming", vars), "ATVId_x", "ATVId+x", 1), 400},
	} {
		status, ctype, body := w.post(t, c.target, c.body)
		if status != c.status || ctype != ivr.MIMEXML {
			t.Errorf("%s: %d %s", c.name, status, ctype)
		}
		if errs := validateAT(t, body); len(errs) > 0 {
			t.Errorf("%s: %v\n%s", c.name, errs, body)
		}
	}
	foreign := &call{t: t, w: w, session: "ATVId_tz", vars: map[string]string{"SESSION": "ATVId_tz", "CALLER": "+255754000111", "NUMBER": number}}
	foreign.send("/at/voice?key="+key, "incoming", nil).expect("Huduma hii ni kwa nambari za simu za Kenya.", "This service is for Kenyan mobile numbers.")
	if foreign.waiting() != nil {
		t.Fatal("a foreign caller was asked for keys")
	}
	w.logs.AssertAbsent("+255754000111", "+254712000001") // phone numbers are logged masked
}

// A callback posted as multipart/form-data is read as the urlencoded form would be; a body
// that is no form is still refused.
func TestMultipartCallbacksAreForms(t *testing.T) {
	w := newWorld(t, setup{})
	vars := map[string]string{"SESSION": "ATVId_multipart", "CALLER": string(w.citizen(t, crm.English)), "NUMBER": number}
	fields, err := url.ParseQuery(form(t, "incoming", vars))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k := range fields {
		if err := mw.WriteField(k, fields.Get(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ctype  string
		status int
	}{
		{mw.FormDataContentType(), 200},
		{"application/json", 415},
	} {
		req := httptest.NewRequest("POST", "/at/voice?key="+key, bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", c.ctype)
		resp, err := w.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Fatalf("%s: %d\n%s", c.ctype, resp.StatusCode, b)
		}
		if c.status == 200 && !strings.Contains(string(b), "Welcome to Huduma Kenya.") {
			t.Fatalf("multipart callback answered:\n%s", b)
		}
	}
}

// failing is a session store whose reads fail, as a Redis that has gone away.
type failing struct{ flows.SessionStore }

func (failing) Load(context.Context, string) (*flows.Session, error) {
	return nil, errors.New("redis: connection refused")
}

// A store failure is a spoken apology, in valid XML, and an error in the log.
func TestStoreFailureIsASpokenApology(t *testing.T) {
	w := newWorld(t, setup{sessions: failing{}})
	p := w.citizen(t, crm.English)
	c := w.dial(t, p).expect("Samahani, hitilafu imetokea.", "Sorry, we could not complete that. Please call again.")
	if c.waiting() != nil {
		t.Fatal("the apology waits for keys")
	}
	w.logs.ExpectError("voice load session failed")
	w.logs.AssertAbsent(string(p))
}

// Africa's Talking repeating a callback while the first is still being handled (here, or on
// another replica): every answer is the same, the call moves on once, and sending the
// complaint opens one case.
func TestConcurrentRepeatsAnswerAlikeAndOpenOneCase(t *testing.T) {
	for _, kind := range realstore.Kinds {
		t.Run(kind.Name, func(t *testing.T) {
			w := newWorld(t, setup{kind: kind})
			p := w.citizen(t, crm.English)
			c := w.dial(t, p)
			// fire sends the same key press 8 times at once and returns the one answer.
			fire := func(digits string) string {
				target := c.waiting().Attr("callbackUrl")
				body := form(t, "digits", map[string]string{"SESSION": c.session, "CALLER": string(p), "NUMBER": number, "DIGITS": digits})
				const n = 8
				answers := make(chan string, n)
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, _, b := w.post(t, target, body)
						answers <- b
					}()
				}
				wg.Wait()
				close(answers)
				first := <-answers
				for a := range answers {
					if a != first {
						t.Fatalf("answers differ:\n%s\n%s", a, first)
					}
				}
				root, err := ivr.Parse([]byte(first))
				if err != nil {
					t.Fatal(err)
				}
				c.body, c.root = first, root
				return first
			}
			if a := fire("3"); !strings.Contains(a, "What is it about?") {
				t.Fatalf("after 3: %s", a)
			}
			c.send(c.waiting().Attr("callbackUrl"), "digits", map[string]string{"DIGITS": "1"})
			if got := c.state(); got.State != "voice_complaint_record" {
				t.Fatalf("the repeats moved the call on to %s", got.State)
			}
			c.record()
			if a := fire("1"); !strings.Contains(a, "Complaint received. Case ") {
				t.Fatalf("after sending: %s", a)
			}
			cases, err := w.store.Cases(storetest.Context(t), crm.CaseFilter{Phone: p, Limit: 10})
			if err != nil || len(cases) != 1 {
				t.Fatalf("%d cases (%v)", len(cases), err)
			}
		})
	}
}

// A voice callback is on Africa's Talking's clock as a USSD hop is, and shares the replica's
// bound on hops in flight: past it, a call's first callback and a key press are each answered
// busy (in both languages, still valid XML) once they have waited their share of the
// deadline, touch no session, and are counted as shed. Once a place is free, the call goes on
// from where it was.
func TestCallbacksPastTheBoundAreAnsweredBusy(t *testing.T) {
	admission := flows.NewAdmission(1)
	w := newWorld(t, setup{admission: admission, deadline: time.Second})
	msgs := w.engine.Messages()
	p := w.citizen(t, crm.English)
	c := w.dial(t, p).expect("Welcome to Huduma Kenya.")
	menu := c.body

	// The test holds the only place, as a stalled hop would.
	place, err := admission.Admit(context.Background(), flows.Continuing, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	busy := []string{msgs.Text(crm.Swahili, "notice.busy"), msgs.Text(crm.English, "notice.busy")}
	newcomer := w.dial(t, w.phone()).expect(busy...)
	if newcomer.waiting() != nil {
		t.Fatalf("a busy answer waits for keys:\n%s", newcomer.body)
	}
	if _, err := w.sessions.Load(storetest.Context(t), ivr.SessionKey(newcomer.session)); !errors.Is(err, flows.ErrNoSession) {
		t.Fatalf("a busy first callback left a session (%v)", err)
	}
	prev := c.waiting().Attr("callbackUrl")
	c.pick("To check a status").expect(busy...)
	if admission.Shed(flows.New) != 1 || admission.Shed(flows.Continuing) != 1 {
		t.Fatalf("shed %d new, %d continuing; want 1 and 1", admission.Shed(flows.New), admission.Shed(flows.Continuing))
	}
	if s := c.state(); s.State != "main" || s.LastReply != menu {
		t.Fatalf("a busy key press moved the call to %s", s.State)
	}

	place.Release()
	// Africa's Talking ends the call on an answer with nothing to wait for, but the same key
	// press posted again (or the caller's next one) goes on from the main menu.
	c.send(prev, "digits", map[string]string{"DIGITS": "1"}).expect("Key in your ticket or case number")
	if admission.InFlight() != 0 {
		t.Fatalf("%d hops still in flight", admission.InFlight())
	}
}
