package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

// While the agent types a reply, the page shows the SMS exactly as the citizen will get it
// (the template around the text, in the citizen's language) and how many parts it takes; a
// character outside the SMS alphabet is called out, since it more than halves each part.
func TestReplyPreviewShowsTheSMS(t *testing.T) {
	s := newSite(t, realstore.Kinds[0].OpenSeeded(t))
	c, err := s.office.LodgeComplaint(t.Context(), crm.Complaint{Phone: "+254712001000", Lang: crm.Swahili,
		Category: crm.CategoryLongWait, Centre: "KSM", Description: "Foleni ndefu", IdempotencyKey: "preview"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.office.Claim(t.Context(), s.users["akinyi"], c.ID); err != nil {
		t.Fatal(err)
	}
	tab := newTab(t)
	errs := watchErrors(t, tab)
	s.login(t, tab, "akinyi")
	run(t, tab, chromedp.Navigate(fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)), chromedp.WaitVisible(chromedp.ID("text-reply")),
		chromedp.SendKeys(chromedp.ID("text-reply"), "Tumefungua madirisha mawili zaidi."))
	waitFor(t, tab, `document.querySelector("#preview-reply pre") !== null`, "the preview")
	preview := text(t, tab, "#preview-reply")
	for _, want := range []string{"Kiswahili: 1 SMS part", "Tumefungua madirisha mawili zaidi.", c.Number.Grouped()} {
		if !strings.Contains(preview, want) {
			t.Fatalf("preview lacks %q:\n%s", want, preview)
		}
	}
	// retype replaces the reply's text as a paste would, and waits for its preview.
	retype := func(text, want string) string {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const el = document.getElementById("text-reply");
			el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`, text))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, tab, fmt.Sprintf(`document.querySelector("#preview-reply").innerText.includes(%q)`, want), want)
		return text2(t, tab)
	}
	if got := retype("Asante “sana” kwa subira.", "outside the SMS alphabet"); !strings.Contains(got, "1 SMS part") {
		t.Fatalf("a short reply with curly quotes: %q", got)
	}
	got := retype(strings.Repeat("Asante kwa subira yako. ", 30), "Too long for one message")
	if !strings.Contains(got, "3 SMS part") || !strings.Contains(got, "...") {
		t.Fatalf("a reply too long for three parts: %q", got)
	}
	screenshot(t, tab, "reply-preview")
	errs.none(t, "the reply preview")
}

func text2(t *testing.T, tab context.Context) string {
	t.Helper()
	return text(t, tab, "#preview-reply")
}
