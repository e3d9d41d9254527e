package crm_test

import (
	"os"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

func TestImportRequestsReportsBadRowsByLineAndImportsTheRest(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		ag, _, err := o.AddAgency(ctx, "NRB", "National Registration Bureau", []string{"ID-NEW", "ID-DUP"})
		if err != nil {
			t.Fatal(err)
		}
		run := func() crm.ImportReport {
			f, err := os.Open("testdata/requests.csv")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var calls int
			rep, err := o.ImportRequests(ctx, ag, f, func(done, total int) { calls++ })
			if err != nil {
				t.Fatal(err)
			}
			if calls != rep.Rows {
				t.Errorf("progress called %d times for %d rows", calls, rep.Rows)
			}
			return rep
		}
		rep := run()
		wantBad := map[int]string{
			4:  "ref",              // wrong check digit
			5:  "does not process", // BIRTH-CERT is not NRB's
			6:  "phone",            // not Kenyan
			7:  "unknown centre",   //
			8:  "reason",           // rejected without one
			9:  "expected_ready",   // not a date
			10: "ref is empty",     // no ticket number
		}
		if rep.Rows != 9 || rep.Created != 2 || len(rep.Bad) != len(wantBad) {
			t.Fatalf("report = %d rows, %d created, bad %v; want 9 rows, 2 created, %d bad", rep.Rows, rep.Created, rep.Bad, len(wantBad))
		}
		for _, bad := range rep.Bad {
			want, ok := wantBad[bad.Line]
			if !ok || !strings.Contains(bad.Error(), want) {
				t.Errorf("bad row %q, want line %d to mention %q", bad.Error(), bad.Line, want)
			}
		}
		// Nothing of a bad row was written: no request and no message for its phone.
		for _, p := range []crm.Phone{"+254712000004", "+254712000006", "+254712000007"} {
			if n := notifications(t, o.store, crm.NotificationFilter{Phone: p}); len(n) != 0 {
				t.Errorf("bad row for %s queued %d messages", crm.MaskPhone(string(p)), len(n))
			}
		}
		r, err := o.store.RequestByRef(ctx, "600042550")
		if err != nil || r.Status != crm.RequestReceived || r.Ready.Format("2006-01-02") != "2026-12-01" {
			t.Errorf("imported request = %+v, %v", r, err)
		}
		// A second run changes nothing and sends nothing more.
		before := len(notifications(t, o.store, crm.NotificationFilter{Kind: crm.NotifyRequestStatus}))
		again := run()
		if again.Created != 0 || again.Updated != 0 || again.Unchanged != 2 {
			t.Errorf("re-import: %+v, want 2 unchanged", again)
		}
		if after := len(notifications(t, o.store, crm.NotificationFilter{Kind: crm.NotifyRequestStatus})); after != before {
			t.Errorf("re-import queued %d more messages", after-before)
		}
	})
}
