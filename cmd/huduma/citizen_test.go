package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// `huduma citizen`: the copy of a citizen's data, its erasure, the record of erasures and the
// check that nothing is left, on both stores.
func TestCitizenCommand(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			ctx := storetest.Context(t)
			url := db.url(t)
			var cfg config // as the commands read it
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			if err := cfg.flags(fs, false); err != nil {
				t.Fatal(err)
			}
			if err := fs.Parse([]string{"-db", url, "-log-level", "error"}); err != nil {
				t.Fatal(err)
			}
			bo, err := openBackOffice(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			const phone = crm.Phone("+254712000077")
			words := "The clerk at window 4 was rude to my mother"
			if _, err := bo.office.LodgeComplaint(ctx, crm.Complaint{Phone: phone, Lang: crm.English, Centre: "KSM",
				Category: crm.CategoryStaffConduct, Description: words}); err != nil {
				t.Fatal(err)
			}
			if _, err := bo.office.LodgeComplaint(ctx, crm.Complaint{Phone: phone, Lang: crm.English, Centre: "KSM",
				Category: crm.CategoryCorruption, Description: "asked for a bribe"}); err != nil {
				t.Fatal(err)
			}
			bo.store.Close()

			run := func(args ...string) string {
				t.Helper()
				var out bytes.Buffer
				if err := citizenCommand(ctx, append(args, "-db", url), &out); err != nil {
					t.Fatalf("citizen %s: %v", strings.Join(args, " "), err)
				}
				return out.String()
			}
			var x struct {
				Phone      string
				ExportedBy string `json:"exported_by"`
				Cases      []struct {
					Case struct{ Description, Queue string }
				}
			}
			if err := json.Unmarshal([]byte(run("export", "0712000077")), &x); err != nil {
				t.Fatal(err)
			}
			if x.Phone != string(phone) || !strings.HasPrefix(x.ExportedBy, "cli:") || len(x.Cases) != 2 || x.Cases[0].Case.Description != words {
				t.Errorf("export: %+v", x)
			}
			if out := run("find", "+254712000077", words); !strings.Contains(out, "cases.phone: 2 rows") || !strings.Contains(out, "cases.description: 1 rows") {
				t.Errorf("find before the erasure:\n%s", out)
			}

			var out bytes.Buffer
			if err := citizenCommand(ctx, []string{"erase", "0712000077", "-db", url}, &out); err == nil {
				t.Error("an erasure without a reason was accepted")
			}
			var e struct {
				Token, By string
				Counts    map[string]int
			}
			if err := json.Unmarshal([]byte(run("erase", "254712000077", "-reason", "letter DPO/17")), &e); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(e.Token, crm.ErasedPrefix) || !strings.HasPrefix(e.By, "cli:") || e.Counts["cases"] != 2 {
				t.Errorf("erase: %+v", e)
			}
			if out := run("find", "0712000077", words, "asked for a bribe"); !strings.HasPrefix(out, "nothing found in the ") {
				t.Errorf("find after the erasure:\n%s", out)
			}
			var list struct{ Erasures []struct{ Reason string } }
			if err := json.Unmarshal([]byte(run("erasures")), &list); err != nil {
				t.Fatal(err)
			}
			if len(list.Erasures) != 1 || list.Erasures[0].Reason != "letter DPO/17" {
				t.Errorf("erasures: %+v", list)
			}
			for _, bad := range [][]string{{"export"}, {"export", "12345"}, {"shred", "0712000077"}, {"erasures", "0712000077"}} {
				if err := citizenCommand(ctx, append(bad, "-db", url), &out); err == nil {
					t.Errorf("citizen %v was accepted", bad)
				}
			}
		})
	}
}

func TestRetentionSettings(t *testing.T) {
	var cfg config
	if err := cfg.flags(flag.NewFlagSet("serve", flag.ContinueOnError), true); err != nil {
		t.Fatal(err)
	}
	if got := crm.Retention(cfg.Retention); got != crm.DefaultRetention() {
		t.Errorf("the default schedule: %+v, want %+v", got, crm.DefaultRetention())
	}
	t.Setenv("HUDUMA_RETAIN_CLOSED_CASES", "3y")
	t.Setenv("HUDUMA_RETAIN_RECORDINGS", "off")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg = config{}
	if err := cfg.flags(fs, true); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"-retain-message-bodies", "30d"}); err != nil {
		t.Fatal(err)
	}
	want := crm.Retention{ClosedCases: crm.Period{Months: 36}, MessageBodies: crm.Period{Days: 30}, AppointmentPhones: crm.Period{Months: 12}}
	if got := crm.Retention(cfg.Retention); got != want {
		t.Errorf("configured schedule: %+v, want %+v", got, want)
	}
	t.Setenv("HUDUMA_RETAIN_APPOINTMENT_PHONES", "a year")
	cfg = config{}
	if err := cfg.flags(flag.NewFlagSet("serve", flag.ContinueOnError), true); err == nil || !strings.Contains(err.Error(), "HUDUMA_RETAIN_APPOINTMENT_PHONES") {
		t.Errorf("a bad period: %v", err)
	}
}

// `huduma citizen` speaks as every command does (see TestOneUsageStyle).
func TestCitizenUsage(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"citizen"}, 2, "needs one of these subcommands"},
		{[]string{"citizen", "shred"}, 2, `has no subcommand "shred"`},
		{[]string{"citizen", "export", "-h"}, 0, "usage: huduma citizen export PHONE"},
		{[]string{"citizen", "erase", "-h"}, 0, "-reason"},
		{[]string{"citizen", "export", "-db", db}, 2, "a PHONE is required"},
		{[]string{"citizen", "export", "12345", "-db", db}, 2, "not a Kenyan mobile number"},
		{[]string{"citizen", "erase", "0712000077", "-db", db}, 2, "-reason is required"},
		{[]string{"citizen", "erase", "0712000077", "letter", "-db", db}, 2, "unexpected arguments"},
		{[]string{"citizen", "erasures", "0712000077", "-db", db}, 2, "takes no PHONE"},
		{[]string{"citizen", "export", "0712000077", "-sla", "x", "-db", db}, 2, "-sla does not apply"},
	} {
		code, out, errs := captured(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errs, tt.want) {
			t.Errorf("huduma %s: exit %d, want %d with %q:\n%s%s", strings.Join(tt.args, " "), code, tt.code, tt.want, out, errs)
		}
	}
}
