package crm_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// dialer is a voice provider that answers as told and remembers whom it rang.
type dialer struct {
	mu     sync.Mutex
	rang   []crm.Phone
	ids    []string
	err    error
	queues map[string]int
}

func (d *dialer) Call(_ context.Context, to crm.Phone, clientRequestID string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return "", d.err
	}
	d.rang, d.ids = append(d.rang, to), append(d.ids, clientRequestID)
	return "ATVId_placed_" + string(rune('a'+len(d.rang)-1)), nil
}

func (d *dialer) QueuedCalls(context.Context) (map[string]int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.queues), d.err
}

func TestContactCentreOpen(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		for _, tc := range []struct {
			when string
			want bool
		}{
			{"2026-11-24 10:00", true},  // a Tuesday morning
			{"2026-11-24 08:00", true},  // opening
			{"2026-11-24 07:59", false}, // a minute early
			{"2026-11-24 17:00", false}, // closing
			{"2026-11-28 10:00", false}, // Saturday
			{"2026-11-29 10:00", false}, // Sunday
			{"2026-12-25 10:00", false}, // Christmas Day, a Friday
			{"2026-12-24 16:59", true},  // the working day before it
		} {
			if got := o.ContactCentreOpen(at(tc.when)); got != tc.want {
				t.Errorf("ContactCentreOpen(%s) = %t, want %t", tc.when, got, tc.want)
			}
		}
	})
}

