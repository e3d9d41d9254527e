package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/ussd"
)

// startGateway runs the gateway exactly as `huduma serve` assembles it, with the given flags,
// on a free loopback port, and returns its base URL.
func startGateway(t testing.TB, args ...string) string {
	base, _ := startGatewayWith(t, args...)
	return base
}

func startGatewayWith(t testing.TB, args ...string) (string, *gateway) {
	t.Helper()
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := cfg.flags(fs, true); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gw, err := openGateway(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gw.app.Listener(gw.conns.wrap(ln))
	t.Cleanup(func() {
		cancel()
		gw.app.Shutdown()
		gw.close()
	})
	return "http://" + ln.Addr().String(), gw
}

// randomPhone keeps runs apart on a shared Redis, where a phone's resume copy outlives a test.
func randomPhone(t *testing.T) string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e8))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("+2547%08d", n)
}

// handset drives one USSD session through the same client `huduma dial` uses.
type handset struct {
	t       *testing.T
	sim     *ussd.Simulator
	session string
	history []string
	screen  string
	end     bool
}

func dialGateway(t *testing.T, base, phone string) *handset {
	id, err := ussd.NewSimSessionID()
	if err != nil {
		t.Fatal(err)
	}
	h := &handset{t: t, sim: &ussd.Simulator{URL: base + "/at/ussd", Phone: phone}, session: id}
	return h.send()
}

func (h *handset) send() *handset {
	h.t.Helper()
	var err error
	h.screen, h.end, err = h.sim.Hop(context.Background(), h.session, strings.Join(h.history, "*"))
	if err != nil {
		h.t.Fatal(err)
	}
	return h
}

// pick presses the number shown beside label, paging with 98 until it shows.
func (h *handset) pick(label string) *handset {
	h.t.Helper()
	for page := 0; page < 30; page++ {
		for _, line := range strings.Split(h.screen, "\n") {
			if num, rest, ok := strings.Cut(line, ". "); ok && rest == label {
				h.history = append(h.history, num)
				return h.send()
			}
		}
		if !strings.Contains(h.screen, "98.") {
			break
		}
		h.history = append(h.history, "98")
		h.send()
	}
	h.t.Fatalf("no %q on the screen:\n%s", label, h.screen)
	return h
}

func (h *handset) press(input string) *handset {
	h.history = append(h.history, input)
	return h.send()
}

func (h *handset) expect(prefix string, end bool) *handset {
	h.t.Helper()
	if !strings.HasPrefix(h.screen, prefix) || h.end != end {
		h.t.Fatalf("screen (end=%v):\n%s\nwant prefix %q, end=%v", h.end, h.screen, prefix, end)
	}
	return h
}

// The "done when": book a birth-certificate appointment at Huduma Centre Kisumu in
// Kiswahili, see it under My appointments, cancel it — on the embedded default and on
// Postgres + Redis.
func TestCitizenJourney(t *testing.T) {
	stores := map[string]func(t *testing.T) []string{
		"embedded": func(t *testing.T) []string {
			return []string{"-db", "sqlite:" + filepath.Join(t.TempDir(), "huduma.db")}
		},
		"postgres+redis": func(t *testing.T) []string {
			return []string{"-db", storetest.PostgresSchema(t), "-redis", storetest.RedisURL(t)}
		},
	}
	for name, args := range stores {
		t.Run(name, func(t *testing.T) {
			base := startGateway(t, args(t)...)
			phone := randomPhone(t)
			h := dialGateway(t, base, phone).expect("Karibu Huduma! Welcome!", false)
			h.pick("Kiswahili").pick("Weka miadi").pick("Kisumu").pick("Kisumu").pick("Cheti cha kuzaliwa")
			h.press("1").press("1").expect("Miadi yako:\nCheti cha kuzaliwa\nKituo cha Huduma Kisumu", false)
			h.pick("Thibitisha").expect("Miadi imewekwa! Nambari ", true)
			ref := strings.TrimPrefix(strings.SplitN(h.screen, "\n", 2)[0], "Miadi imewekwa! Nambari ")

			h = dialGateway(t, base, phone).expect("Karibu Huduma Kenya\n1. Weka miadi", false).pick("Miadi yangu")
			if !strings.Contains(h.screen, "Cheti cha kuzaliwa") {
				t.Fatalf("My appointments:\n%s", h.screen)
			}
			h.press("1").expect("Miadi "+ref, false).pick("Ghairi miadi").pick("Ndiyo, ighairi").
				expect("Miadi "+ref+" imeghairiwa.", true)
			dialGateway(t, base, phone).pick("Miadi yangu").expect("Huna miadi ijayo.", false)
		})
	}
}

