package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/store/memory"
	"github.com/huduma-connect/huduma/ussd"
	"github.com/huduma-connect/huduma/ussd/loadgen"
)

// gateway is the real USSD callback over the real menus, a seeded SQLite store and in-memory
// sessions, listening on a loopback port, as `huduma serve` runs it.
func gateway(t *testing.T, capacity int) (url string, world *flowstest.World) {
	t.Helper()
	w := flowstest.New(t, capacity)
	sessions := memory.New(memory.Options{})
	h := ussd.New(w.Engine, sessions, ussd.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	app := fiber.New(fiber.Config{BodyLimit: 64 << 10, DisableStartupMessage: true})
	h.Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() {
		app.Shutdown()
		sessions.Close()
	})
	return "http://" + ln.Addr().String() + "/at/ussd", w
}

// completions collects the sessions that completed, in the order they did.
type completions struct {
	mu  sync.Mutex
	all []loadgen.Completion
}

func (c *completions) add(x loadgen.Completion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = append(c.all, x)
}

// of lists the completions of one journey.
func (c *completions) of(journey string) []loadgen.Completion {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []loadgen.Completion
	for _, x := range c.all {
		if x.Journey == journey {
			out = append(out, x)
		}
	}
	return out
}

// verifyBookings checks that every reference a phone was shown is an appointment in the
// store, and that no slot holds more than capacity.
func verifyBookings(t *testing.T, w *flowstest.World, books []loadgen.Completion, capacity int) {
	t.Helper()
	type slot struct {
		centre, service string
		day             time.Time
		start           int
	}
	taken := map[slot]int{}
	phones := map[string]bool{}
	for _, b := range books {
		first, _, _ := strings.Cut(b.Screen, "\n")
		_, ref, _ := strings.Cut(first, "Ref ")
		if phones[b.Phone] {
			t.Fatalf("%s completed two bookings; every session has a phone of its own", b.Phone)
		}
		phones[b.Phone] = true
		appts, err := w.Desk.Upcoming(context.Background(), crm.Phone(b.Phone))
		if err != nil {
			t.Fatal(err)
		}
		if len(appts) != 1 || appts[0].Ref.Grouped() != ref {
			t.Fatalf("%s was told Ref %q; the store holds %+v", b.Phone, ref, appts)
		}
		a := appts[0]
		taken[slot{a.Centre, a.Service, a.Day, a.Start}]++
	}
	for s, n := range taken {
		if n > capacity {
			t.Errorf("slot %+v holds %d appointments, capacity %d", s, n, capacity)
		}
	}
}

// lodged is what the complaints of a run were, for tests that want every kind covered.
type lodged struct {
	integrity, general, aboutCentre, noCentre, withService, skipped int
}

