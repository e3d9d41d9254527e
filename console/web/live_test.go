package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Two agents watch the Unassigned list in two browsers. A new case appears in both, and when
// one agent claims it, it leaves the other's list: no reload, through the store's case feed
// (in process on SQLite, LISTEN/NOTIFY on Postgres). The times are logged, not asserted.
func TestInboxesStayLive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		unassigned := s.url + "/console/?list=unassigned&status=open"
		a, b := newTab(t), newTab(t)
		errs := watchErrors(t, b)
		for user, tab := range map[string]context.Context{"akinyi": a, "baraka": b} {
			s.login(t, tab, user)
			run(t, tab, chromedp.Navigate(unassigned), chromedp.WaitVisible(chromedp.CSS("#list")))
			if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
				t.Fatal(err)
			}
		}
		waitSSE(t, a)
		waitSSE(t, b)

		began := time.Now()
		c := s.complaint(t, "+254712000700", crm.CategoryLongWait, "Queue at the ID desk")
		number := c.Number.Grouped()
		waitFor(t, a, fmt.Sprintf(`document.querySelector("#list").innerText.includes(%q)`, number), "the new case in A's list")
		waitFor(t, b, fmt.Sprintf(`document.querySelector("#list").innerText.includes(%q)`, number), "the new case in B's list")
		t.Logf("a new case reached both inboxes in %v", time.Since(began).Round(time.Millisecond))

		// Opened by its address: a click could land on a row the live list is re-drawing.
		run(t, a, chromedp.Navigate(fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)), chromedp.WaitVisible(chromedp.ID("act-claim")))
		began = time.Now()
		run(t, a, chromedp.Click(chromedp.ID("act-claim")))
		waitFor(t, b, fmt.Sprintf(`!document.querySelector("#list").innerText.includes(%q)`, number), "the claimed case gone from B's list")
		t.Logf("a claim reached the other inbox in %v", time.Since(began).Round(time.Millisecond))
		if stayed, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !stayed {
			t.Fatalf("B's page was reloaded (%v)", err)
		}
		got, err := s.store.Case(storetest.Context(t), c.ID)
		if err != nil || got.AssigneeID != s.users["akinyi"].ID {
			t.Fatalf("case after the claim: %+v, %v", got, err)
		}
		errs.none(t, "the live inbox")
	})
}

// A case page drawn before someone else changed the case says so, live.
func TestCasePageSaysWhenTheCaseChanged(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		c := s.complaint(t, "+254712000701", crm.CategoryLongWait, "Queue")
		tab := newTab(t)
		s.login(t, tab, "baraka")
		run(t, tab, chromedp.Navigate(fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)), chromedp.WaitVisible(chromedp.ID("act-claim")))
		waitSSE(t, tab)
		if _, err := s.office.Claim(storetest.Context(t), s.users["akinyi"], c.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, tab, `document.querySelector("#changed").innerText.includes("reload")`, "the notice that the case changed")
	})
}

// waitSSE waits until the page's event stream is open, so that what follows is heard.
func waitSSE(t *testing.T, tab context.Context) {
	t.Helper()
	waitFor(t, tab, `(() => { const el = document.querySelector("[sse-connect]");
		const src = el && htmx.find && el["htmx-internal-data"] && el["htmx-internal-data"].sseEventSource;
		return !!src && src.readyState === 1; })()`, "the event stream to open")
}

// waitFor polls a JavaScript condition in the page until it holds (20 s at most).
func waitFor(t *testing.T, tab context.Context, cond, what string) {
	t.Helper()
	testkit.Eventually(t, func() bool {
		ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](cond))
		return err == nil && ok
	}, 20*time.Second, "waited 20 s for %s", what)
}
