package crm_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/storetest"
)

// citizen is the phone whose rights the tests exercise; bystander's records must never move.
const (
	citizen   = crm.Phone("+254712000001")
	bystander = crm.Phone("+254712000002")
)

// rightsWorld is an office with staff of every role that matters here and a citizen with
// records of every kind: an appointment, a tracked request, a complaint worked to resolution
// (a reply, an internal note, a resolution note), a corruption report, an SMS, a call.
type rightsWorld struct {
	*office
	agent, officer, admin, dpo crm.User
	complaint, corruption      crm.Case
	request                    crm.Request
	agency                     crm.Agency
	appointment                crm.Appointment
}

func newRightsWorld(t *testing.T, s crm.Store) *rightsWorld {
	t.Helper()
	ctx := storetest.Context(t)
	w := &rightsWorld{office: newOffice(t, s, at("2026-11-24 09:00"))}
	w.agent = w.addUser(t, "akinyi", crm.RoleAgent, "", 1)
	w.officer = w.addUser(t, "kamau", crm.RoleIntegrityOfficer, "", 2)
	w.admin = w.addUser(t, "njeri", crm.RoleAdmin, "", 3)
	w.dpo = w.addUser(t, "wanjiku", crm.RoleDPO, "", 4)

	if err := w.desk.SetLanguage(ctx, citizen, crm.Swahili); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.appointment, err = w.desk.Book(ctx, crm.Booking{Phone: citizen, Centre: "KSM", Service: "ID-NEW", Day: at("2026-11-25 00:00"), Start: 9 * 60}); err != nil {
		t.Fatalf("book: %v", err)
	}
	if w.agency, _, err = w.AddAgency(ctx, "NRB", "National Registration Bureau", w.ServicesOf("National Registration Bureau")); err != nil {
		t.Fatal(err)
	}
	if w.request, _, err = w.RegisterRequest(ctx, w.agency, crm.NewRequest{Phone: citizen, Service: "ID-NEW", Centre: "KSM",
		Note: "Alama za vidole hazikusomeka"}); err != nil {
		t.Fatalf("register request: %v", err)
	}
	w.complaint = w.complain(t, string(citizen), crm.CategoryStaffConduct, "KSM")
	if w.complaint.AssigneeID != w.agent.ID {
		t.Fatalf("the complaint went to %d, want the agent", w.complaint.AssigneeID)
	}
	for _, n := range []struct {
		body  string
		reply bool
	}{{"Pole sana, tumemwandikia meneja", true}, {"Meneja anamfahamu mlalamikaji", false}} {
		if _, err := w.AddNote(ctx, w.agent, w.complaint.ID, n.body, n.reply); err != nil {
			t.Fatalf("note: %v", err)
		}
	}
	if w.complaint, err = w.Resolve(ctx, w.agent, w.complaint.ID, "Meneja ameomba radhi"); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	// The corruption report came by SMS: the message and its reply belong to the report.
	if w.corruption, err = w.LodgeComplaint(ctx, crm.Complaint{Phone: citizen, Lang: crm.Swahili, Centre: "KSM", Category: crm.CategoryCorruption,
		Description: "Afisa aliomba hongo", IdempotencyKey: "sms:ATXid_corrupt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.desk.RecordInbound(ctx, crm.Inbound{ID: "ATXid_corrupt", Phone: citizen, Text: "MALALAMIKO Afisa aliomba hongo",
		Replies: []crm.Notification{{Phone: citizen, Lang: crm.Swahili, Kind: crm.NotifySMSUsage, Subject: "sms:ATXid_corrupt",
			Params: map[string]string{"keyword": "complaint"}}}}); err != nil {
		t.Fatal(err)
	}
	w.complain(t, string(bystander), crm.CategoryLongWait, "KSM")
	if _, err := w.desk.RecordInbound(ctx, crm.Inbound{ID: "ATXid_rights", Phone: citizen, Text: "HALI " + string(w.request.Ref)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordCall(ctx, crm.CallEvent{SessionID: "ATVId_rights", Direction: crm.CallInbound, Phone: citizen, Lang: crm.Swahili,
		Outcome: crm.CallInMenu, RecordingURL: "https://voice.africastalking.com/rec/ATVId_rights.mp3", At: w.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return w
}

func caseNumbers(list []crm.ExportedCase) []crm.Reference {
	var out []crm.Reference
	for _, c := range list {
		out = append(out, c.Case.Number)
	}
	return out
}

func TestExportHoldsEveryKindOfRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		w := newRightsWorld(t, open(t))
		ctx := storetest.Context(t)

		x, err := w.ExportCitizen(ctx, w.dpo, citizen)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		if x.Phone != citizen || x.ExportedBy != "wanjiku" || x.Lang != crm.Swahili || x.LangSetAt.IsZero() {
			t.Errorf("export header: %+v", x)
		}
		if len(x.Appointments) != 1 || x.Appointments[0].Ref != w.appointment.Ref {
			t.Errorf("appointments: %+v", x.Appointments)
		}
		if len(x.Requests) != 1 || x.Requests[0].Ref != w.request.Ref || len(x.Requests[0].Events) != 1 || x.Requests[0].Events[0].Note == "" {
			t.Errorf("requests: %+v", x.Requests)
		}
		if got, want := caseNumbers(x.Cases), []crm.Reference{w.complaint.Number, w.corruption.Number}; !slices.Equal(got, want) {
			t.Fatalf("the dpo's copy holds cases %v, want %v", got, want)
		}
		var told []string
		for _, n := range x.Cases[0].ToCitizen {
			told = append(told, n.Body)
		}
		if want := []string{"Pole sana, tumemwandikia meneja", "Meneja ameomba radhi"}; !slices.Equal(told, want) {
			t.Errorf("what the citizen was told: %q, want the reply and the resolution note, not the internal note", told)
		}
		if len(x.Withheld) == 0 || !strings.Contains(x.Withheld[0], "Internal notes") {
			t.Errorf("the copy does not say what it leaves out: %q", x.Withheld)
		}
		if len(x.Inbound) != 2 { // the status request and the corruption report

			t.Errorf("inbound: %+v", x.Inbound)
		}
		if len(x.Calls) != 1 || x.Calls[0].RecordingURL == "" {
			t.Errorf("calls: %+v", x.Calls)
		}
		kinds := map[crm.NotificationKind]bool{}
		for _, m := range x.Messages {
			kinds[m.Kind] = true
			if m.Phone != citizen {
				t.Errorf("a message to another phone: %+v", m)
			}
		}
		for _, k := range []crm.NotificationKind{crm.NotifyBookingConfirmed, crm.NotifyRequestStatus, crm.NotifyComplaintAck,
			crm.NotifyCaseReply, crm.NotifyCaseResolved} {
			if !kinds[k] {
				t.Errorf("no %s message in the copy (kinds %v)", k, kinds)
			}
		}

		// An administrator's copy leaves the corruption report out, and its messages.
		ax, err := w.ExportCitizen(ctx, w.admin, citizen)
		if err != nil {
			t.Fatalf("admin export: %v", err)
		}
		if got := caseNumbers(ax.Cases); !slices.Equal(got, []crm.Reference{w.complaint.Number}) {
			t.Errorf("the admin's copy holds cases %v, want only the complaint", got)
		}
		for _, m := range ax.Messages {
			if m.Subject == "case:"+string(w.corruption.Number) || m.Subject == "sms:ATXid_corrupt" {
				t.Errorf("the admin's copy holds the corruption report's message %d", m.ID)
			}
		}
		if len(ax.Inbound) != 1 || ax.Inbound[0].ID != "ATXid_rights" {
			t.Errorf("the admin's copy holds the SMS %+v, want only the one that lodged no corruption report", ax.Inbound)
		}
		if len(ax.Messages) >= len(x.Messages) {
			t.Errorf("the admin's copy has %d messages, the dpo's %d", len(ax.Messages), len(x.Messages))
		}

		if _, err := w.ExportCitizen(ctx, w.agent, citizen); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("an agent's export: %v, want forbidden", err)
		}
		if _, err := w.ExportCitizen(ctx, w.officer, citizen); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("an integrity officer's export: %v, want forbidden", err)
		}

		// The copies read the cases: each reading is recorded, and the dpo's reading of the
		// corruption report is in its audit trail too.
		views, err := w.ViewsOfCase(ctx, w.dpo, w.complaint.ID)
		if err != nil {
			t.Fatal(err)
		}
		var readers []string
		for _, v := range views {
			readers = append(readers, v.Username)
		}
		if want := []string{"njeri", "wanjiku"}; !slices.Equal(readers, want) {
			t.Errorf("readers of the complaint: %q, want %q", readers, want)
		}
		audit, _, err := w.store.Timeline(ctx, w.corruption.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := audit[len(audit)-1]; last.Action != "viewed" || last.Actor != "wanjiku" {
			t.Errorf("the corruption report's last audit entry: %+v, want the dpo's reading", last)
		}
	})
}