// verifyComplaints checks that every case number a caller was given is a case in the store,
// lodged from that phone, in the queue its final screen named, and that the store holds no
// other case.
func verifyComplaints(t *testing.T, w *flowstest.World, got []loadgen.Completion) lodged {
	t.Helper()
	ctx := context.Background()
	integrityScreen := textBefore(w, "complaint.done.integrity")
	var l lodged
	for _, c := range got {
		if c.Ref == "" || !strings.Contains(c.Screen, c.Ref.Grouped()) {
			t.Fatalf("%s: reference %q, screen %q", c.Phone, c.Ref, c.Screen)
		}
		k, err := w.Store.CaseByNumber(ctx, c.Ref)
		if err != nil {
			t.Fatalf("%s was told case %s: %v", c.Phone, c.Ref.Grouped(), err)
		}
		integrity := strings.HasPrefix(c.Screen, integrityScreen)
		if string(k.Phone) != c.Phone || k.Kind != crm.KindComplaint || k.Description == "" ||
			(k.Queue == crm.QueueIntegrity) != integrity || (k.Category == crm.CategoryCorruption) != integrity {
			t.Fatalf("%s was told %q; the store holds %+v", c.Phone, c.Screen, k)
		}
		if integrity {
			l.integrity++
		} else {
			l.general++
		}
		if k.Centre != "" {
			l.aboutCentre++
		} else {
			l.noCentre++
		}
		if k.Service != "" {
			l.withService++
		} else {
			l.skipped++
		}
	}
	all, err := w.Store.Cases(ctx, crm.CaseFilter{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(got) {
		t.Fatalf("%d complaints completed, %d cases in the store", len(got), len(all))
	}
	return l
}

// verifyStatusChecks checks that every status check ended on the status of a case the run
// was given, or on "no such number" for one made up; it returns how many of each.
func verifyStatusChecks(t *testing.T, w *flowstest.World, got, complaints []loadgen.Completion) (known, unknown int) {
	t.Helper()
	notFound := textBefore(w, "status.err.unknown")
	given := map[string]bool{}
	for _, c := range complaints {
		given[c.Ref.Grouped()] = true
	}
	for _, c := range got {
		if strings.HasPrefix(c.Screen, notFound) {
			unknown++
			continue
		}
		number, _, _ := strings.Cut(strings.TrimPrefix(c.Screen, textBefore(w, "case.stranger")), "\n")
		if !given[number] {
			t.Fatalf("%s checked a status and read %q: no case of this run", c.Phone, c.Screen)
		}
		known++
	}
	return known, unknown
}

// textBefore is the English text of a catalogue key up to its first argument.
func textBefore(w *flowstest.World, key string) string {
	text, _, _ := strings.Cut(w.Msgs.Text(crm.English, key), "%")
	return text
}

// huduma is our gateway's profile with the journeys mixed as mix says ("" keeps its own).
func huduma(t *testing.T, w *flowstest.World, mix string) loadgen.Profile {
	t.Helper()
	p, err := loadgen.Huduma(w.Msgs)
	if err != nil {
		t.Fatal(err)
	}
	if mix != "" {
		if err := p.SetMix(mix); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// journey is the profile's journey of that name, to change it.
func journey(t *testing.T, p *loadgen.Profile, name string) *loadgen.Journey {
	t.Helper()
	for i := range p.Journeys {
		if p.Journeys[i].Journey.Name == name {
			return &p.Journeys[i].Journey
		}
	}
	t.Fatalf("profile %s has no journey %q", p.Name, name)
	return nil
}

// requireNoErrors fails on any unexpected answer, and logs the report (go test -v shows it).
func requireNoErrors(t *testing.T, rep *loadgen.Report) {
	t.Helper()
	var b strings.Builder
	rep.WriteText(&b)
	if rep.Errors != 0 {
		t.Fatalf("unexpected answers:\n%s", b.String())
	}
	t.Logf("\n%s", b.String())
}

// TestSmoke is the CI smoke: three seconds of the huduma mix (bookings, complaints, status
// checks) from eight phones through the real gateway. Every answer must be the one a caller
// expects, every booking and complaint a caller was told about must be in the store, and the
// report must count them. It asserts no timing: CI machines vary.
func TestSmoke(t *testing.T) {
	url, w := gateway(t, 10)
	var got completions
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: huduma(t, w, ""), Phones: 8, Duration: 3 * time.Second, OnComplete: got.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if rep.Total.Bookings == 0 || rep.Hops == 0 || rep.Total.Failed != 0 {
		t.Fatalf("report: %+v", rep)
	}
	books, complaints, checks := got.of("book"), got.of("complaint"), got.of("status")
	if int64(len(books)) != rep.Total.Bookings || int64(len(complaints)) != rep.Total.Complaints ||
		int64(len(checks)) != rep.Total.StatusChecks || rep.Total.Completed != int64(len(got.all)) ||
		rep.Total.Bookings+rep.Total.Complaints+rep.Total.StatusChecks != rep.Total.Completed {
		t.Fatalf("reported %+v; completed %d bookings, %d complaints, %d status checks", rep.Total, len(books), len(complaints), len(checks))
	}
	if rep.Bookings+rep.Complaints+rep.StatusChecks != rep.Sessions {
		t.Fatalf("measured window: %d sessions, %d bookings, %d complaints, %d status checks", rep.Sessions, rep.Bookings, rep.Complaints, rep.StatusChecks)
	}
	verifyBookings(t, w, books, 10)
	verifyComplaints(t, w, complaints)
	verifyStatusChecks(t, w, checks, complaints)
}

// TestComplaints: one caller after another makes a complaint through the real menus, about a
// centre or not, in every category (a corruption report ends on its own screen), naming a
// service or skipping it. Each completes without an error, and each case number a caller was
// given is a case in the store, as the report counts them.
func TestComplaints(t *testing.T) {
	url, w := gateway(t, 10)
	var got completions
	const sessions = 60
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		// One phone and a fixed seed: the same choices on every run, so coverage is stable.
		Target: url, Profile: huduma(t, w, "complaint=1"), Phones: 1, Sessions: sessions, Seed: 7, OnComplete: got.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if rep.Total.Complaints != sessions || rep.Total.Bookings != 0 || rep.Total.StatusChecks != 0 {
		t.Fatalf("totals %+v; want %d complaints", rep.Total, sessions)
	}
	l := verifyComplaints(t, w, got.of("complaint"))
	for what, n := range map[string]int{
		"a corruption report": l.integrity, "another category": l.general, "a centre": l.aboutCentre,
		"no centre": l.noCentre, "a service": l.withService, "a skipped service": l.skipped,
	} {
		if n == 0 {
			t.Errorf("no complaint with %s (%+v); the test no longer covers it", what, l)
		}
	}
}

// TestStatusChecks: a status check types a case number a complaint of the run was given and
// reads its status; before the run has one, it types a made-up number with a valid check
// digit and reads "no ticket or case with that number". Both complete, without an error.
func TestStatusChecks(t *testing.T) {
	t.Run("made up", func(t *testing.T) {
		url, w := gateway(t, 10)
		var got completions
		const sessions = 20
		rep, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: url, Profile: huduma(t, w, "status=1"), Phones: 2, Sessions: sessions, OnComplete: got.add,
		})
		if err != nil {
			t.Fatal(err)
		}
		requireNoErrors(t, rep)
		if rep.Total.StatusChecks != sessions || rep.Total.Completed != sessions {
			t.Fatalf("totals %+v; want %d status checks", rep.Total, sessions)
		}
		if known, unknown := verifyStatusChecks(t, w, got.of("status"), nil); known != 0 || unknown != sessions {
			t.Fatalf("%d known, %d unknown; want every number unknown", known, unknown)
		}
	})
	t.Run("given", func(t *testing.T) {
		url, w := gateway(t, 10)
		var got completions
		const sessions = 40
		rep, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: url, Profile: huduma(t, w, "complaint=1,status=1"), Phones: 1, Sessions: sessions, Seed: 3, OnComplete: got.add,
		})
		if err != nil {
			t.Fatal(err)
		}
		requireNoErrors(t, rep)
		complaints, checks := got.of("complaint"), got.of("status")
		if rep.Total.Complaints != int64(len(complaints)) || rep.Total.StatusChecks != int64(len(checks)) ||
			rep.Total.Completed != sessions {
			t.Fatalf("totals %+v; completed %d complaints, %d status checks", rep.Total, len(complaints), len(checks))
		}
		verifyComplaints(t, w, complaints)
		known, _ := verifyStatusChecks(t, w, checks, complaints)
		if known == 0 {
			t.Fatal("no status check typed a case number of this run; the test no longer covers it")
		}
		// One phone: sessions run one after another, so once a complaint was made every later
		// status check types a number the run was given.
		lodged := false
		for _, c := range got.all {
			lodged = lodged || c.Journey == "complaint"
			if c.Journey == "status" && lodged && strings.HasPrefix(c.Screen, textBefore(w, "status.err.unknown")) {
				t.Fatalf("%s typed a made-up number after a complaint was made: %q", c.Phone, c.Screen)
			}
		}
	})
}

