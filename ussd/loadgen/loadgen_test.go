package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
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

// bookings collects the references the completed sessions were given, by phone.
type bookings struct {
	mu   sync.Mutex
	refs map[string]string
}

func (b *bookings) add(c loadgen.Completion) {
	first, _, _ := strings.Cut(c.Screen, "\n")
	_, ref, _ := strings.Cut(first, "Ref ")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refs == nil {
		b.refs = map[string]string{}
	}
	b.refs[c.Phone] = ref
}

// verify checks that every reference a phone was shown is an appointment in the store, and
// that no slot holds more than capacity.
func (b *bookings) verify(t *testing.T, w *flowstest.World, capacity int) {
	t.Helper()
	type slot struct {
		centre, service string
		day             time.Time
		start           int
	}
	taken := map[slot]int{}
	for phone, ref := range b.refs {
		appts, err := w.Desk.Upcoming(context.Background(), crm.Phone(phone))
		if err != nil {
			t.Fatal(err)
		}
		if len(appts) != 1 || appts[0].Ref.Grouped() != ref {
			t.Fatalf("%s was told Ref %q; the store holds %+v", phone, ref, appts)
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

func huduma(t *testing.T, w *flowstest.World) loadgen.Profile {
	t.Helper()
	p, err := loadgen.Huduma(w.Msgs)
	if err != nil {
		t.Fatal(err)
	}
	return p
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

// TestSmoke is the CI smoke: three seconds of booking journeys from eight phones through the
// real gateway. Every answer must be the one a caller expects, and every booking a caller was
// told about must be in the store. It asserts no timing: CI machines vary.
func TestSmoke(t *testing.T) {
	url, w := gateway(t, 10)
	var got bookings
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: huduma(t, w), Phones: 8, Duration: 3 * time.Second, OnComplete: got.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if rep.Total.Bookings == 0 || rep.Hops == 0 || rep.Total.Failed != 0 {
		t.Fatalf("report: %+v", rep)
	}
	if int64(len(got.refs)) != rep.Total.Bookings {
		t.Fatalf("%d bookings reported, %d phones told a reference", rep.Total.Bookings, len(got.refs))
	}
	got.verify(t, w, 10)
}

// TestFullSlotsAreChosenAgain: with one place per slot and every caller wanting the first
// county, centre, service and day, days fill and times are taken under the callers' feet.
// That is the gateway working as it should: the journeys choose another day or time, and no
// error is counted.
func TestFullSlotsAreChosenAgain(t *testing.T) {
	url, w := gateway(t, 1)
	p := huduma(t, w)
	j := &p.Journeys[0].Journey
	for i := range j.Steps {
		switch j.Steps[i].Name {
		case "county", "centre", "service", "day", "time":
			j.Steps[i].Choose = loadgen.First()
		}
	}
	var got bookings
	const sessions = 40
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: p, Phones: 6, Sessions: sessions, OnComplete: got.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, rep)
	if rep.Total.Bookings != sessions || len(got.refs) != sessions {
		t.Fatalf("%d bookings reported, %d references; want %d", rep.Total.Bookings, len(got.refs), sessions)
	}
	if rep.Retries["err.day_full"] == 0 {
		t.Fatalf("no day was found full (retries %v); the test no longer fills days", rep.Retries)
	}
	got.verify(t, w, 1)
}

// TestHangUp leaves sessions open part-way, as the live-sessions measurement does.
func TestHangUp(t *testing.T) {
	url, w := gateway(t, 10)
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: url, Profile: huduma(t, w), Phones: 4, Sessions: 20, HangUpAfter: 3,
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

func ExampleReport_WriteText() {
	rep := &loadgen.Report{Profile: "floor", Target: "http://127.0.0.1:3200/ussd", Mode: "closed", Phones: 32, Seconds: 20,
		Hops: 200000, HopsPerS: 10000, Sessions: 40000, SessionsPerS: 2000, Bookings: 40000}
	rep.WriteText(stdout{})
	// Output:
	// profile floor → http://127.0.0.1:3200/ussd, 32 phones (closed loop), 20.0 s measured
	//   hops        200000  (10000/s)
	//   sessions    40000 completed  (2000.0/s), 40000 of them bookings
	//   latency     p50 0.00 ms  p90 0.00 ms  p99 0.00 ms  p99.9 0.00 ms  max 0.00 ms  (mean 0.00 ms)
	//   whole run   0 sessions started: 0 completed, 0 abandoned, 0 failed, 0 cut off; 0 bookings; 0 hops
	//   errors      none
}

type stdout struct{}

func (stdout) Write(p []byte) (int, error) { fmt.Print(string(p)); return len(p), nil }