func TestWhoReadWhat(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		w := newRightsWorld(t, open(t))
		ctx := storetest.Context(t)
		for _, read := range []struct {
			u  crm.User
			id int64
		}{{w.agent, w.complaint.ID}, {w.officer, w.corruption.ID}, {w.agent, w.complaint.ID}, {w.admin, w.complaint.ID}} {
			w.clock.Advance(time.Minute)
			if _, err := w.CaseDetail(ctx, read.u, read.id); err != nil {
				t.Fatalf("%s reads case %d: %v", read.u.Username, read.id, err)
			}
		}
		// A case the user may not see is not read, and not recorded.
		if _, err := w.CaseDetail(ctx, w.agent, w.corruption.ID); !errors.Is(err, crm.ErrNotFound) {
			t.Fatalf("the agent opens the corruption report: %v", err)
		}
		show := func(list []crm.CaseView) []string {
			var out []string
			for _, v := range list {
				out = append(out, fmt.Sprintf("%s %s %s", v.At.In(nairobi).Format("15:04"), v.Username, v.CaseNumber))
			}
			return out
		}
		c, k := string(w.complaint.Number), string(w.corruption.Number)
		for _, tc := range []struct {
			name string
			list func() ([]crm.CaseView, error)
			want []string
		}{
			{"CaseForTheDPO", func() ([]crm.CaseView, error) { return w.ViewsOfCase(ctx, w.dpo, w.complaint.ID) },
				[]string{"09:04 njeri " + c, "09:03 akinyi " + c, "09:01 akinyi " + c}},
			{"CaseForTheAdmin", func() ([]crm.CaseView, error) { return w.ViewsOfCase(ctx, w.admin, w.complaint.ID) },
				[]string{"09:04 njeri " + c, "09:03 akinyi " + c, "09:01 akinyi " + c}},
			{"CorruptionReportForTheDPO", func() ([]crm.CaseView, error) { return w.ViewsOfCase(ctx, w.dpo, w.corruption.ID) },
				[]string{"09:02 kamau " + k}},
			{"UserForTheDPO", func() ([]crm.CaseView, error) { return w.ViewsByUser(ctx, w.dpo, w.officer.ID) },
				[]string{"09:02 kamau " + k}},
			{"UserForTheAdmin", func() ([]crm.CaseView, error) { return w.ViewsByUser(ctx, w.admin, w.officer.ID) }, nil},
			{"AgentForTheAdmin", func() ([]crm.CaseView, error) { return w.ViewsByUser(ctx, w.admin, w.agent.ID) },
				[]string{"09:03 akinyi " + c, "09:01 akinyi " + c}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := tc.list()
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(show(got), tc.want) {
					t.Errorf("views:\n got %q\nwant %q", show(got), tc.want)
				}
			})
		}
		// A corruption report's readers are the integrity unit's: an administrator asking is
		// told it does not exist, as for a case that does not.
		if _, err := w.ViewsOfCase(ctx, w.admin, w.corruption.ID); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("the admin lists the corruption report's readers: %v", err)
		}
		if _, err := w.ViewsOfCase(ctx, w.dpo, 999999); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("views of no case: %v", err)
		}
		if _, err := w.ViewsByUser(ctx, w.dpo, 999999); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("views by no user: %v", err)
		}
		for _, u := range []crm.User{w.agent, w.officer} {
			if _, err := w.ViewsOfCase(ctx, u, w.complaint.ID); !errors.Is(err, crm.ErrForbidden) {
				t.Errorf("%s lists a case's readers: %v", u.Role, err)
			}
		}
	})
}

