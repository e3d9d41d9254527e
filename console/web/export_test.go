package web_test

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

var caseLink = regexp.MustCompile(`class="case-link" href="[^"]+">([0-9 ]+)<`)

// The CSV a list downloads has a header row and exactly the rows the page shows for the same
// filter, in the same order.
func TestExportHasThePagesRows(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		for i, cat := range []crm.Category{crm.CategoryLongWait, crm.CategoryStaffConduct, crm.CategoryWrongInfo, crm.CategoryLongWait} {
			s.complaint(t, crm.Phone("+2547120005"+string(rune('0'+i))+"0"), cat, "Foleni ndefu "+string(cat))
		}
		cookie := s.httpLogin(t, "akinyi")
		for _, query := range []string{"list=all&status=any", "list=all&status=new", "list=mine&status=open", "list=all&status=any&q=foleni+long_wait"} {
			_, page := s.get(t, "/console/?"+query, cookie)
			var want []string
			for _, m := range caseLink.FindAllStringSubmatch(page, -1) {
				want = append(want, m[1])
			}
			resp, body := s.get(t, "/console/export.csv?"+query, cookie)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv; charset=utf-8") {
				t.Fatalf("%s: %d %s", query, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			if len(records) == 0 || records[0][0] != "case" || records[0][5] != "deadline" {
				t.Fatalf("%s: header %v", query, records)
			}
			var got []string
			for _, r := range records[1:] {
				got = append(got, r[0])
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: CSV rows %v, page rows %v", query, got, want)
			}
		}
		if resp, _ := s.get(t, "/console/export.csv?list=all&colour=red", cookie); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("an unknown filter exported with %d", resp.StatusCode)
		}
	})
}

// An agent starts a shift from any page; the round-robin then gives new cases to them.
func TestStartingAShiftBringsCases(t *testing.T) {
	s := newSite(t, realstore.Kinds[0].OpenSeeded(t))
	tab := newTab(t)
	s.login(t, tab, "akinyi")
	run(t, tab, chromedp.Click(chromedp.ID("shift-toggle")))
	waitText(t, tab, "#shift", "On shift: new cases come to you")
	c := s.complaint(t, "+254712000600", crm.CategoryLongWait, "Queue")
	got, err := s.store.Case(storetest.Context(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AssigneeID != s.users["akinyi"].ID {
		t.Fatalf("a new case went to user %d, not to the agent on shift", got.AssigneeID)
	}
	run(t, tab, chromedp.Click(chromedp.ID("shift-toggle")))
	waitText(t, tab, "#shift", "Away: no new cases come to you")
}