func TestRecordCallValidates(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		ok := crm.CallEvent{SessionID: "ATVId_ok", Direction: crm.CallInbound, Phone: "+254712000001"}
		long := func(n int) string { return strings.Repeat("a", n) }
		for _, tc := range []struct {
			name string
			edit func(ev *crm.CallEvent)
		}{
			{"no session id", func(ev *crm.CallEvent) { ev.SessionID = "  " }},
			{"session id too long", func(ev *crm.CallEvent) { ev.SessionID = long(crm.MaxCallSessionID + 1) }},
			{"session id with a space", func(ev *crm.CallEvent) { ev.SessionID = "ATVId a" }},
			{"session id with a newline", func(ev *crm.CallEvent) { ev.SessionID = "ATVId\na" }},
			{"session id not UTF-8", func(ev *crm.CallEvent) { ev.SessionID = "ATVId_\xff" }},
			{"foreign phone", func(ev *crm.CallEvent) { ev.Phone = "+15551234567" }},
			{"garbage phone", func(ev *crm.CallEvent) { ev.Phone = "07123" }},
			{"unknown direction", func(ev *crm.CallEvent) { ev.Direction = "sideways" }},
			{"unknown language", func(ev *crm.CallEvent) { ev.Lang = "fr" }},
			{"unknown outcome", func(ev *crm.CallEvent) { ev.Outcome = "won" }},
			{"negative case", func(ev *crm.CallEvent) { ev.CaseID = -1 }},
			{"negative agent", func(ev *crm.CallEvent) { ev.AgentID = -1 }},
			{"negative duration", func(ev *crm.CallEvent) { ev.DurationSeconds = -1 }},
			{"duration over a day", func(ev *crm.CallEvent) { ev.DurationSeconds = 86401 }},
			{"relative recording", func(ev *crm.CallEvent) { ev.RecordingURL = "/recordings/1.mp3" }},
			{"javascript recording", func(ev *crm.CallEvent) { ev.RecordingURL = "javascript:alert(1)" }},
			{"ftp recording", func(ev *crm.CallEvent) { ev.RecordingURL = "ftp://example.com/1.mp3" }},
			{"recording with credentials", func(ev *crm.CallEvent) { ev.RecordingURL = "https://u:p@example.com/1.mp3" }},
			{"recording too long", func(ev *crm.CallEvent) { ev.RecordingURL = "https://example.com/" + long(crm.MaxRecordingURL) }},
			{"cost too long", func(ev *crm.CallEvent) { ev.Cost = "KES " + long(60) }},
			{"hangup cause with control characters", func(ev *crm.CallEvent) { ev.HangupCause = "NORMAL\x00" }},
			{"queue too long", func(ev *crm.CallEvent) { ev.Queue = long(101) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ev := ok
				ev.SessionID = "ATVId_bad_" + strings.ReplaceAll(tc.name, " ", "_")
				tc.edit(&ev)
				_, err := o.RecordCall(ctx, ev)
				if !errors.Is(err, crm.ErrBadInput) {
					t.Fatalf("RecordCall: %v, want ErrBadInput", err)
				}
				if _, err := o.Call(ctx, ev.SessionID); !errors.Is(err, crm.ErrNotFound) {
					t.Fatalf("a refused callback was stored: %v", err)
				}
			})
		}

		// A good callback is tidied: the phone in E.164, fields trimmed, an abandonment
		// reported mid-call kept as queued, the time the office's clock when none is given.
		got, err := o.RecordCall(ctx, crm.CallEvent{
			SessionID: " ATVId_good ", Direction: crm.CallInbound, Phone: "0712 000 001", Lang: crm.Swahili,
			Queue: " agents-sw ", Outcome: crm.CallAbandoned, Cost: " KES 0.5000 ",
			RecordingURL: " http://127.0.0.1:8090/recordings/1.mp3 ",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.SessionID != "ATVId_good" || got.Phone != "+254712000001" || got.Queue != "agents-sw" ||
			got.Outcome != crm.CallQueued || got.Cost != "KES 0.5000" || !got.Active ||
			got.RecordingURL != "http://127.0.0.1:8090/recordings/1.mp3" || !got.StartedAt.Equal(at("2026-11-24 09:00")) {
			t.Fatalf("recorded %+v", got)
		}
		// The call ends: a queued call nobody answered is abandoned.
		got, err = o.RecordCall(ctx, crm.CallEvent{SessionID: "ATVId_good", Final: true, DurationSeconds: 30, HangupCause: "NORMAL_CLEARING"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Outcome != crm.CallAbandoned || got.Active || got.Phone != "+254712000001" {
			t.Fatalf("after the final notification: %+v", got)
		}

		_, err = o.RecordCall(ctx, crm.CallEvent{SessionID: "ATVId_nocase", Phone: "+254712000001", CaseID: 999999})
		if !errors.Is(err, crm.ErrNotFound) {
			t.Fatalf("a callback naming an unknown case: %v, want ErrNotFound", err)
		}
	})
}

func TestPlaceCall(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		agent := o.addUser(t, "achieng", crm.RoleAgent, "", 1)
		other := o.addUser(t, "baraka", crm.RoleAgent, "", 2)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 3)
		officer := o.addUser(t, "kamau", crm.RoleIntegrityOfficer, "", 4)
		admin, err := o.AddUser(ctx, crm.NewUser{Username: "root", Role: crm.RoleAdmin, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}

		c := o.complain(t, "+254712000009", crm.CategoryLongWait, "KSM")
		// Round-robin gave it to one of the two agents; make it achieng's.
		if c.AssigneeID != agent.ID {
			sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 5)
			if c, err = o.Assign(ctx, sup, c.ID, agent.ID); err != nil {
				t.Fatal(err)
			}
		}
		corruption := o.complain(t, "+254712000008", crm.CategoryCorruption, "KSM")

		// Without a voice provider nothing is placed.
		_, err = o.PlaceCall(ctx, agent, c.Number)
		if !errors.Is(err, crm.ErrVoiceUnavailable) {
			t.Fatalf("no dialer: %v, want ErrVoiceUnavailable", err)
		}
		d := &dialer{}
		o.SetVoiceDialer(d)

		for _, tc := range []struct {
			name   string
			actor  crm.User
			number crm.Reference
			want   error
		}{
			{"another agent's case", other, c.Number, crm.ErrForbidden},
			{"a centre manager", manager, c.Number, crm.ErrForbidden},
			{"a staff member without a phone", admin, c.Number, crm.ErrBadInput},
			{"an agent and a corruption report", agent, corruption.Number, crm.ErrNotFound},
			{"an integrity officer and a general case", officer, c.Number, crm.ErrNotFound},
			{"an unknown case", agent, "000000000", crm.ErrNotFound},
		} {
			_, err := o.PlaceCall(ctx, tc.actor, tc.number)
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if len(d.rang) != 0 {
			t.Fatalf("refused calls rang %v", d.rang)
		}

		call, err := o.PlaceCall(ctx, agent, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if call.SessionID != "ATVId_placed_a" || call.Direction != crm.CallOutbound || call.Phone != c.Phone ||
			call.CaseID != c.ID || call.CaseNumber != c.Number || call.AgentID != agent.ID || call.Lang != c.Lang ||
			call.Outcome != crm.CallInMenu || !call.Active {
			t.Fatalf("placed %+v", call)
		}
		if len(d.rang) != 1 || d.rang[0] != c.Phone || !strings.Contains(d.ids[0], string(c.Number)) {
			t.Fatalf("rang %v with %v", d.rang, d.ids)
		}
		detail, err := o.CaseDetail(ctx, agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := detail.Audit[len(detail.Audit)-1]
		if last.Action != "called" || last.ActorID != agent.ID || !strings.Contains(last.Detail, call.SessionID) {
			t.Fatalf("last audit entry %+v, want the call by %s", last, agent.Username)
		}
		if len(detail.Calls) != 1 || detail.Calls[0].SessionID != call.SessionID {
			t.Fatalf("case calls %+v", detail.Calls)
		}
		if detail.Case.FirstResponseAt.IsZero() {
			t.Fatal("a placed call is not the case's first response")
		}
		// The voice channel finds whom to connect the citizen to.
		_, who, err := o.CallAgent(ctx, call.SessionID)
		if err != nil || who.ID != agent.ID || who.Phone != agent.Phone {
			t.Fatalf("CallAgent: %+v, %v", who, err)
		}

		// The integrity officer may call the reporter of the case they hold.
		if _, err := o.PlaceCall(ctx, officer, corruption.Number); err != nil {
			t.Fatalf("integrity officer: %v", err)
		}

		// The provider refuses: nothing is recorded, nothing audited.
		d.err = errors.New("africastalking: call: not placed: InvalidPhoneNumber (permanent)")
		_, err = o.PlaceCall(ctx, agent, c.Number)
		if !errors.Is(err, crm.ErrVoiceFailed) {
			t.Fatalf("refused by the provider: %v, want ErrVoiceFailed", err)
		}
		after, err := o.CaseDetail(ctx, agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Calls) != 1 || len(after.Audit) != len(detail.Audit) {
			t.Fatalf("a refused call left %d calls and %d audit entries, want 1 and %d", len(after.Calls), len(after.Audit), len(detail.Audit))
		}

		// Taking the provider away takes calls away.
		o.SetVoiceDialer(nil)
		if _, err := o.PlaceCall(ctx, agent, c.Number); !errors.Is(err, crm.ErrVoiceUnavailable) {
			t.Fatalf("dialer removed: %v", err)
		}
	})
}

func TestQueueLengths(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		agent := o.addUser(t, "achieng", crm.RoleAgent, "", 1)
		sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 2)
		admin := o.addUser(t, "root", crm.RoleAdmin, "", 3)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 4)
		officer := o.addUser(t, "kamau", crm.RoleIntegrityOfficer, "", 5)

		if _, err := o.QueueLengths(ctx, agent); !errors.Is(err, crm.ErrVoiceUnavailable) {
			t.Fatalf("no dialer: %v", err)
		}
		d := &dialer{queues: map[string]int{"agents-en": 3, "agents-sw": 1}}
		o.SetVoiceDialer(d)
		for _, u := range []crm.User{agent, sup, admin} {
			got, err := o.QueueLengths(ctx, u)
			if err != nil || !maps.Equal(got, d.queues) {
				t.Errorf("%s: %v, %v", u.Role, got, err)
			}
		}
		for _, u := range []crm.User{manager, officer} {
			if _, err := o.QueueLengths(ctx, u); !errors.Is(err, crm.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", u.Role, err)
			}
		}
		d.err = errors.New("africastalking: queue status: HTTP 503 (retryable)")
		if _, err := o.QueueLengths(ctx, agent); !errors.Is(err, crm.ErrVoiceFailed) {
			t.Errorf("provider down: %v, want ErrVoiceFailed", err)
		}
	})
}

