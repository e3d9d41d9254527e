package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
)

// bareKey is how a missing catalogue entry shows: the key in brackets.
var bareKey = regexp.MustCompile(`\[[a-z_]+(\.[a-z_]*)+\]`)

// In Kiswahili, every page a person can reach names itself in Kiswahili (<html lang="sw">)
// and shows no untranslated key, and the choice survives moving between pages.
func TestKiswahiliConsoleHasNoUntranslatedKey(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		c := s.complaint(t, "+254712000020", crm.CategoryStaffConduct, "Mhudumu alitujibu vibaya")
		tab := newTab(t)
		errs := watchErrors(t, tab)
		s.login(t, tab, "akinyi")
		run(t, tab, chromedp.SetValue(chromedp.ID("lang"), "sw"), chromedp.Click(chromedp.CSS("form.lang button")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="sw"]`)))
		casePage := fmt.Sprintf("/console/cases/%d", c.ID)
		pages := []struct {
			path  string
			clean bool // loads without an error status
		}{
			{"/console/", true}, {"/console/?list=all&status=any", true}, {"/console/?list=escalated", true},
			{"/console/?list=breaching", true}, {casePage, true},
			{"/console/?colour=red", false}, {"/console/cases/999999", false},
		}
		for _, p := range pages {
			run(t, tab, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			lang, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil {
				t.Fatal(err)
			}
			body, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			if lang != "sw" {
				t.Errorf("%s: <html lang=%q>", p.path, lang)
			}
			if k := bareKey.FindString(body); k != "" {
				t.Errorf("%s shows the untranslated key %s", p.path, k)
			}
			if strings.Contains(body, "Inbox") || strings.Contains(body, "Log out") {
				t.Errorf("%s shows English labels:\n%s", p.path, body)
			}
			if p.clean {
				errs.none(t, p.path)
			}
			if p.path == casePage {
				screenshot(t, tab, "case-sw")
				if tl := text(t, tab, "ol.timeline"); !strings.Contains(tl, "mwananchi") || strings.Contains(tl, "citizen") {
					t.Errorf("the Kiswahili timeline names the citizen so:\n%s", tl)
				}
			}
		}
	})
}

// The console's language is the person's: chosen in one browser, it is theirs in the next
// one they log in from, while another person's console stays as they chose.
func TestConsoleLanguageFollowsThePerson(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		first := newTab(t)
		s.login(t, first, "akinyi")
		run(t, first, chromedp.SetValue(chromedp.ID("lang"), "sw"), chromedp.Click(chromedp.CSS("form.lang button")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="sw"]`)))

		second := newTab(t) // another browser: no cookies
		s.login(t, second, "akinyi")
		if got := text(t, second, "main h1"); got != "Orodha ya kesi" {
			t.Fatalf("akinyi's console in a new browser: %q", got)
		}
		other := newTab(t)
		s.login(t, other, "baraka")
		if got := text(t, other, "main h1"); got != "Inbox" {
			t.Fatalf("baraka's console: %q", got)
		}
	})
}

// The supervisor's pages in Kiswahili show no untranslated key either.
func TestKiswahiliSupervisorPages(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		s.complaint(t, "+254712000021", crm.CategoryLongWait, "Foleni")
		tab := newTab(t)
		errs := watchErrors(t, tab)
		s.login(t, tab, "chebet")
		run(t, tab, chromedp.SetValue(chromedp.ID("lang"), "sw"), chromedp.Click(chromedp.CSS("form.lang button")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="sw"]`)))
		for _, p := range []string{"/console/board", "/console/users", "/console/users/" + userID(t, s, "akinyi")} {
			run(t, tab, chromedp.Navigate(s.url+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
			body, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			if k := bareKey.FindString(body); k != "" {
				t.Errorf("%s shows the untranslated key %s", p, k)
			}
			errs.none(t, p)
			if p == "/console/board" {
				screenshot(t, tab, "board-sw")
			}
		}
	})
}
