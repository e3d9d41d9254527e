package main

import (
	"flag"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A gateway other machines can reach does not start without a callback key, unless told to
// (loudly); on loopback it starts without one, as the README's two commands need.
func TestStartRefusedWithoutACallbackKey(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		refused bool
	}{
		{[]string{"-addr", "0.0.0.0:8080"}, true},
		{[]string{"-addr", ":8080"}, true},
		{[]string{"-addr", "192.0.2.10:8080"}, true},
		{[]string{"-addr", "127.0.0.1:8080"}, false},
		{[]string{"-addr", "localhost:8080"}, false},
		{[]string{"-addr", "[::1]:8080"}, false},
		{[]string{"-addr", "0.0.0.0:8080", "-callback-key", "k-0123456789abcdef"}, false},
		{[]string{"-addr", "0.0.0.0:8080", "-insecure-callbacks"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-callback-key-previous", "old"}, true},
		{[]string{"-addr", "127.0.0.1:8080", "-callback-allow", "not-a-network"}, true},
	} {
		var cfg config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		if err := cfg.flags(fs, true); err != nil {
			t.Fatal(err)
		}
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		log, logs := testkit.Logger(t)
		logs.AllowErrors()
		_, err := callbackGuard(cfg, log)
		if refused := err != nil; refused != tt.refused {
			t.Errorf("%v: refused %v (%v), want %v", tt.args, refused, err, tt.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "HUDUMA_CALLBACK_") {
			t.Errorf("%v: the refusal does not name the setting: %v", tt.args, err)
		}
		if slices := tt.args; len(slices) > 2 && slices[2] == "-insecure-callbacks" && !logs.Contains("CALLBACKS ARE NOT AUTHENTICATED") {
			t.Errorf("%v: no loud warning:\n%s", tt.args, logs.String())
		}
	}
}

// A forged CANCEL, without the key, is refused and the appointment stands; during a rotation
// the previous key still works, and every callback route is guarded.
func TestForgedCallbacksAreRefused(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			ctx := storetest.Context(t)
			base, gw := startGatewayWith(t, "-db", db.url(t), "-callback-key", "new-key-0123456789", "-callback-key-previous", "old-key-0123456789")
			phone := crm.Phone(randomPhone(t))
			day := gw.desk.Now().AddDate(0, 0, 14)
			for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				day = day.AddDate(0, 0, 1)
			}
			appt, err := gw.desk.Book(ctx, crm.Booking{Phone: phone, Centre: "KSM", Service: "ID-NEW", Day: crm.DateOf(day), Start: 10 * 60, IdempotencyKey: "forged-" + string(phone)})
			if err != nil {
				t.Fatal(err)
			}
			cancel := func(query, id string) int {
				t.Helper()
				form := url.Values{"id": {id}, "from": {string(phone)}, "to": {"40404"}, "text": {"CANCEL " + string(appt.Ref)}, "date": {"2026-11-24 06:00:00"}}
				resp, err := http.Post(base+"/at/sms/inbound"+query, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			booked := func() bool {
				t.Helper()
				list, err := gw.desk.Upcoming(ctx, phone)
				if err != nil {
					t.Fatal(err)
				}
				return len(list) == 1
			}
			for _, q := range []string{"", "?key=", "?key=guess", "?key=new-key-012345678"} {
				if code := cancel(q, "ATXid_forged"+q); code != http.StatusForbidden {
					t.Fatalf("forged CANCEL %q: %d, want 403", q, code)
				}
			}
			if !booked() {
				t.Fatal("a forged CANCEL cancelled the appointment")
			}
			for _, path := range []string{"/at/ussd", "/at/voice", "/at/sms/delivery"} {
				resp, err := http.Post(base+path+"?key=guess", "application/x-www-form-urlencoded", strings.NewReader("sessionId=x"))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s with a wrong key: %d, want 403", path, resp.StatusCode)
				}
			}
			if code := cancel("?key=old-key-0123456789", "ATXid_real"); code != http.StatusOK || booked() {
				t.Fatalf("CANCEL with the previous key during a rotation: %d, still booked %v", code, booked())
			}
			if byKey, _ := gw.guard.Refused(); byKey != 7 {
				t.Errorf("refused %d by key, want 7", byKey)
			}
		})
	}
}

// Strict-Transport-Security is sent when the gateway's public address is https, on the API
// and the console alike, and never over plain http.
func TestHSTSFollowsThePublicURL(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-public-url", "http://huduma.test"}, false},
		{[]string{"-public-url", "https://huduma.example.go.ke"}, true},
	} {
		base, _ := startGatewayWith(t, append([]string{"-db", "sqlite:" + t.TempDir() + "/h.db"}, tt.args...)...)
		for _, path := range []string{"/api/v1/openapi.json", "/console/login"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security") != ""; got != tt.want {
				t.Errorf("%v %s: HSTS %v, want %v", tt.args, path, got, tt.want)
			}
		}
	}
}