func TestAgentByPhone(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		agent := o.addUser(t, "achieng", crm.RoleAgent, "", 1)
		sup := o.addUser(t, "akinyi", crm.RoleSupervisor, "", 2)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 3)
		for _, tc := range []struct {
			phone crm.Phone
			want  int64 // 0: ErrNotFound
		}{
			{agent.Phone, agent.ID},
			{sup.Phone, sup.ID},
			{manager.Phone, 0}, // staff, but not on the phones
			{"+254712000001", 0},
			{"", 0},
		} {
			u, err := o.AgentByPhone(ctx, tc.phone)
			switch {
			case tc.want == 0 && !errors.Is(err, crm.ErrNotFound):
				t.Errorf("AgentByPhone(%s): %+v, %v; want ErrNotFound", tc.phone, u, err)
			case tc.want != 0 && (err != nil || u.ID != tc.want):
				t.Errorf("AgentByPhone(%s): %+v, %v; want user %d", tc.phone, u, err, tc.want)
			}
		}
	})
}

func TestVoiceComplaintAndMessage(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 1)
		const rec = "https://voice.africastalking.com/recordings/ATVId_1.mp3"
		complaint := crm.Complaint{
			Phone: "+254712000001", Lang: crm.Swahili, Centre: "KSM", Category: crm.CategoryStaffConduct,
			RecordingURL: rec, IdempotencyKey: "voice:ATVId_1",
		}
		c, err := o.LodgeComplaint(ctx, complaint)
		if err != nil {
			t.Fatal(err)
		}
		if c.RecordingURL != rec || c.Description != "" {
			t.Fatalf("case %+v", c)
		}
		again, err := o.LodgeComplaint(ctx, complaint) // AT repeats the recording's callback
		if err != nil || again.ID != c.ID {
			t.Fatalf("repeat: case %d, %v; want case %d", again.ID, err, c.ID)
		}
		got := notifications(t, o.store, crm.NotificationFilter{Subject: crm.CaseSubject(c.Number)})
		if len(got) != 2 || got[0].Kind != crm.NotifyComplaintAck || got[1].Kind != crm.NotifyManagerAlert ||
			got[1].Phone != manager.Phone || got[1].Params["voice"] != "1" {
			t.Fatalf("outbox %+v, want one acknowledgement and one manager alert saying it was a voice message", got)
		}
		typed := o.complain(t, "+254712000002", crm.CategoryLongWait, "KSM")
		for _, n := range notifications(t, o.store, crm.NotificationFilter{Subject: crm.CaseSubject(typed.Number), Kind: crm.NotifyManagerAlert}) {
			if _, ok := n.Params["voice"]; ok {
				t.Fatalf("a typed complaint's alert says voice: %+v", n)
			}
		}

		w := o.CallbackWindows()[0]
		msg, err := o.RequestCallback(ctx, crm.CallbackRequest{
			Phone: "+254712000003", Lang: crm.English, Window: w, RecordingURL: rec, IdempotencyKey: "voice:ATVId_2",
		})
		if err != nil {
			t.Fatal(err)
		}
		if msg.Kind != crm.KindCallback || msg.RecordingURL != rec {
			t.Fatalf("message case %+v", msg)
		}

		for _, tc := range []struct {
			name string
			do   func() error
		}{
			{"complaint without words or recording", func() error {
				_, err := o.LodgeComplaint(ctx, crm.Complaint{Phone: "+254712000004", Lang: crm.English, Category: crm.CategoryOther})
				return err
			}},
			{"complaint with a relative recording", func() error {
				_, err := o.LodgeComplaint(ctx, crm.Complaint{Phone: "+254712000004", Lang: crm.English, Category: crm.CategoryOther, RecordingURL: "rec/1.mp3"})
				return err
			}},
			{"message with a data: recording", func() error {
				_, err := o.RequestCallback(ctx, crm.CallbackRequest{Phone: "+254712000004", Lang: crm.English, Window: w, RecordingURL: "data:audio/mp3;base64,AAAA"})
				return err
			}},
		} {
			if err := tc.do(); !errors.Is(err, crm.ErrBadInput) {
				t.Errorf("%s: %v, want ErrBadInput", tc.name, err)
			}
		}
		if list, err := o.store.Cases(ctx, crm.CaseFilter{Phone: "+254712000004"}); err != nil || len(list) != 0 {
			t.Fatalf("refused input left %d cases (%v)", len(list), err)
		}
	})
}