// huduma dial, fed from a pipe: the simulator shows each screen and ends on END.
func TestDialCommandSession(t *testing.T) {
	base := startGateway(t, "-db", "sqlite:"+filepath.Join(t.TempDir(), "huduma.db"))
	var out bytes.Buffer
	sim := &ussd.Simulator{URL: base + "/at/ussd", Phone: randomPhone(t)}
	if err := sim.Run(context.Background(), strings.NewReader("1\n2\n0\n"), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Choose language", "Huduma Kenya\n1. Book appointment", "You have no upcoming appointments."} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("dial output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestServerLimitsAndHealth(t *testing.T) {
	base, gw := startGatewayWith(t, "-db", "sqlite:"+filepath.Join(t.TempDir(), "huduma.db"))
	client := &http.Client{Timeout: 10 * time.Second}

	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}

	huge := "sessionId=x&phoneNumber=%2B254712345678&text=" + strings.Repeat("1", bodyLimit)
	resp, err = client.Post(base+"/at/ussd", "application/x-www-form-urlencoded", strings.NewReader(huge))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit got %d", resp.StatusCode)
	}

	// With its database gone, the replica reports itself unhealthy.
	gw.store.Close()
	resp, err = client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Up or down, no more: what is down is in the log, not told to whoever asks.
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "unavailable\n" {
		t.Fatalf("healthz without a database: %d %q", resp.StatusCode, body)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	t.Setenv("HUDUMA_SLOT_CAPACITY", "ten")
	t.Setenv("HUDUMA_HOP_DEADLINE", "soon")
	var cfg config
	err := cfg.flags(flag.NewFlagSet("serve", flag.ContinueOnError), true)
	if err == nil || !strings.Contains(err.Error(), "HUDUMA_SLOT_CAPACITY") || !strings.Contains(err.Error(), "HUDUMA_HOP_DEADLINE") {
		t.Fatalf("bad environment accepted: %v", err)
	}
	cfg = config{Timezone: "Africa/Nairobi", SaturdayHours: "13:00-08:00"}
	if _, err := cfg.calendar(); err == nil {
		t.Fatal("Saturday closing before opening accepted")
	}
}

func TestDatabaseURLSelection(t *testing.T) {
	_, _, err := openStore(context.Background(), "mysql://admin:hunter2@db/huduma")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("unknown scheme: %v", err)
	}
	s, name, err := openStore(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil || !strings.HasPrefix(name, "sqlite ") {
		t.Fatalf("sqlite: %q, %v", name, err)
	}
	s.Close()
}

// huduma migrate and huduma seed prepare a database on their own; seeding twice keeps the
// first seed's rows and adds nothing twice.
func TestMigrateAndSeedCommands(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "huduma.db")
	ctx := context.Background()
	if err := migrateCommand(ctx, []string{"-db", url}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seedCommand(ctx, []string{"-db", url}); err != nil {
			t.Fatal(err)
		}
	}
	s, _, err := openStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data, err := s.ReferenceData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Centres) != 52 || len(data.Services) != 67 || len(data.Offerings) == 0 || len(data.Holidays) == 0 {
		t.Fatalf("after seeding twice: %d centres, %d services, %d offerings, %d holidays",
			len(data.Centres), len(data.Services), len(data.Offerings), len(data.Holidays))
	}
}
