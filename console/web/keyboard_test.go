package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/huduma-connect/huduma/crm"
)

// The whole agent flow works by keyboard alone: log in, "/" to the search box, "j" to the
// first result, Tab to each action, Enter to use it, "?" for the help and Escape to close
// it. Every control Tab lands on shows where the focus is.
func TestAgentFlowByKeyboardAlone(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		c := s.complaint(t, "+254712000900", crm.CategoryLongWait, "Waited since 7 am")
		tab := newTab(t)
		errs := watchErrors(t, tab)
		keys := func(k string) { t.Helper(); run(t, tab, chromedp.KeyEvent(k)) }
		tabTo := func(id string) {
			t.Helper()
			for range 60 {
				if active(t, tab) == id {
					if ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.activeElement.matches(":focus-visible")`)); err != nil || !ok {
						t.Fatalf("#%s has the focus but does not show it", id)
					}
					return
				}
				keys(kb.Tab)
			}
			t.Fatalf("Tab never reached #%s (stuck at %q)", id, active(t, tab))
		}

		run(t, tab, chromedp.Navigate(s.url+"/console/"), chromedp.WaitVisible(chromedp.ID("username")))
		if active(t, tab) != "username" {
			t.Fatalf("the login page starts with the focus on %q", active(t, tab))
		}
		keys("akinyi")
		tabTo("password")
		keys(password + "\n")
		waitFor(t, tab, `!!document.querySelector("nav.tabs") && document.documentElement.dataset.keys == "ready"`, "the inbox")

		shortcut(t, tab, "?", "Slash")
		waitFor(t, tab, `document.getElementById("help").open`, "the keyboard help")
		keys(kb.Escape)
		waitFor(t, tab, `!document.getElementById("help").open`, "the help to close")

		shortcut(t, tab, "/", "Slash")
		if active(t, tab) != "q" {
			t.Fatalf(`"/" put the focus on %q, not the search box`, active(t, tab))
		}
		keys(c.Number.Grouped() + "\n")
		waitFor(t, tab, `location.search.includes("q=") && !!document.querySelector("a.case-link") && document.documentElement.dataset.keys == "ready"`, "the search results")
		shortcut(t, tab, "j", "KeyJ")
		if got := text(t, tab, ":focus"); got != c.Number.Grouped() {
			t.Fatalf(`"j" focused %q, not the case`, got)
		}
		keys("\n")
		waitFor(t, tab, fmt.Sprintf(`location.pathname == "/console/cases/%d"`, c.ID), "the case page")

		tabTo("act-claim")
		keys("\n")
		waitText(t, tab, "#case-assignee", "Akinyi Otieno")
		tabTo("text-reply")
		keys("We have two more counters from Monday.")
		tabTo("act-reply")
		keys("\n")
		waitFor(t, tab, `!!document.querySelector("article.reply")`, "the reply")
		tabTo("text-resolve")
		keys("Counters added.")
		tabTo("act-resolve")
		keys("\n")
		waitText(t, tab, "#case-status", "Resolved")
		errs.none(t, "the keyboard flow")
	})
}

// active is the id of the element that has the focus.
func active(t *testing.T, tab context.Context) string {
	t.Helper()
	id, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(id)
}

// shortcut presses a key the console handles itself, as a keyboard sends it: a keydown the
// page may cancel. (chromedp's KeyEvent also sends the character, which Chrome's DevTools
// inserts even when the page cancelled the keydown; a real key press does not.)
func shortcut(t *testing.T, tab context.Context, key, code string) {
	t.Helper()
	press := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: key, Code: code}); err != nil {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, nil
	}
	run(t, tab, press)
}