func TestPhoneCallsScopedByRole(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		agent := o.addUser(t, "achieng", crm.RoleAgent, "", 1)
		officer := o.addUser(t, "kamau", crm.RoleIntegrityOfficer, "", 2)
		manager := o.addUser(t, "otieno", crm.RoleCentreManager, "KSM", 3)
		const caller = "+254712000001"
		general := o.complain(t, caller, crm.CategoryLongWait, "KSM")
		report := o.complain(t, caller, crm.CategoryCorruption, "KSM")
		for i, ev := range []crm.CallEvent{
			{SessionID: "ATVId_menu", Phone: caller},
			{SessionID: "ATVId_general", Phone: caller, CaseID: general.ID, Outcome: crm.CallComplaint},
			{SessionID: "ATVId_report", Phone: caller, CaseID: report.ID, Outcome: crm.CallComplaint},
		} {
			ev.Direction, ev.At = crm.CallInbound, at("2026-11-24 09:00").Add(time.Duration(i)*time.Minute)
			if _, err := o.RecordCall(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			who  crm.User
			want []string
		}{
			{agent, []string{"ATVId_general", "ATVId_menu"}},
			{officer, []string{"ATVId_report"}},
			{manager, []string{"ATVId_general"}},
		} {
			list, err := o.PhoneCalls(ctx, tc.who, caller, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range list {
				got = append(got, c.SessionID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s sees %v, want %v", tc.who.Role, got, tc.want)
			}
		}
	})
}
