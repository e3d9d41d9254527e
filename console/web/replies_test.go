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

// A supervisor keeps saved replies in both languages. On a Kiswahili case the agent is
// offered the Kiswahili ones only, inserts one by name after what they typed, sees it in the
// SMS preview, and sends it. An agent cannot edit the saved replies.
func TestSavedReplies(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		sup := newTab(t)
		errs := watchErrors(t, sup)
		s.login(t, sup, "chebet")
		for _, r := range []struct{ name, lang, body string }{
			{"Madirisha", "sw", "Madirisha mawili zaidi yatafunguliwa Jumatatu."},
			{"Counters", "en", "Two more counters open from Monday."},
		} {
			run(t, sup, chromedp.Navigate(s.url+"/console/replies"), chromedp.WaitVisible(chromedp.ID("reply-form")),
				chromedp.SendKeys(chromedp.ID("reply-name"), r.name), chromedp.SetValue(chromedp.ID("reply-lang"), r.lang),
				chromedp.SendKeys(chromedp.ID("reply-body"), r.body), chromedp.Click(chromedp.ID("save-reply")))
			waitFor(t, sup, `location.search.includes("done=saved")`, "the reply saved")
		}
		errs.none(t, "keeping saved replies")

		c, err := s.office.LodgeComplaint(storetest.Context(t), crm.Complaint{Phone: "+254712001100", Lang: crm.Swahili,
			Category: crm.CategoryLongWait, Centre: "KSM", Description: "Foleni ndefu", IdempotencyKey: "saved"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.office.Claim(storetest.Context(t), s.users["akinyi"], c.ID); err != nil {
			t.Fatal(err)
		}
		agent := newTab(t)
		s.login(t, agent, "akinyi")
		run(t, agent, chromedp.Navigate(fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)), chromedp.WaitVisible(chromedp.ID("saved-reply")))
		waitFor(t, agent, `document.documentElement.dataset.keys == "ready"`, "the page's script")
		if got := text(t, agent, "#saved-reply"); !strings.Contains(got, "Madirisha") || strings.Contains(got, "Counters") {
			t.Fatalf("saved replies offered on a Kiswahili case: %q", got)
		}
		run(t, agent, chromedp.SendKeys(chromedp.ID("text-reply"), "Samahani kwa kusubiri."))
		pick := `(() => { const sel = document.getElementById("saved-reply");
			sel.selectedIndex = [...sel.options].findIndex(o => o.text == "Madirisha");
			return sel.dispatchEvent(new Event("change")); })()`
		if _, err := chromedp.Run(agent, chromedp.Evaluate[bool](pick)); err != nil {
			t.Fatal(err)
		}
		want := "Samahani kwa kusubiri. Madirisha mawili zaidi yatafunguliwa Jumatatu."
		waitFor(t, agent, fmt.Sprintf(`document.getElementById("text-reply").value == %q`, want), "the saved reply in the box")
		waitFor(t, agent, `document.querySelector("#preview-reply").innerText.includes("yatafunguliwa Jumatatu")`, "the preview")
		run(t, agent, chromedp.Click(chromedp.ID("act-reply")))
		waitFor(t, agent, `!!document.querySelector("article.reply")`, "the reply sent")
		msgs, err := s.store.Notifications(storetest.Context(t), crm.NotificationFilter{Subject: crm.CaseSubject(c.Number), Kind: crm.NotifyCaseReply})
		if err != nil || len(msgs) != 1 || msgs[0].Params["body"] != want {
			t.Fatalf("the reply in the outbox: %+v, %v", msgs, err)
		}
		if resp, _ := s.get(t, "/console/replies", s.httpLogin(t, "akinyi")); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an agent's saved-replies page: %d", resp.StatusCode)
		}
	})
}