// rewriting is the gateway behind a proxy that changes its answers, for the answers a correct
// gateway never gives.
func rewriting(t *testing.T, target string, rewrite func(body string) string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		resp, err := http.PostForm(target, r.PostForm)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		io.WriteString(w, rewrite(string(body)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Answers a right gateway never gives are errors: a case number the run was given and the
// gateway does not know, and a complaint's ending for a corruption report.
func TestWrongAnswersAreErrors(t *testing.T) {
	t.Run(loadgen.KindUnknownReference, func(t *testing.T) {
		url, w := gateway(t, 10)
		stranger, err := crm.NewReference()
		if err != nil {
			t.Fatal(err)
		}
		numbers := regexp.MustCompile(`[0-9]{3} [0-9]{3} [0-9]{3}`)
		// Callers are told a case number that is not the one lodged.
		url = rewriting(t, url, func(body string) string { return numbers.ReplaceAllString(body, stranger.Grouped()) })
		rep, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: url, Profile: huduma(t, w, "complaint=1,status=1"), Phones: 1, Sessions: 20, Seed: 3,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors == 0 || len(rep.ErrorKinds) != 1 || rep.ErrorKinds[0].Kind != loadgen.KindUnknownReference ||
			rep.ErrorKinds[0].Where != "status: reference" {
			t.Fatalf("errors %d, kinds %+v", rep.Errors, rep.ErrorKinds)
		}
	})
	t.Run(loadgen.KindNoReference, func(t *testing.T) {
		url, w := gateway(t, 10)
		numbers := regexp.MustCompile(`[0-9]{3} [0-9]{3} [0-9]{3}`)
		// The case number is left off the complaint's final screen.
		url = rewriting(t, url, func(body string) string { return numbers.ReplaceAllString(body, "") })
		const sessions = 4
		rep, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: url, Profile: huduma(t, w, "complaint=1"), Phones: 2, Sessions: sessions,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors != sessions || len(rep.ErrorKinds) != 1 || rep.ErrorKinds[0].Kind != loadgen.KindNoReference || rep.Total.Complaints != 0 {
			t.Fatalf("errors %d, kinds %+v, totals %+v", rep.Errors, rep.ErrorKinds, rep.Total)
		}
	})
	t.Run(loadgen.KindWrongEnd, func(t *testing.T) {
		url, w := gateway(t, 10)
		p := huduma(t, w, "complaint=1")
		c := loadgen.NewCatalog(w.Msgs)
		j := journey(t, &p, "complaint")
		for i := range j.Steps {
			if j.Steps[i].Name == "category" {
				j.Steps[i].Choose = c.Option("category.corruption")
			}
		}
		// A corruption report is answered as any other complaint.
		integrity, general := textBefore(w, "complaint.done.integrity"), textBefore(w, "complaint.done")
		url = rewriting(t, url, func(body string) string { return strings.Replace(body, "END "+integrity, "END "+general, 1) })
		const sessions = 4
		rep, err := loadgen.Run(context.Background(), loadgen.Config{Target: url, Profile: p, Phones: 2, Sessions: sessions})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors != sessions || len(rep.ErrorKinds) != 1 || rep.ErrorKinds[0].Kind != loadgen.KindWrongEnd {
			t.Fatalf("errors %d, kinds %+v", rep.Errors, rep.ErrorKinds)
		}
	})
}

// TestFullSlotsAreChosenAgain: with one place per slot and every caller wanting the first
// county, centre, service and day, days fill and times are taken under the callers' feet.
// That is the gateway working as it should: the journeys choose another day or time, and no
// error is counted.
func TestFullSlotsAreChosenAgain(t *testing.T) {
	url, w := gateway(t, 1)
	p := huduma(t, w, "book=1")
	j := journey(t, &p, "book")
	for i := range j.Steps {
		switch j.Steps[i].Name {
		case "county", "centre", "service", "day", "time":
			j.Steps[i].Choose = loadgen.First()
		}
	}
	var got completions
	const sessions = 40
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: p, Phones: 6, Sessions: sessions, OnComplete: got.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if rep.Total.Bookings != sessions || len(got.of("book")) != sessions {
		t.Fatalf("%d bookings reported, %d references; want %d", rep.Total.Bookings, len(got.of("book")), sessions)
	}
	if rep.Retries["err.day_full"] == 0 {
		t.Fatalf("no day was found full (retries %v); the test no longer fills days", rep.Retries)
	}
	verifyBookings(t, w, got.of("book"), 1)
}

// TestHangUp leaves sessions open part-way, as the live-sessions measurement does.
func TestHangUp(t *testing.T) {
	url, w := gateway(t, 10)
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: huduma(t, w, "book=1"), Phones: 4, Sessions: 20, HangUpAfter: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if rep.Total.Abandoned != 20 || rep.Total.Hops != 60 || rep.Total.Bookings != 0 {
		t.Fatalf("totals %+v", rep.Total)
	}
}

// floorServer answers like shared/bench/limit: CON until the fourth input, then END.
func floorServer(t *testing.T, answer func(text string) (int, string)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		status, body := answer(r.PostForm.Get("text"))
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ussd"
}

func floorAnswer(text string) (int, string) {
	if strings.Count(text, "*") >= 3 {
		return 200, "END Booked. Ref HK123. An SMS confirmation will follow."
	}
	return 200, "CON Welcome to Huduma\n1. Book appointment\n2. Check status\n3. Lodge complaint"
}

// peerAnswer answers like shared/bench/peer-ussd-menu-builder.
func peerAnswer(text string) (int, string) {
	in := strings.Split(text, "*")
	switch {
	case text == "":
		return 200, "CON Welcome to Huduma\n1. Book appointment\n2. Check status\n3. Lodge complaint"
	case len(in) == 1 && in[0] == "1":
		return 200, "CON Select centre:\n1. Nairobi GPO\n2. Makadara\n3. Kibra\n4. Thika\n5. Meru"
	case len(in) == 2:
		return 200, "CON Select service:\n1. ID card\n2. Birth certificate\n3. Police clearance\n4. KRA PIN"
	case len(in) == 3:
		return 200, "CON Confirm booking on Mon 24 Nov 09:00?\n1. Confirm\n2. Cancel"
	case len(in) == 4 && in[3] == "1":
		return 200, "END Booked. Ref HK" + in[1] + in[2] + ". An SMS confirmation will follow."
	}
	return 200, "END Invalid input " + text
}

func TestOtherServersProfiles(t *testing.T) {
	for _, c := range []struct {
		profile loadgen.Profile
		answer  func(string) (int, string)
	}{{loadgen.Floor(), floorAnswer}, {loadgen.Peer(), peerAnswer}} {
		t.Run(c.profile.Name, func(t *testing.T) {
			rep, err := loadgen.Run(context.Background(), loadgen.Config{
				Target: floorServer(t, c.answer), Profile: c.profile, Phones: 3, Sessions: 30,
			})
			if err != nil {
				t.Fatal(err)
			}
			requireNoErrors(t, rep)
			if rep.Total.Completed != 30 || rep.Total.Hops != 150 {
				t.Fatalf("totals %+v", rep.Total)
			}
		})
	}
}

// Every kind of unexpected answer is counted, with where it happened and a sample.
func TestUnexpectedAnswers(t *testing.T) {
	for _, c := range []struct {
		kind   string
		answer func(string) (int, string)
	}{
		{loadgen.KindStatus, func(string) (int, string) { return 500, "boom" }},
		{loadgen.KindNoMarker, func(string) (int, string) { return 200, "Welcome" }},
		{loadgen.KindEndTooEarly, func(t string) (int, string) {
			if strings.Count(t, "*") == 1 {
				return 200, "END Sorry, we could not complete that."
			}
			return peerAnswer(t)
		}},
		{loadgen.KindUnexpectedScreen, func(t string) (int, string) {
			if t == "1" {
				return 200, "CON Select county:\n1. Nairobi"
			}
			return peerAnswer(t)
		}},
		{loadgen.KindConAfterJourney, func(t string) (int, string) {
			if strings.Count(t, "*") == 3 {
				return 200, "CON Rate us:\n1. Good"
			}
			return peerAnswer(t)
		}},
	} {
		t.Run(c.kind, func(t *testing.T) {
			rep, err := loadgen.Run(context.Background(), loadgen.Config{
				Target: floorServer(t, c.answer), Profile: loadgen.Peer(), Phones: 2, Sessions: 4,
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Errors != 4 || len(rep.ErrorKinds) != 1 || rep.ErrorKinds[0].Kind != c.kind || len(rep.ErrorKinds[0].Samples) == 0 {
				t.Fatalf("errors %d, kinds %+v", rep.Errors, rep.ErrorKinds)
			}
		})
	}
	t.Run(loadgen.KindTransport, func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		rep, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: "http://" + addr + "/ussd", Profile: loadgen.Floor(), Phones: 1, Sessions: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors != 2 || rep.ErrorKinds[0].Kind != loadgen.KindTransport {
			t.Fatalf("errors %d, kinds %+v", rep.Errors, rep.ErrorKinds)
		}
	})
}

// A client of the caller's own (as https:// targets get net/http) is timed and its errors
// told apart as the phones' own client's are.
func TestOwnHTTPClient(t *testing.T) {
	for _, c := range []struct {
		kind   string // "" for none
		answer func(string) (int, string)
	}{
		{"", floorAnswer},
		{loadgen.KindStatus, func(string) (int, string) { return 503, "busy" }},
		{loadgen.KindNoMarker, func(string) (int, string) { return 200, "Welcome" }},
	} {
		name := c.kind
		if name == "" {
			name = "no errors"
		}
		t.Run(name, func(t *testing.T) {
			rep, err := loadgen.Run(context.Background(), loadgen.Config{
				Target: floorServer(t, c.answer), Profile: loadgen.Floor(), Phones: 2, Sessions: 6, HTTP: &http.Client{},
			})
			if err != nil {
				t.Fatal(err)
			}
			if c.kind == "" {
				requireNoErrors(t, rep)
				if rep.Total.Completed != 6 || rep.Total.Hops != 30 || rep.Latency.Max == 0 {
					t.Fatalf("totals %+v, latency %+v", rep.Total, rep.Latency)
				}
				return
			}
			if rep.Errors != 6 || len(rep.ErrorKinds) != 1 || rep.ErrorKinds[0].Kind != c.kind || rep.Latency.Max == 0 {
				t.Fatalf("errors %d, kinds %+v, latency %+v", rep.Errors, rep.ErrorKinds, rep.Latency)
			}
		})
	}
}

// The open loop starts sessions at the rate asked, however many are running.
func TestOpenLoop(t *testing.T) {
	url := floorServer(t, floorAnswer)
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: loadgen.Floor(), Rate: 200, Duration: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	// 200 sessions a second for a second: allow for a slow machine, but not for a closed loop.
	if rep.Mode != "open" || rep.Total.Started < 100 || rep.Total.Started > 260 {
		t.Fatalf("open loop at 200/s for 1 s started %d sessions (%+v)", rep.Total.Started, rep.Total)
	}
}

// Options are chosen by label; reordering the main menu does not change what is chosen.
func TestChoosesByLabelNotNumber(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	reordered := func(text string) (int, string) {
		mu.Lock()
		seen = append(seen, text)
		mu.Unlock()
		if text == "" {
			return 200, "CON Welcome to Huduma\n1. Check status\n2. Lodge complaint\n3. Book appointment"
		}
		text = "1" + strings.TrimPrefix(text, "3")
		return peerAnswer(text)
	}
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: floorServer(t, reordered), Profile: loadgen.Peer(), Phones: 1, Sessions: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if len(seen) < 2 || seen[1] != "3" {
		t.Fatalf("inputs %q: want 3 (Book appointment) second", seen)
	}
}

func TestCatalogKeysMustExist(t *testing.T) {
	w := flowstest.New(t, 1)
	c := loadgen.NewCatalog(w.Msgs)
	c.Prompt("main.no_such_key")
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "main.no_such_key") {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := loadgen.Huduma(w.Msgs); err != nil {
		t.Fatal(err)
	}
}

func TestSetMix(t *testing.T) {
	w := flowstest.New(t, 1)
	for _, c := range []struct{ spec, want, err string }{
		{"", "book=70,complaint=15,status=15", ""}, // the profile's own
		{"book=70,complaint=15,status=15", "book=70,complaint=15,status=15", ""},
		{" status = 3 , book=1", "book=1,status=3", ""},
		{"complaint=1,book=0", "complaint=1", ""},
		{"book=1,call=1", "", `no journey "call"`},
		{"book=x", "", "not a whole number"},
		{"book=-1", "", "not a whole number"},
		{"book", "", "journey=weight"},
		{"book=1,", "", "journey=weight"},
		{"book=1,book=2", "", "twice"},
		{"book=0,status=0", "", "add up to nothing"},
	} {
		p := huduma(t, w, "")
		var err error
		if c.spec != "" {
			err = p.SetMix(c.spec)
		}
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.spec, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one saying %q", c.spec, err, c.err)
		case c.err != "" && p.Mix() != "book=70,complaint=15,status=15":
			t.Errorf("%q was refused but changed the mix to %s", c.spec, p.Mix())
		case c.err == "" && p.Mix() != c.want:
			t.Errorf("%q: mix %s, want %s", c.spec, p.Mix(), c.want)
		}
	}
	p := huduma(t, w, "")
	for i := range p.Journeys {
		p.Journeys[i].Weight = 0
	}
	if err := p.Validate(); err == nil {
		t.Error("a profile whose journeys all weigh 0 validated")
	}
}

func ExampleReport_WriteText() {
	rep := &loadgen.Report{Profile: "huduma", Mix: "book=70,complaint=15,status=15", Target: "http://127.0.0.1:8080/at/ussd",
		Mode: "closed", Phones: 32, Seconds: 20, Hops: 200000, HopsPerS: 10000, Sessions: 40000, SessionsPerS: 2000,
		Bookings: 28000, Complaints: 6000, StatusChecks: 6000, OnTime: 0.99995, Shed: 120}
	rep.WriteText(stdout{})
	// Output:
	// profile huduma (book=70,complaint=15,status=15) → http://127.0.0.1:8080/at/ussd, 32 phones (closed loop), 20.0 s measured
	//   hops        200000  (10000/s)
	//   sessions    40000 completed  (2000.0/s): 28000 bookings, 6000 complaints, 6000 status checks
	//   latency     p50 0.00 ms  p90 0.00 ms  p99 0.00 ms  p99.9 0.00 ms  max 0.00 ms  (mean 0.00 ms)
	//   on time     100.00% of hops answered within 5s
	//   busy        120 sessions answered busy (load shed by the gateway)
	//   whole run   0 sessions started: 0 completed, 0 abandoned, 0 failed, 0 busy, 0 cut off; 0 bookings, 0 complaints, 0 status checks; 0 hops
	//   errors      none
}

type stdout struct{}

func (stdout) Write(p []byte) (int, error) { fmt.Print(string(p)); return len(p), nil }

// A gateway shedding load answers busy: the report counts those sessions as shed, not as
// errors, and hops answered after OnTime, or never, lower the on-time share.
func TestBusyAnswersAreShedNotErrors(t *testing.T) {
	msgs, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadgen.Huduma(msgs)
	if err != nil {
		t.Fatal(err)
	}
	busy := "END " + msgs.Both("notice.busy")
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: floorServer(t, func(string) (int, string) { return 200, busy }), Profile: p, Phones: 2, Sessions: 6,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 || rep.Total.Shed != 6 || rep.Shed != 6 || rep.Total.Failed != 0 || rep.OnTime != 1 {
		t.Fatalf("errors %d (%+v), shed %d in the window, totals %+v, on time %v", rep.Errors, rep.ErrorKinds, rep.Shed, rep.Total, rep.OnTime)
	}
}