func TestEraseCitizen(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		w := newRightsWorld(t, open(t))
		ctx := storetest.Context(t)
		for _, tc := range []struct {
			u      crm.User
			reason string
			want   error
		}{
			{w.agent, "asked by letter", crm.ErrForbidden},
			{w.officer, "asked by letter", crm.ErrForbidden},
			{w.dpo, "  ", crm.ErrBadInput},
			{w.dpo, "letter from 0712 000 001", crm.ErrBadInput},
			{w.dpo, "request of +254712000001", crm.ErrBadInput},
			{w.dpo, "bad\x00byte", crm.ErrBadInput},
		} {
			if _, err := w.EraseCitizen(ctx, tc.u, citizen, tc.reason); !errors.Is(err, tc.want) {
				t.Errorf("%s erasing with reason %q: %v, want %v", tc.u.Role, tc.reason, err, tc.want)
			}
		}
		if list, err := w.Erasures(ctx, w.dpo, 0); err != nil || len(list) != 0 {
			t.Fatalf("a refused erasure was recorded: %+v, %v", list, err)
		}

		e, err := w.EraseCitizen(ctx, w.dpo, citizen, "Letter DPO/2026/031 of 20 November")
		if err != nil {
			t.Fatalf("erase: %v", err)
		}
		if !strings.HasPrefix(e.Token, crm.ErasedPrefix) || e.By != "wanjiku" || e.ByID != w.dpo.ID || e.Total() == 0 {
			t.Errorf("erasure: %+v", e)
		}
		x, err := w.ExportCitizen(ctx, w.dpo, citizen)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Appointments)+len(x.Requests)+len(x.Cases)+len(x.Inbound)+len(x.Messages)+len(x.Calls) != 0 || x.Lang != "" {
			t.Errorf("a copy after the erasure still holds records: %+v", x)
		}
		// The agency may still push its request's status; there is nobody to tell.
		before := notifications(t, w.store, crm.NotificationFilter{Subject: "request:" + string(w.request.Ref)})
		if _, _, err := w.PushRequestEvent(ctx, w.agency, w.request.Ref, crm.RequestEvent{Status: crm.RequestProcessing}); err != nil {
			t.Fatalf("push after the erasure: %v", err)
		}
		if after := notifications(t, w.store, crm.NotificationFilter{Subject: "request:" + string(w.request.Ref)}); len(after) != len(before) {
			t.Errorf("a push after the erasure queued %d messages", len(after)-len(before))
		}
		// Nor can an agent reach the citizen through their old case.
		if _, err := w.AddNote(ctx, w.admin, w.complaint.ID, "Tunakupigia simu", true); err != nil {
			t.Fatalf("reply on the erased case: %v", err)
		}
		for _, m := range notifications(t, w.store, crm.NotificationFilter{Subject: crm.CaseSubject(w.complaint.Number)}) {
			if m.Status == crm.OutboxQueued {
				t.Errorf("a message was queued on the erased case: %+v", m)
			}
		}
		if _, err := w.PlaceCall(ctx, w.admin, w.complaint.Number); !errors.Is(err, crm.ErrBadInput) {
			t.Errorf("a call to the erased citizen: %v, want bad input", err)
		}

		// Twice is harmless; both are on record, newest first, for the dpo and the admin.
		if again, err := w.EraseCitizen(ctx, w.admin, citizen, "asked again"); err != nil || again.Total() != 0 {
			t.Errorf("second erasure: %+v, %v", again, err)
		}
		for _, u := range []crm.User{w.dpo, w.admin} {
			list, err := w.Erasures(ctx, u, 0)
			if err != nil || len(list) != 2 || list[1].ID != e.ID || list[0].By != "njeri" {
				t.Errorf("erasures for %s: %+v, %v", u.Role, list, err)
			}
		}
		if _, err := w.Erasures(ctx, w.agent, 0); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("an agent lists erasures: %v", err)
		}
	})
}

