package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// registerTicket has the National Registration Bureau register a new-ID request at Kisumu for
// phone, as its back office would.
func registerTicket(t *testing.T, w *flowstest.World, phone crm.Phone, status crm.RequestStatus, reason string, ready time.Time) crm.Request {
	t.Helper()
	ctx := context.Background()
	ag, err := w.Store.Agency(ctx, "NRB")
	if err != nil {
		ag, _, err = w.Office.AddAgency(ctx, "NRB", "National Registration Bureau", []string{"ID-NEW"})
		if err != nil {
			t.Fatal(err)
		}
	}
	r, _, err := w.Office.RegisterRequest(ctx, ag, crm.NewRequest{
		Phone: phone, Service: "ID-NEW", Centre: "KSM", Status: status, Reason: reason, Ready: ready,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// addUser creates a console user (a centre manager needs a centre).
func addUser(t *testing.T, w *flowstest.World, username string, role crm.Role, phone crm.Phone, centre string) crm.User {
	t.Helper()
	u, err := w.Office.AddUser(context.Background(), crm.NewUser{
		Username: username, Name: username, Role: role, Password: "correct horse", Phone: phone, Centre: centre,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// outbox lists the outbox rows of a case, by kind.
func outbox(t *testing.T, w *flowstest.World, number crm.Reference) map[crm.NotificationKind][]crm.Notification {
	t.Helper()
	rows, err := w.Store.Notifications(context.Background(), crm.NotificationFilter{Subject: crm.CaseSubject(number)})
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[crm.NotificationKind][]crm.Notification{}
	for _, n := range rows {
		byKind[n.Kind] = append(byKind[n.Kind], n)
	}
	return byKind
}

func casesOf(t *testing.T, w *flowstest.World, phone crm.Phone) []crm.Case {
	t.Helper()
	list, err := w.Store.Cases(context.Background(), crm.CaseFilter{Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (c *citizen) textHas(want ...string) *citizen {
	c.t.Helper()
	for _, w := range want {
		if !strings.Contains(c.s.Screen.Text, w) {
			c.t.Errorf("screen %s lacks %q:\n%s", c.s.State, w, c.s.Screen.Text)
		}
	}
	return c
}

func (c *citizen) textLacks(unwanted ...string) *citizen {
	c.t.Helper()
	for _, w := range unwanted {
		if strings.Contains(c.s.Screen.Text, w) {
			c.t.Errorf("screen %s shows %q:\n%s", c.s.State, w, c.s.Screen.Text)
		}
	}
	return c
}

func (c *citizen) errorIs(want string) *citizen {
	c.t.Helper()
	if c.s.Error != want {
		c.t.Errorf("at %s: error line %q, want %q", c.s.State, c.s.Error, want)
	}
	return c
}

func (c *citizen) end() *citizen {
	c.t.Helper()
	if !c.s.Screen.End {
		c.t.Errorf("screen %s is not final:\n%s", c.s.State, c.s.Screen.Text)
	}
	return c
}

func TestMainMenuOrder(t *testing.T) {
	w := flowstest.New(t, 10)
	c := dial(t, w, "+254712100000", nil).pick("en").at("main")
	var values, labels []string
	for _, o := range c.s.Screen.Options {
		values, labels = append(values, o.Value), append(labels, o.Label)
	}
	if got := strings.Join(values, ","); got != "book,appointments,status,complaint,agent,language" {
		t.Errorf("main menu values %s", got)
	}
	if got := strings.Join(labels, ","); got != "Book appointment,My appointments,Check status,Make a complaint,Talk to an agent,Language / Lugha" {
		t.Errorf("main menu labels %s", got)
	}
}

// The owner of a ticket reads all about it; anyone else who types the number reads its
// status and nothing personal.
func TestStatusOfATicket(t *testing.T) {
	ready := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) // Wednesday
	tests := []struct {
		name   string
		lang   crm.Lang
		status crm.RequestStatus
		reason string
		owner  []string // on the owner's screen, after the ticket line
		name2  string   // the status in words
	}{
		{"received", crm.English, crm.RequestReceived, "", []string{"Ready by: Wed 2 Dec", "We will SMS you when it changes."}, "Received"},
		{"processing", crm.English, crm.RequestProcessing, "", []string{"Ready by: Wed 2 Dec", "We will SMS you when it changes."}, "Being processed"},
		{"needs action", crm.English, crm.RequestNeedsAction, "Bring your birth certificate",
			[]string{"What to do: Bring your birth certificate", "Then visit Huduma Centre Kisumu."}, "Action needed"},
		{"ready", crm.English, crm.RequestReady, "", []string{"Collect your document at Huduma Centre Kisumu. Bring your ID."}, "Ready for collection"},
		{"rejected", crm.English, crm.RequestRejected, "Photo does not match the applicant",
			[]string{"Reason: Photo does not match the applicant", "For help, visit Huduma Centre Kisumu."}, "Not approved"},
		{"ready in Kiswahili", crm.Swahili, crm.RequestReady, "",
			[]string{"Chukua hati yako katika Kituo cha Huduma Kisumu. Beba kitambulisho."}, "Liko tayari kuchukuliwa"},
		{"rejected in Kiswahili", crm.Swahili, crm.RequestRejected, "Picha hailingani",
			[]string{"Sababu: Picha hailingani", "Kwa msaada, fika Kituo cha Huduma Kisumu."}, "Halikukubaliwa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := flowstest.New(t, 10)
			owner, stranger := crm.Phone("+254712100001"), crm.Phone("+254712100002")
			r := registerTicket(t, w, owner, tt.status, tt.reason, ready)
			ticket, status, service := "Ticket ", "Status: ", "New ID card"
			if tt.lang == crm.Swahili {
				ticket, status, service = "Ombi ", "Hali: ", "Kitambulisho kipya"
			}

			c := dial(t, w, owner, nil).pick(string(tt.lang)).pick("status").at("status_ref")
			c.press(r.Ref.Grouped()).at("status_request").end()
			c.textHas(ticket+r.Ref.Grouped()+": "+service, status+tt.name2)
			c.textHas(tt.owner...)

			s := dial(t, w, stranger, nil).pick(string(tt.lang)).pick("status").press(string(r.Ref)).at("status_request").end()
			if want := ticket + r.Ref.Grouped() + "\n" + status + tt.name2; s.s.Screen.Text != want {
				t.Errorf("stranger sees\n%s\nwant\n%s", s.s.Screen.Text, want)
			}
			s.textLacks(service, "Kisumu", "Dec", "Des", "SMS")
			if tt.reason != "" {
				s.textLacks(tt.reason)
			}
		})
	}
}

// Agencies may write long reasons (the SMS carries them whole); the screen shows the start.
func TestLongReasonIsShortenedOnScreen(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712100003")
	reason := strings.Repeat("Bring the original documents ", 7)[:crm.MaxReason]
	r := registerTicket(t, w, phone, crm.RequestNeedsAction, reason, time.Time{})
	c := dial(t, w, phone, nil).pick("en").pick("status").press(string(r.Ref)).at("status_request")
	c.textHas("What to do: Bring the original documents...\n")
	if n := len([]rune(c.s.Screen.Text)); n > 178 {
		t.Fatalf("%d characters:\n%s", n, c.s.Screen.Text)
	}
}

func TestStatusNumberInput(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712100004")
	r := registerTicket(t, w, phone, crm.RequestProcessing, "", time.Time{})
	dial(t, w, phone, nil).pick("en").at("main")
	digits := string(r.Ref)
	typo := digits[:8] + string('0'+(digits[8]-'0'+1)%10) // wrong check digit
	swapped := digits[:3] + digits[4:5] + digits[3:4] + digits[5:]
	unknown, err := crm.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	const bad = "That number is not valid. Please check it and try again."
	tests := []struct {
		input, state, err string
	}{
		{typo, "status_ref", bad},
		{"12345", "status_ref", bad},
		{"abc", "status_ref", bad},
		{"😀", "status_ref", bad},
		{"", "status_ref", bad},
		{strings.Repeat("9", 300), "status_ref", bad},
		{string(unknown), "status_ref", "We found no ticket or case with that number."},
		{digits[:3] + " " + digits[3:6] + " " + digits[6:], "status_request", ""},
		{digits[:3] + "-" + digits[3:6] + "-" + digits[6:], "status_request", ""},
		{" " + digits[:4] + "  " + digits[4:] + " ", "status_request", ""},
	}
	if swapped != digits {
		tests = append(tests, struct{ input, state, err string }{swapped, "status_ref", bad})
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			c := dial(t, w, phone, nil).pick("status").press(tt.input).at(tt.state).errorIs(tt.err)
			if tt.state == "status_ref" {
				if c.s.Screen.Key != "status.prompt" || c.s.Draft != (flows.Draft{}) {
					t.Fatalf("a wrong number moved the citizen on: %+v", c.s)
				}
			}
		})
	}
	// The number screen keeps the conventions.
	dial(t, w, phone, nil).pick("status").press("0").at("main")
	dial(t, w, phone, nil).pick("status").press("00").at("main")
}

// complain walks a citizen who chose English from the main menu to the confirmation of a
// complaint about centre (in county) or, with county "", about no centre.
func (c *citizen) complain(county, centre string, category crm.Category, service, description string) *citizen {
	c.t.Helper()
	c.at("main").pick("complaint").at("complaint_about")
	if county == "" {
		c.pick("no")
	} else {
		c.pick("yes").at("complaint_county").pick(county).at("complaint_centre").pick(centre)
	}
	return c.at("complaint_category").pick(string(category)).at("complaint_service").pick(service).
		at("complaint_describe").press(description).at("complaint_confirm")
}

func TestComplaintAboutACentre(t *testing.T) {
	w := flowstest.New(t, 10)
	ctx := context.Background()
	manager := addUser(t, w, "ksm-manager", crm.RoleCentreManager, "+254711000001", "KSM")
	phone := crm.Phone("+254712100005")
	c := dial(t, w, phone, nil).pick("en").complain("Kisumu", "KSM", crm.CategoryLongWait, "BIRTH-CERT", "Waited four hours at the counter")
	if want := "Send complaint?\nLong wait or delay\nKisumu\nBirth certificate"; c.s.Screen.Text != want {
		t.Errorf("confirmation\n%s\nwant\n%s", c.s.Screen.Text, want)
	}
	c.pick("yes").at("complaint_done").end()
	number := c.s.Draft.Case
	if want := "Complaint received. Case " + number.Grouped() + ". We will SMS you."; c.s.Screen.Text != want {
		t.Errorf("final screen %q, want %q", c.s.Screen.Text, want)
	}
	got, err := w.Store.CaseByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != crm.KindComplaint || got.Category != crm.CategoryLongWait || got.Centre != "KSM" || got.Service != "BIRTH-CERT" ||
		got.Description != "Waited four hours at the counter" || got.Phone != phone || got.Queue != crm.QueueGeneral || got.Lang != crm.English {
		t.Fatalf("stored case %+v", got)
	}
	rows := outbox(t, w, number)
	if len(rows[crm.NotifyComplaintAck]) != 1 || rows[crm.NotifyComplaintAck][0].Phone != phone {
		t.Errorf("acknowledgement rows %+v", rows[crm.NotifyComplaintAck])
	}
	if len(rows[crm.NotifyManagerAlert]) != 1 || rows[crm.NotifyManagerAlert][0].Phone != manager.Phone {
		t.Errorf("manager alert rows %+v", rows[crm.NotifyManagerAlert])
	}
}

func TestCorruptionReportGoesToIntegrity(t *testing.T) {
	w := flowstest.New(t, 10)
	ctx := context.Background()
	addUser(t, w, "ksm-manager", crm.RoleCentreManager, "+254711000001", "KSM")
	phone := crm.Phone("+254712100006")
	c := dial(t, w, phone, nil).pick("sw").complain("Kisumu", "KSM", crm.CategoryCorruption, "", "Mhudumu aliomba hongo ya shilingi 500")
	c.textHas("Unataka kutuma malalamiko haya?\nUfisadi au hongo\nKisumu")
	c.pick("yes").at("complaint_done").end()
	number := c.s.Draft.Case
	c.textHas(number.Grouped(), "kitengo cha uadilifu", "kituo hakitaambiwa nani aliripoti")
	got, err := w.Store.CaseByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Queue != crm.QueueIntegrity || got.Category != crm.CategoryCorruption || got.Service != "" {
		t.Fatalf("stored case %+v", got)
	}
	rows := outbox(t, w, number)
	if len(rows[crm.NotifyComplaintAck]) != 1 {
		t.Errorf("acknowledgement rows %+v", rows[crm.NotifyComplaintAck])
	}
	if len(rows[crm.NotifyManagerAlert]) != 0 {
		t.Errorf("the centre's manager was alerted to a corruption report: %+v", rows[crm.NotifyManagerAlert])
	}
	// In English the final screen says the same.
	en := dial(t, w, "+254712100016", nil).pick("en").complain("", "", crm.CategoryCorruption, "", "Asked for a bribe").pick("yes").at("complaint_done")
	en.textHas("integrity unit", "the centre will not be told who reported it", "We will SMS you.")
}

func TestComplaintNotAboutACentre(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712100007")
	c := dial(t, w, phone, nil).pick("en").pick("complaint").pick("no").at("complaint_category")
	// With no centre, 0 goes back to the question, not to a centre list.
	c.press("0").at("complaint_about").pick("no").pick(string(crm.CategoryWrongInfo)).at("complaint_service")
	if n, want := len(c.s.Screen.Options), 1+len(w.Desk.Catalog().Services()); n != want {
		t.Errorf("%d service options, want skip and every service (%d)", n, want)
	}
	if c.s.Screen.Options[0].Label != "Skip" {
		t.Errorf("first option %q", c.s.Screen.Options[0].Label)
	}
	c.pick("").at("complaint_describe").press("The website gave the wrong fee").at("complaint_confirm")
	if want := "Send complaint?\nWrong information"; c.s.Screen.Text != want {
		t.Errorf("confirmation %q", c.s.Screen.Text)
	}
	c.pick("yes").at("complaint_done")
	got, err := w.Store.CaseByNumber(context.Background(), c.s.Draft.Case)
	if err != nil {
		t.Fatal(err)
	}
	if got.Centre != "" || got.Service != "" || got.Category != crm.CategoryWrongInfo {
		t.Fatalf("stored case %+v", got)
	}
	if rows := outbox(t, w, got.Number); len(rows[crm.NotifyManagerAlert]) != 0 || len(rows[crm.NotifyComplaintAck]) != 1 {
		t.Fatalf("outbox %+v", rows)
	}
}

func TestComplaintBackAndHome(t *testing.T) {
	w := flowstest.New(t, 10)
	c := dial(t, w, "+254712100008", nil).pick("en").complain("Kisumu", "KSM", crm.CategoryStaffConduct, "BIRTH-CERT", "Rude at the desk")
	for _, want := range []string{"complaint_describe", "complaint_service", "complaint_category", "complaint_centre", "complaint_county", "complaint_about", "main"} {
		c.press("0").at(want)
	}
	// Only the centre's services are offered for a complaint about a centre.
	c.complain("Kisumu", "KSM", crm.CategoryStaffConduct, "", "Rude at the desk").press("0").at("complaint_describe").press("0").at("complaint_service")
	if n, want := len(c.s.Screen.Options), 1+len(w.Desk.Catalog().ServicesAt("KSM")); n != want {
		t.Errorf("%d service options, want skip and the centre's services (%d)", n, want)
	}
	c.press("00").at("main")
	if c.s.Draft != (flows.Draft{}) {
		t.Fatalf("main menu kept a draft: %+v", c.s.Draft)
	}
}

func TestComplaintCancelled(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712100009")
	c := dial(t, w, phone, nil).pick("en").complain("Kisumu", "KSM", crm.CategoryOther, "", "Never mind")
	c.pick("no").at("complaint_cancelled").end()
	if c.s.Screen.Text != "No complaint was made." {
		t.Errorf("final screen %q", c.s.Screen.Text)
	}
	if list := casesOf(t, w, phone); len(list) != 0 {
		t.Fatalf("a cancelled complaint left cases: %+v", list)
	}
	if rows, err := w.Store.Notifications(context.Background(), crm.NotificationFilter{Phone: phone}); err != nil || len(rows) != 0 {
		t.Fatalf("a cancelled complaint left messages: %+v (%v)", rows, err)
	}
}

func TestComplaintDescriptions(t *testing.T) {
	tests := []struct {
		name, input string
		stored      string // "" when the input is refused
		err         string
	}{
		{"emoji", "Waited 5 hours 😡😡 no one helped", "Waited 5 hours 😡😡 no one helped", ""},
		{"spaces folded", "Queue   was\tvery long", "Queue was very long", ""},
		{"at the limit", strings.Repeat("a", crm.MaxDescription), strings.Repeat("a", crm.MaxDescription), ""},
		{"too long", strings.Repeat("x", 1000), "", "That is too long. Please use fewer words."},
		{"just over", strings.Repeat("é", crm.MaxDescription+1), "", "That is too long. Please use fewer words."},
		{"empty", "", "", "Please type a few words about the problem."},
		{"spaces", "     ", "", "Please type a few words about the problem."},
		{"control characters", "bad\x00text", "", "Please type a few words about the problem."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := flowstest.New(t, 10)
			phone := crm.Phone("+254712100010")
			c := dial(t, w, phone, nil).pick("en").pick("complaint").pick("no").pick(string(crm.CategoryOther)).pick("").at("complaint_describe")
			c.press(tt.input)
			if tt.stored == "" {
				c.at("complaint_describe").errorIs(tt.err)
				if c.s.Draft.Description != "" {
					t.Fatalf("a refused description was kept: %q", c.s.Draft.Description)
				}
				c.press("Second try").at("complaint_confirm").errorIs("")
				return
			}
			c.at("complaint_confirm").pick("yes").at("complaint_done")
			got, err := w.Store.CaseByNumber(context.Background(), c.s.Draft.Case)
			if err != nil {
				t.Fatal(err)
			}
			if got.Description != tt.stored {
				t.Fatalf("stored %q, want %q", got.Description, tt.stored)
			}
		})
	}
}

// The aggregator may send the confirming hop again; the same session's complaint is lodged
// once, and both answers name the same case.
func TestRepeatedConfirmationMakesOneCase(t *testing.T) {
	w := flowstest.New(t, 10)
	phone := crm.Phone("+254712100011")
	c := dial(t, w, phone, nil).pick("en").complain("Kisumu", "KSM", crm.CategoryLongWait, "", "Slow queue")
	again := &citizen{t: t, w: w, s: new(flows.Session)}
	*again.s = *c.s
	c.pick("yes").at("complaint_done")
	again.pick("yes").at("complaint_done")
	if c.s.Draft.Case == "" || again.s.Draft.Case != c.s.Draft.Case {
		t.Fatalf("case numbers %q and %q", c.s.Draft.Case, again.s.Draft.Case)
	}
	if list := casesOf(t, w, phone); len(list) != 1 {
		t.Fatalf("%d cases from one confirmation", len(list))
	}
	if rows := outbox(t, w, c.s.Draft.Case); len(rows[crm.NotifyComplaintAck]) != 1 {
		t.Fatalf("%d acknowledgements", len(rows[crm.NotifyComplaintAck]))
	}
}

func TestCallbackRequest(t *testing.T) {
	tests := []struct {
		name     string
		lang     crm.Lang
		option   int // 1-based
		label    string
		from, to time.Time
		done     string
	}{
		// At 07:00, before the contact centre opens, "as soon as possible" is when it opens,
		// and the citizen is told when that is.
		{"as soon as possible, asked before opening", crm.English, 1, "As soon as possible",
			time.Date(2026, 11, 24, 8, 0, 0, 0, flowstest.Nairobi), time.Date(2026, 11, 24, 10, 0, 0, 0, flowstest.Nairobi),
			"An agent will call you as soon as we open: on Tue 24 Nov between 08:00 and 10:00. Case "},
		{"morning", crm.English, 2, "Tue 24 Nov 08:00-12:00",
			time.Date(2026, 11, 24, 8, 0, 0, 0, flowstest.Nairobi), time.Date(2026, 11, 24, 12, 0, 0, 0, flowstest.Nairobi),
			"An agent will call you on Tue 24 Nov between 08:00 and 12:00. Case "},
		{"afternoon in Kiswahili", crm.Swahili, 3, "Jumanne 24 Nov, saa 6:00 mchana-11:00 jioni",
			time.Date(2026, 11, 24, 12, 0, 0, 0, flowstest.Nairobi), time.Date(2026, 11, 24, 17, 0, 0, 0, flowstest.Nairobi),
			"Mhudumu atakupigia simu Jumanne 24 Nov kati ya saa 6:00 mchana na 11:00 jioni (12:00-17:00). Nambari ya kesi "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := flowstest.New(t, 10)
			phone := crm.Phone("+254712100012")
			c := dial(t, w, phone, nil).pick(string(tt.lang)).pick("agent").at("callback_window")
			if n := len(c.s.Screen.Options); n < tt.option {
				t.Fatalf("%d windows offered", n)
			}
			if got := c.s.Screen.Options[tt.option-1].Label; got != tt.label {
				t.Errorf("option %d reads %q, want %q", tt.option, got, tt.label)
			}
			again := &citizen{t: t, w: w, s: new(flows.Session)}
			*again.s = *c.s
			c.press(string(rune('0' + tt.option))).at("callback_done").end()
			number := c.s.Draft.Case
			if want := tt.done + number.Grouped(); !strings.HasPrefix(c.s.Screen.Text, want) {
				t.Errorf("final screen %q, want it to start %q", c.s.Screen.Text, want)
			}
			again.press(string(rune('0' + tt.option))).at("callback_done")
			if again.s.Draft.Case != number {
				t.Errorf("a repeated hop answered with case %s, not %s", again.s.Draft.Case, number)
			}
			got, err := w.Store.CaseByNumber(context.Background(), number)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != crm.KindCallback || got.Category != crm.CategoryCallback || got.Phone != phone ||
				!got.Callback.From.Equal(tt.from) || !got.Callback.To.Equal(tt.to) || got.Callback.ASAP != (tt.option == 1) {
				t.Fatalf("stored case %+v, want window %s-%s", got, tt.from, tt.to)
			}
			if list := casesOf(t, w, phone); len(list) != 1 {
				t.Fatalf("%d cases", len(list))
			}
			if rows := outbox(t, w, number); len(rows[crm.NotifyCallbackAck]) != 1 {
				t.Fatalf("outbox %+v", rows)
			}
		})
	}
	w := flowstest.New(t, 10)
	dial(t, w, "+254712100013", nil).pick("en").pick("agent").press("0").at("main")
}

// A resolved case is offered for rating to its owner, once; others read its status only.
func TestRatingAResolvedCase(t *testing.T) {
	w := flowstest.New(t, 10)
	ctx := context.Background()
	sup := addUser(t, w, "supervisor", crm.RoleSupervisor, "+254711000002", "")
	phone := crm.Phone("+254712100014")
	c := dial(t, w, phone, nil).pick("en").complain("Kisumu", "KSM", crm.CategoryLongWait, "", "Slow queue").pick("yes").at("complaint_done")
	number := c.s.Draft.Case

	// Still open: the status and the promise of an SMS, nothing to rate.
	open := dial(t, w, phone, nil).pick("status").press(string(number)).at("status_case").end()
	if want := "Case " + number.Grouped() + ": Long wait or delay\nStatus: Received\nWe will SMS you when it changes."; open.s.Screen.Text != want {
		t.Errorf("open case\n%s\nwant\n%s", open.s.Screen.Text, want)
	}

	cs, err := w.Store.CaseByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Office.Resolve(ctx, sup, cs.ID, "The queue system is fixed"); err != nil {
		t.Fatal(err)
	}
	stranger := dial(t, w, "+254712100015", nil).pick("en").pick("status").press(number.Grouped()).at("status_case").end()
	if want := "Case " + number.Grouped() + "\nStatus: Resolved"; stranger.s.Screen.Text != want {
		t.Errorf("stranger sees\n%s\nwant\n%s", stranger.s.Screen.Text, want)
	}

	r := dial(t, w, phone, nil).pick("status").press(number.Grouped()).at("status_case")
	if r.s.Screen.End || len(r.s.Screen.Options) != 1 || r.s.Screen.Options[0].Label != "Rate our service" {
		t.Fatalf("resolved case screen %+v", r.s.Screen)
	}
	r.textHas("Status: Resolved")
	r.press("1").at("status_rate").press("0").at("status_case").press("1").at("status_rate")
	offer := r.s.Screen
	var labels []string
	for _, o := range r.s.Screen.Options {
		labels = append(labels, o.Label)
	}
	if got := strings.Join(labels, ","); got != "Excellent,Good,Acceptable,Poor" {
		t.Errorf("ratings offered: %s", got)
	}
	r.press("5").at("status_rate").errorIs("Invalid choice, try again.")
	r.pick(string(crm.RatingGood)).at("status_rated").end()
	if got, _ := w.Store.CaseByNumber(ctx, number); got.Rating != crm.RatingGood {
		t.Fatalf("stored rating %q", got.Rating)
	}

	// Rated: no second offer.
	done := dial(t, w, phone, nil).pick("status").press(string(number)).at("status_case").end()
	done.textHas("Thank you for your rating.")

	// Rated meanwhile (by SMS) while the citizen was choosing: thanked all the same, rating kept.
	late := dial(t, w, phone, nil).pick("status").press(string(number))
	late.s.Screen = offer // as if the offer had been drawn before the SMS rating
	late.s.State = "status_rate"
	late.s.Draft.Ref = number
	late.pick(string(crm.RatingPoor)).at("status_rated")
	if got, _ := w.Store.CaseByNumber(ctx, number); got.Rating != crm.RatingGood {
		t.Fatalf("rating changed to %q", got.Rating)
	}
}
