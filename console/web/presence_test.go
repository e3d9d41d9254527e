package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Two agents open the same case: each page names the other, live (the second to arrive sees
// the first at once, the first sees the second without a reload), and when one leaves the
// other's page says nobody else is there any more.
func TestCasePageShowsWhoElseHasItOpen(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		c := s.complaint(t, "+254712000710", crm.CategoryLongWait, "Queue at the ID desk")
		page := fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)
		a, b := newTab(t), newTab(t)
		errs := watchErrors(t, b)
		s.login(t, a, "akinyi")
		s.login(t, b, "baraka")

		run(t, b, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("act-claim")))
		waitSSE(t, b)
		if got := strings.TrimSpace(text(t, b, "#viewers")); got != "" {
			t.Fatalf("alone on the case, Baraka's page says %q", got)
		}
		run(t, a, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("act-claim")))
		if got := text(t, a, "#viewers"); !strings.Contains(got, "Baraka Mwangi") {
			t.Fatalf("Akinyi's page says %q, want it to name Baraka Mwangi", got)
		}
		waitSSE(t, a)
		waitFor(t, b, `document.querySelector("#viewers").innerText.includes("Akinyi Otieno")`, "Baraka's page to name Akinyi")
		screenshot(t, b, "case-presence")

		run(t, a, chromedp.Navigate(s.url+"/console/"), chromedp.WaitVisible(chromedp.CSS("#list")))
		waitFor(t, b, `document.querySelector("#viewers").innerText.trim() === ""`, "Baraka's page to say nobody else is there")
		errs.none(t, "the case page with presence")
	})
}

// dialer stands in for Africa's Talking's voice API: it records the calls placed.
type dialer struct {
	mu    sync.Mutex
	calls []crm.Phone
}

func (d *dialer) Call(_ context.Context, to crm.Phone, _ string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, to)
	return fmt.Sprintf("ATVId_test_%d", len(d.calls)), nil
}

func (d *dialer) QueuedCalls(context.Context) (map[string]int, error) { return map[string]int{}, nil }

func (d *dialer) placed() []crm.Phone {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]crm.Phone(nil), d.calls...)
}

// The case page shows the citizen's other business with the centres (upcoming appointments,
// tracked requests), and offers to call the citizen only where a call can be placed: voice
// configured, and a phone of the agent's own to take it on. A call placed shows in the case.
func TestCasePageCallsTheCitizenAndShowsTheirBusiness(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		ctx := storetest.Context(t)
		const citizen = crm.Phone("+254712000720")
		c := s.complaint(t, citizen, crm.CategoryLongWait, "My ID is late")
		appt, err := s.desk.Book(ctx, crm.Booking{Phone: citizen, Centre: "KSM", Service: "ID-NEW",
			Day: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Start: 10 * 60, IdempotencyKey: "test-appt"})
		if err != nil {
			t.Fatal(err)
		}
		agency, _, err := s.office.AddAgency(ctx, "NRB", "National Registration Bureau", []string{"ID-NEW"})
		if err != nil {
			t.Fatal(err)
		}
		req, _, err := s.office.RegisterRequest(ctx, agency, crm.NewRequest{Phone: citizen, Service: "ID-NEW", Centre: "KSM",
			Status: crm.RequestReady})
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("%s/console/cases/%d", s.url, c.ID)
		tab := newTab(t)
		errs := watchErrors(t, tab)
		s.login(t, tab, "akinyi")
		run(t, tab, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("act-claim")))
		if got := text(t, tab, "#appts + ul"); !strings.Contains(got, appt.Ref.Grouped()) || !strings.Contains(got, "10:00") || !strings.Contains(got, "26") {
			t.Errorf("appointments read %q, want %s on the 26th at 10:00", got, appt.Ref.Grouped())
		}
		if got := text(t, tab, "#requests + ul"); !strings.Contains(got, req.Ref.Grouped()) || !strings.Contains(got, "Ready for collection") {
			t.Errorf("requests read %q, want %s ready for collection", got, req.Ref.Grouped())
		}
		if got := text(t, tab, "#act-call"); got != "<none>" {
			t.Fatalf("a call is offered with no voice provider configured: %q", got)
		}

		d := &dialer{}
		s.office.SetVoiceDialer(d)
		run(t, tab, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("act-claim")))
		if got := text(t, tab, "#act-call"); got != "<none>" {
			t.Fatalf("a call is offered on a case the agent has not taken: %q", got)
		}
		run(t, tab, chromedp.Click(chromedp.ID("act-claim")))
		waitText(t, tab, ".flash", "You have the case.")
		run(t, tab, chromedp.Click(chromedp.ID("act-call")))
		waitText(t, tab, ".flash", "Calling the citizen now: your phone rings when they answer.")
		if got := d.placed(); len(got) != 1 || got[0] != citizen {
			t.Fatalf("calls placed: %v, want one to %s", got, citizen)
		}
		if got := text(t, tab, "#calls + ul"); !strings.Contains(got, "outgoing · placed, ringing") {
			t.Errorf("the case's calls read %q, want the outgoing call, ringing", got)
		}
		errs.none(t, "the case page with a call")

		// A supervisor (who may call on any case) with no phone of their own is told why
		// there is no call button.
		if _, err := s.office.AddUser(ctx, crm.NewUser{Username: "dan", Name: "Dan Ouma", Role: crm.RoleSupervisor, Password: password}); err != nil {
			t.Fatal(err)
		}
		other := newTab(t)
		s.login(t, other, "dan")
		run(t, other, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("call-nophone")))
		if got := text(t, other, "#act-call"); got != "<none>" {
			t.Fatalf("a call is offered to someone with no phone: %q", got)
		}
	})
}
