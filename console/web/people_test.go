package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
)

// A supervisor adds an agent from the console and reads the password once; the agent logs in
// with it. The supervisor disables the account: the agent's open console is logged out at its
// next request, and logging in again is refused with the reason. An agent has no such page.
func TestSupervisorManagesPeople(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		sup := newTab(t)
		errs := watchErrors(t, sup)
		s.login(t, sup, "chebet")
		run(t, sup, chromedp.Click(chromedp.ID("nav-people")), chromedp.WaitVisible(chromedp.ID("add-form")),
			chromedp.SendKeys(chromedp.ID("new-username"), "juma"), chromedp.SendKeys(chromedp.ID("new-name"), "Juma Hassan"),
			chromedp.SendKeys(chromedp.ID("new-phone"), "0722000099"), chromedp.Click(chromedp.ID("add-person")))
		waitFor(t, sup, `!!document.querySelector("#password-once code")`, "the new password")
		password := text(t, sup, "#password-once code")
		if len(password) < 16 || !strings.Contains(text(t, sup, "#people-list"), "Juma Hassan") {
			t.Fatalf("password %q; list:\n%s", password, text(t, sup, "#people-list"))
		}
		screenshot(t, sup, "people")

		agent := newTab(t)
		run(t, agent, chromedp.Navigate(s.url+"/console/"), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), "juma"), chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`main button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)))

		run(t, sup, chromedp.Click(chromedp.CSS(`#people-list a[href$="/users/`+userID(t, s, "juma")+`"]`)), chromedp.WaitVisible(chromedp.ID("disable-person")),
			chromedp.Click(chromedp.ID("disable-person")))
		waitFor(t, sup, `document.getElementById("person-state").innerText.includes("disabled")`, "the account disabled")
		errs.none(t, "managing people")

		run(t, agent, chromedp.Navigate(s.url+"/console/"))
		waitFor(t, agent, `location.pathname == "/console/login"`, "the disabled agent to be logged out")
		run(t, agent, chromedp.SendKeys(chromedp.ID("username"), "juma"), chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
		waitFor(t, agent, `!!document.querySelector("p.error") && document.querySelector("p.error").innerText.includes("disabled")`, "the refusal")

		// A made-up ?done= says nothing, rather than show a bare catalogue key.
		_, body := s.get(t, "/console/users/"+userID(t, s, "juma")+"?done=bogus", s.httpLogin(t, "chebet"))
		if k := bareKey.FindString(body); k != "" || !strings.Contains(body, "Juma Hassan") {
			t.Fatalf("the person page with ?done=bogus shows %q", k)
		}
		if resp, _ := s.get(t, "/console/users", s.httpLogin(t, "akinyi")); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an agent's people page: %d", resp.StatusCode)
		}
	})
}

// userID is the id of a user of the site, as text.
func userID(t *testing.T, s *site, username string) string {
	t.Helper()
	users, err := s.office.Users(t.Context(), crm.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			return strconv.FormatInt(u.ID, 10)
		}
	}
	t.Fatalf("no user %s", username)
	return ""
}
