package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A supervisor watches the board: the open cases by level and language, the agents with
// their loads, the longest-waiting case. A new case shows up on it live; the supervisor
// reassigns a case from its page and the loads follow. An agent has no board.
func TestSupervisorBoard(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		ctx := storetest.Context(t)
		first := s.complaint(t, "+254712000800", crm.CategoryLongWait, "Queue since morning")
		s.complaint(t, "+254712000801", crm.CategoryStaffConduct, "Rude guard")
		if _, err := s.office.Claim(ctx, s.users["akinyi"], first.ID); err != nil {
			t.Fatal(err)
		}
		tab := newTab(t)
		errs := watchErrors(t, tab)
		s.login(t, tab, "chebet")
		run(t, tab, chromedp.Click(chromedp.ID("nav-board")), chromedp.WaitVisible(chromedp.ID("open-counts")))
		waitSSE(t, tab)
		if got := text(t, tab, "#open-counts tbody"); !strings.Contains(got, "L1 · English\t2") {
			t.Fatalf("open counts:\n%s", got)
		}
		if got := text(t, tab, "#people-table tbody"); !strings.Contains(got, "Akinyi Otieno\taway\t1 / 15") || !strings.Contains(got, "Baraka Mwangi\taway\t0 / 15") {
			t.Fatalf("people:\n%s", got)
		}
		if got := text(t, tab, "#oldest ~ ul, section[aria-labelledby=oldest] ul"); !strings.Contains(got, "Staff conduct") {
			t.Fatalf("oldest waiting:\n%s", got)
		}
		s.complaint(t, "+254712000802", crm.CategoryWrongInfo, "Wrong fee quoted")
		waitFor(t, tab, `document.querySelector("#open-counts tbody").innerText.includes("L1 · English\t3")`, "the board to count the new case")
		screenshot(t, tab, "board")

		// Reassign the first case from Akinyi to Baraka.
		run(t, tab, chromedp.Navigate(fmt.Sprintf("%s/console/cases/%d", s.url, first.ID)), chromedp.WaitVisible(chromedp.ID("assign-to")),
			chromedp.SetValue(chromedp.ID("assign-to"), fmt.Sprint(s.users["baraka"].ID)), chromedp.Click(chromedp.ID("act-assign")))
		waitFor(t, tab, `location.search.includes("done=") || !!document.querySelector("p.error")`, "the assignment's answer")
		if msg := text(t, tab, "p.error"); msg != "<none>" {
			t.Fatalf("assigning refused: %s", msg)
		}
		waitText(t, tab, "#case-assignee", "Baraka Mwangi")
		run(t, tab, chromedp.Navigate(s.url+"/console/board"), chromedp.WaitVisible(chromedp.ID("people-table")))
		if got := text(t, tab, "#people-table tbody"); !strings.Contains(got, "Baraka Mwangi\taway\t1 / 15") || !strings.Contains(got, "Akinyi Otieno\taway\t0 / 15") {
			t.Fatalf("people after the reassignment:\n%s", got)
		}
		errs.none(t, "the board")

		if resp, _ := s.get(t, "/console/board", s.httpLogin(t, "akinyi")); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an agent's board: %d", resp.StatusCode)
		}
	})
}