// The retention schedule, run as the clock moves on: each rule takes what is past its period,
// once, and a second run finds nothing.
func TestRetentionSchedule(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		s := open(t)
		ctx := storetest.Context(t)
		clock := testkit.NewClock(at("2026-11-24 09:00"))
		desk, err := crm.NewDesk(ctx, s, crm.DeskConfig{Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		o := crm.NewOffice(desk, crm.OfficeConfig{PasswordCost: 4, Logger: discard})
		agent, err := o.AddUser(ctx, crm.NewUser{Username: "akinyi", Role: crm.RoleAgent, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		text, err := o.LodgeComplaint(ctx, crm.Complaint{Phone: citizen, Lang: crm.English, Centre: "KSM", Category: crm.CategoryLongWait,
			Description: "waited six hours"})
		if err != nil {
			t.Fatal(err)
		}
		voice, err := o.LodgeComplaint(ctx, crm.Complaint{Phone: bystander, Lang: crm.English, Centre: "KSM", Category: crm.CategoryLongWait,
			RecordingURL: "https://voice.africastalking.com/rec/ATVId_voice.mp3"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Book(ctx, crm.Booking{Phone: citizen, Centre: "KSM", Service: "ID-NEW", Day: at("2026-11-25 00:00"), Start: 9 * 60}); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Resolve(ctx, agent, text.ID, "The manager apologised"); err != nil {
			t.Fatal(err)
		}
		sendAll(t, s, clock.Now())

		r := crm.DefaultRetention()
		step := func(name string, want crm.RetentionReport) {
			t.Helper()
			got, err := o.ApplyRetention(ctx, r)
			if err != nil || got != want {
				t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
			}
			if again, err := o.ApplyRetention(ctx, r); err != nil || again != (crm.RetentionReport{}) {
				t.Errorf("%s, run again: %+v, %v; want nothing", name, again, err)
			}
		}
		step("at once", crm.RetentionReport{})
		clock.Set(at("2027-02-22 09:01")) // 90 days and a minute on
		// The sent messages with something to forget (a survey has no arguments).
		msgs := 0
		for _, m := range notifications(t, s, crm.NotificationFilter{Status: crm.OutboxSent}) {
			if len(m.Params) > 0 {
				msgs++
			}
		}
		step("after 90 days", crm.RetentionReport{Recordings: 1, MessageBodies: msgs})
		if got, _ := s.Case(ctx, voice.ID); got.RecordingURL != "" || got.Phone != bystander {
			t.Errorf("the voice complaint after 90 days: recording %q, phone %s", got.RecordingURL, got.Phone.Masked())
		}
		clock.Set(at("2027-11-25 09:00")) // twelve months after the appointment's day
		step("12 months after the day", crm.RetentionReport{})
		clock.Set(at("2027-11-26 09:00"))
		step("12 months and a day after the day", crm.RetentionReport{AppointmentPhones: 1})
		if rec, err := s.CitizenRecords(ctx, citizen); err != nil || len(rec.Appointments) != 0 {
			t.Errorf("the citizen's phone is still on appointments: %+v, %v", rec.Appointments, err)
		}
		clock.Set(at("2028-11-24 09:00").Add(-time.Minute)) // not quite 24 months after the resolution
		step("before 24 months", crm.RetentionReport{})
		clock.Set(at("2028-11-24 09:01"))
		step("24 months after the resolution", crm.RetentionReport{Cases: 1})
		got, err := s.Case(ctx, text.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != crm.AnonymisedMarker || got.Description != crm.AnonymisedMarker || got.Centre != "KSM" || got.Category != crm.CategoryLongWait {
			t.Errorf("the resolved complaint after 24 months: %+v", got)
		}
		if still, _ := s.Case(ctx, voice.ID); still.Phone != bystander {
			t.Errorf("an open case was anonymised: %+v", still)
		}

		// A rule set off keeps its data.
		r.ClosedCases = crm.Period{}
		if _, err := o.ApplyRetention(ctx, r); err != nil {
			t.Fatal(err)
		}
	})
}

// sendAll marks every queued message sent, as the SMS worker would.
func sendAll(t *testing.T, s crm.Store, now time.Time) {
	t.Helper()
	claims, err := s.ClaimNotifications(storetest.Context(t), now, 1000, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range claims {
		if err := s.MarkSent(storetest.Context(t), c.Claim, fmt.Sprintf("ATXid_%d", i), "KES 0.8000", now); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want crm.Period
		err  bool
	}{
		{"24mo", crm.Period{Months: 24}, false},
		{"90d", crm.Period{Days: 90}, false},
		{"2y", crm.Period{Months: 24}, false},
		{" OFF ", crm.Period{}, false},
		{"0d", crm.Period{}, true},
		{"-3mo", crm.Period{}, true},
		{"90", crm.Period{}, true},
		{"90h", crm.Period{}, true},
		{"", crm.Period{}, true},
	} {
		got, err := crm.ParsePeriod(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v, error %t", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil {
			if back, _ := crm.ParsePeriod(got.String()); back != got {
				t.Errorf("ParsePeriod(%q).String() = %q does not read back", tc.in, got.String())
			}
		}
	}
	d := crm.DefaultRetention()
	if d.ClosedCases.String() != "24mo" || d.Recordings.String() != "90d" || d.MessageBodies.String() != "90d" || d.AppointmentPhones.String() != "12mo" {
		t.Errorf("the default schedule: %+v", d)
	}
	if got := (crm.Period{Months: 24}).Before(at("2026-11-24 09:00")); !got.Equal(at("2024-11-24 09:00")) {
		t.Errorf("24 months before: %v", got)
	}
}
