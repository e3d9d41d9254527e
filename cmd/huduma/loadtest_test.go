package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/ussd/loadgen"
)

// huduma loadtest against the gateway as `huduma serve` assembles it, on both store pairs,
// with its default mix of bookings, complaints and status checks: no unexpected answer, and
// every booking and complaint the callers completed is in the database, as the report counts
// them.
func TestLoadtestCommand(t *testing.T) {
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
			base, gw := startGatewayWith(t, args(t)...)
			// The random phone's 8 digits, as a number (a leading 0 would read as octal).
			n, err := strconv.ParseInt(randomPhone(t)[5:], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			first := strconv.FormatInt(n, 10)
			var stdout, stderr bytes.Buffer
			const sessions = 30
			err = loadtest(context.Background(), []string{
				"-target", base + "/at/ussd", "-phones", "4", "-sessions", fmt.Sprint(sessions),
				"-first-phone", first, "-json",
			}, &stdout, &stderr)
			if err != nil {
				t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			var rep loadgen.Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("%v: %s", err, stdout.String())
			}
			tot := rep.Total
			if rep.Errors != 0 || tot.Bookings+tot.Complaints+tot.StatusChecks != sessions || rep.HopsPerS <= 0 || rep.Latency.P99 <= 0 ||
				rep.Mix != "book=70,complaint=15,status=15" {
				t.Fatalf("report %s", stdout.String())
			}
			// Each session called from a phone of its own: a booking is one appointment, a
			// complaint one case.
			var booked, lodged int64
			for i := range int64(sessions) {
				phone := crm.Phone(fmt.Sprintf("+2547%08d", (n+i)%100_000_000))
				appts, err := gw.desk.Upcoming(context.Background(), phone)
				if err != nil || len(appts) > 1 {
					t.Fatalf("%s: %d appointments, %v", phone, len(appts), err)
				}
				cases, err := gw.store.Cases(context.Background(), crm.CaseFilter{Phone: phone})
				if err != nil || len(cases) > 1 || len(cases)+len(appts) > 1 {
					t.Fatalf("%s: %d cases and %d appointments, %v", phone, len(cases), len(appts), err)
				}
				booked += int64(len(appts))
				lodged += int64(len(cases))
			}
			if booked != tot.Bookings || lodged != tot.Complaints {
				t.Fatalf("%d bookings and %d complaints reported; the database holds %d and %d", tot.Bookings, tot.Complaints, booked, lodged)
			}
		})
	}
}

// -mix chooses the journeys: with only bookings, every session is a booking.
func TestLoadtestMix(t *testing.T) {
	base, _ := startGatewayWith(t, "-db", "sqlite:"+filepath.Join(t.TempDir(), "huduma.db"))
	var stdout, stderr bytes.Buffer
	const sessions = 8
	err := loadtest(context.Background(), []string{
		"-target", base + "/at/ussd", "-phones", "2", "-sessions", fmt.Sprint(sessions), "-mix", "book=1", "-json", "-quiet",
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var rep loadgen.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if rep.Errors != 0 || rep.Total.Bookings != sessions || rep.Mix != "book=1" {
		t.Fatalf("report %s", stdout.String())
	}
}

// An unexpected answer makes the command fail, after printing the report with a sample.
func TestLoadtestFailsOnUnexpectedAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	err := loadtest(context.Background(), []string{"-target", srv.URL, "-profile", "floor", "-phones", "2", "-sessions", "3", "-quiet"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "3 unexpected answers") {
		t.Fatalf("err %v", err)
	}
	if out := stdout.String(); !strings.Contains(out, "http-status") || !strings.Contains(out, "503") {
		t.Fatalf("report:\n%s", out)
	}
	if stderr.Len() != 0 {
		t.Fatalf("-quiet printed progress: %s", stderr.String())
	}
}

func TestLoadtestRefusesBadFlags(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{
		{"-profile", "nope"}, {"-phones", "many"}, {"stray"},
		{"-mix", "book=lots"}, {"-mix", "call=1"}, {"-profile", "peer", "-mix", "complaint=1"}, {"-mix", "book=0"},
	} {
		if err := loadtest(context.Background(), args, &out, &out); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// The admin listener is off without an address, and with one serves the profiles and what
// the gateway registered (/metrics) on a listener of its own.
func TestAdminListener(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "huduma_up 1\n") })
	stop, err := startAdmin("", mux, log)
	if err != nil {
		t.Fatal(err)
	}
	stop()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err = startAdmin(addr, mux, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/debug/pprof/cmdline", "/metrics"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	if _, err := startAdmin(addr, http.NewServeMux(), log); err == nil || !strings.Contains(err.Error(), "HUDUMA_ADMIN_ADDR") {
		t.Fatalf("a second listener on the same address: %v, want an error naming HUDUMA_ADMIN_ADDR", err)
	}
	stop()
	stop()
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Fatal("the admin listener still answers after stop")
	}
}
