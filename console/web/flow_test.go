package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// An agent's morning, in a real browser: log in, find the case whose number a citizen reads
// out over the phone (with spaces, as people say it), claim it, reply, resolve it. The
// citizen's outbox then holds the reply and the resolution, and no page showed an error.
func TestAgentWorksACaseInTheBrowser(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		other := s.complaint(t, "+254712000001", crm.CategoryStaffConduct, "Rude at the counter")
		c := s.complaint(t, "+254712000002", crm.CategoryLongWait, "Waited four hours for my ID")
		tab := newTab(t)
		errs := watchErrors(t, tab)
		s.login(t, tab, "akinyi")
		run(t, tab, chromedp.Navigate(s.url+"/console/?list=all&status=open"), chromedp.WaitVisible(chromedp.CSS(`table.cases`)))
		screenshot(t, tab, "inbox")

		spoken := strings.ReplaceAll(c.Number.Grouped(), " ", "  ") // "600  042  550", as typed while listening
		run(t, tab, chromedp.SendKeys(chromedp.ID("q"), spoken+"\n"))
		waitFor(t, tab, `location.search.includes("q=") && !!document.querySelector("table.cases")`, "the search results")
		if got := text(t, tab, `table.cases tbody`); !strings.Contains(got, c.Number.Grouped()) || strings.Contains(got, other.Number.Grouped()) {
			t.Fatalf("search for %q found:\n%s", spoken, got)
		}
		run(t, tab, chromedp.Click(chromedp.CSS(`a.case-link`)), chromedp.WaitVisible(chromedp.ID("act-claim")),
			chromedp.Click(chromedp.ID("act-claim")))
		waitText(t, tab, "#case-assignee", "Akinyi Otieno")
		run(t, tab, chromedp.SendKeys(chromedp.ID("text-reply"), "We are sorry. Two more counters open from Monday."),
			chromedp.Click(chromedp.ID("act-reply")), chromedp.WaitVisible(chromedp.CSS(`article.reply`)))
		screenshot(t, tab, "case")
		run(t, tab, chromedp.SendKeys(chromedp.ID("text-resolve"), "Counters added; please tell us if it happens again."),
			chromedp.Click(chromedp.ID("act-resolve")))
		waitText(t, tab, "#case-status", "Resolved")
		errs.none(t, "the agent's flow")

		msgs, err := s.store.Notifications(storetest.Context(t), crm.NotificationFilter{Subject: crm.CaseSubject(c.Number)})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[crm.NotificationKind]string{}
		for _, m := range msgs {
			kinds[m.Kind] = m.Params["note"] + m.Params["text"] + m.Params["body"]
		}
		if _, ok := kinds[crm.NotifyCaseReply]; !ok {
			t.Fatalf("no reply in the citizen's outbox: %+v", msgs)
		}
		if _, ok := kinds[crm.NotifyCaseResolved]; !ok {
			t.Fatalf("no resolution in the citizen's outbox: %+v", msgs)
		}
	})
}
