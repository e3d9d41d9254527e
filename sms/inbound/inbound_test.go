package inbound_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/inbound"
	"github.com/huduma-connect/huduma/sms/outbox"
	"github.com/huduma-connect/huduma/sms/templates"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

var nairobi = func() *time.Location {
	loc, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		panic(err)
	}
	return loc
}()

// t0 is the tests' clock: Tuesday 24 November 2026, 09:00 in Nairobi.
var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, nairobi)

// The citizens of the tests.
const (
	owner    = crm.Phone("+254711000111") // holds the ticket, a case and two appointments
	stranger = crm.Phone("+254722000222") // holds one appointment
	third    = crm.Phone("+254733000333") // holds nothing
)

var aliases = map[crm.Phone]string{owner: "owner", stranger: "stranger", third: "third"}

const key = "s3cret"

// world is the gateway's SMS side over a real, seeded store with a fake clock: the ticket,
// case and appointments the fixtures name, and the handler mounted on an app.
type world struct {
	store    realstore.Store
	desk     *crm.Desk
	office   *crm.Office
	clock    *testkit.Clock
	logs     *testkit.Logs // the handler's and the office's
	app      *fiber.App
	vars     *strings.Replacer
	ticket   crm.Reference
	caseNum  crm.Reference
	appt     crm.Appointment // the owner's, Wed 10:00
	appt2    crm.Appointment // the owner's, Thu 09:00
	other    crm.Appointment // the stranger's, Wed 10:00
	unknown  crm.Reference   // well-formed, nobody's
	lastSeen int64           // the newest outbox row before the test's messages
}

// newWorld builds the world over a freshly seeded store.
func newWorld(t testing.TB, s realstore.Store) *world {
	t.Helper()
	ctx := storetest.Context(t)
	w := &world{store: s, clock: testkit.NewClock(t0)}
	var err error
	w.desk, err = crm.NewDesk(ctx, s, crm.DeskConfig{Calendar: crm.DefaultCalendar(nairobi), SlotCapacity: 10, Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var log *slog.Logger
	log, w.logs = testkit.Logger(t)
	// Every line names a citizen by a masked number only.
	t.Cleanup(func() { w.logs.AssertAbsent(string(owner), string(stranger), string(third)) })
	w.office = crm.NewOffice(w.desk, crm.OfficeConfig{PasswordCost: 4, Logger: log})
	w.app = fiber.New()
	inbound.New(w.desk, w.office, inbound.Config{Logger: log}).Mount(w.app)

	ag, _, err := w.office.AddAgency(ctx, "NRB", "National Registration Bureau", w.office.ServicesOf("National Registration Bureau"))
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := w.office.RegisterRequest(ctx, ag, crm.NewRequest{Phone: owner, Service: "ID-NEW", Centre: "KSM",
		Ready: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	w.ticket = r.Ref
	c, err := w.office.LodgeComplaint(ctx, crm.Complaint{Phone: owner, Lang: crm.English, Centre: "KSM",
		Category: crm.CategoryLongWait, Description: "Waited five hours"})
	if err != nil {
		t.Fatal(err)
	}
	w.caseNum = c.Number
	book := func(p crm.Phone, service, day string, start int) crm.Appointment {
		d, _ := time.Parse(time.DateOnly, day)
		a, err := w.desk.Book(ctx, crm.Booking{Phone: p, Centre: "KSM", Service: service, Day: d, Start: start})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.appt = book(owner, "BIRTH-CERT", "2026-11-25", 10*60)
	w.appt2 = book(owner, "ID-NEW", "2026-11-26", 9*60)
	w.other = book(stranger, "BIRTH-CERT", "2026-11-25", 10*60)
	for {
		if w.unknown, err = crm.NewReference(); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains([]crm.Reference{w.ticket, w.caseNum, w.appt.Ref, w.appt2.Ref, w.other.Ref}, w.unknown) {
			break
		}
	}
	grouped := func(r crm.Reference, sep string) string { return strings.ReplaceAll(r.Grouped(), " ", sep) }
	w.vars = strings.NewReplacer(
		"$TICKET", string(w.ticket), "$CASE_SPACED", grouped(w.caseNum, "+"), "$CASE_DASHED", grouped(w.caseNum, "-"),
		"$OTHER_APPT", string(w.other.Ref), "$APPT", string(w.appt.Ref), "$UNKNOWN", string(w.unknown),
	)
	for _, n := range w.outbox(t) {
		w.lastSeen = max(w.lastSeen, n.ID)
	}
	return w
}

func (w *world) outbox(t testing.TB) []crm.Notification {
	t.Helper()
	list, err := w.store.Notifications(storetest.Context(t), crm.NotificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// replies are the outbox rows written since the world was built.
func (w *world) replies(t *testing.T) []crm.Notification {
	t.Helper()
	var out []crm.Notification
	for _, n := range w.outbox(t) {
		if n.ID > w.lastSeen {
			out = append(out, n)
		}
	}
	return out
}

func show(n crm.Notification) string {
	who := aliases[n.Phone]
	if who == "" {
		who = string(n.Phone)
	}
	return fmt.Sprintf("%s %s %s p%d essential=%t", who, n.Kind, n.Lang, n.Priority, n.Essential)
}

// post replays a fixture (testdata/NAME.form, a form as Africa's Talking posts it, with
// $NAMES for the numbers this world drew) and returns the status code.
func (w *world) post(t *testing.T, name, query string) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".form"))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, inbound.Path+query, strings.NewReader(w.vars.Replace(string(raw))))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "AfricasTalking")
	resp, err := w.app.Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func (w *world) upcoming(t *testing.T, p crm.Phone) []crm.Reference {
	t.Helper()
	list, err := w.desk.Upcoming(storetest.Context(t), p)
	if err != nil {
		t.Fatal(err)
	}
	var refs []crm.Reference
	for _, a := range list {
		refs = append(refs, a.Ref)
	}
	return refs
}

func (w *world) optedOut(t *testing.T, p crm.Phone) bool {
	t.Helper()
	out, err := w.desk.OptedOut(storetest.Context(t), p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *world) language(t *testing.T, p crm.Phone) crm.Lang {
	t.Helper()
	l, err := w.desk.Language(storetest.Context(t), p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func params(t *testing.T, n []crm.Notification, i int) map[string]string {
	t.Helper()
	if i >= len(n) {
		t.Fatalf("no reply %d in %d", i, len(n))
	}
	return n[i].Params
}

// TestKeywords replays Africa's Talking's incoming-message callbacks (testdata/*.form) on
// each store and checks the replies queued, what changed, and that every reply renders in at
// most three SMS parts.
func TestKeywords(t *testing.T) {
	tests := []struct {
		name  string
		posts []string // fixtures, posted in order
		code  int      // every post's status; 0 means 200
		query string   // "" means the right key
		want  []string // the outbox rows the posts queued, by show
		check func(t *testing.T, w *world, got []crm.Notification)
	}{
		{name: "STATUS of a ticket to its owner", posts: []string{"status_owner"},
			want: []string{"owner request_status en p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				p := params(t, got, 0)
				if p["ref"] != string(w.ticket) || p["service"] != "ID-NEW" || p["centre"] != "KSM" || p["ready"] != "2026-12-08" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "STATUS of a ticket to a stranger", posts: []string{"status_stranger"},
			want: []string{"stranger sms_status_request en p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				p := params(t, got, 0)
				if p["ref"] != string(w.ticket) || p["status"] != "received" || len(p) != 2 {
					t.Errorf("a stranger learns %v", p)
				}
			}},
		{name: "HALI of a case to its owner, in Kiswahili, remembered", posts: []string{"hali_owner_case"},
			want: []string{"owner sms_status_case sw p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if p := params(t, got, 0); p["case"] != string(w.caseNum) || p["category"] != "long_wait" || p["status"] == "" {
					t.Errorf("params %v", p)
				}
				if l := w.language(t, owner); l != crm.Swahili {
					t.Errorf("language remembered %q, want sw", l)
				}
			}},
		{name: "HALI of a case to a stranger", posts: []string{"hali_stranger_case"},
			want: []string{"stranger sms_status_case sw p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if p := params(t, got, 0); p["category"] != "" || len(p) != 2 {
					t.Errorf("a stranger learns %v", p)
				}
			}},
		{name: "STATUS run into its number", posts: []string{"status_glued"},
			want: []string{"owner request_status en p0 essential=true"}},
		{name: "STATUS with a mistyped number", posts: []string{"status_bad_ref"},
			want: []string{"owner sms_usage en p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if p := params(t, got, 0); p["keyword"] != "status" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "STATUS of a number nobody has", posts: []string{"status_unknown"},
			want: []string{"owner sms_not_found en p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if p := params(t, got, 0); p["ref"] != string(w.unknown) || p["keyword"] != "status" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "STATUS of one's own appointment", posts: []string{"status_appointment"},
			want: []string{"owner sms_appointments en p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if p := params(t, got, 0); p["count"] != "1" || p["ref1"] != string(w.appt.Ref) || p["time1"] != "10:00" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "MIADI lists the upcoming appointments", posts: []string{"miadi"},
			want: []string{"owner sms_appointments sw p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				p := params(t, got, 0)
				if p["count"] != "2" || p["ref1"] != string(w.appt.Ref) || p["ref2"] != string(w.appt2.Ref) || p["day2"] != "2026-11-26" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "APPOINTMENTS when there are none", posts: []string{"appointments_none"},
			want: []string{"third sms_appointments en p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if p := params(t, got, 0); p["count"] != "0" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "GHAIRI of one's own appointment", posts: []string{"ghairi_own"},
			// The notice the desk queues with the cancellation is the answer.
			want: []string{"owner booking_cancelled sw p5 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if refs := w.upcoming(t, owner); slices.Contains(refs, w.appt.Ref) {
					t.Errorf("still booked: %v", refs)
				}
				if p := params(t, got, 0); p["ref"] != string(w.appt.Ref) || p["day"] != "2026-11-25" || p["time"] != "10:00" {
					t.Errorf("params %v", p)
				}
			}},
		{name: "GHAIRI of another phone's appointment", posts: []string{"ghairi_others"},
			want: []string{"owner sms_not_found sw p0 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				if refs := w.upcoming(t, stranger); !slices.Contains(refs, w.other.Ref) {
					t.Errorf("the stranger's appointment was cancelled: %v", refs)
				}
			}},
		{name: "CANCEL twice", posts: []string{"cancel_own", "cancel_own_again"},
			want: []string{"owner booking_cancelled en p5 essential=true", "owner sms_cancelled en p0 essential=true"}},
		{name: "MALALAMIKO opens a case with its acknowledgement, once", posts: []string{"malalamiko", "malalamiko"},
			want: []string{"owner complaint_ack sw p5 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				cases, err := w.store.Cases(storetest.Context(t), crm.CaseFilter{Phone: owner})
				if err != nil {
					t.Fatal(err)
				}
				var sms []crm.Case
				for _, c := range cases {
					if c.Number != w.caseNum {
						sms = append(sms, c)
					}
				}
				if len(sms) != 1 {
					t.Fatalf("%d cases opened by SMS, want 1", len(sms))
				}
				c := sms[0]
				if c.Kind != crm.KindComplaint || c.Category != crm.CategoryOther || c.Lang != crm.Swahili || c.Status != crm.CaseNew ||
					c.Description != "Nilisubiri saa tano katika kituo cha Kisumu" || c.IdempotencyKey != "sms:ATXid_ea1b2c3d4e5f60718293a4b5c6d7e8f9" {
					t.Errorf("case %+v", c)
				}
				if got[0].Subject != crm.CaseSubject(c.Number) || got[0].Params["case"] != string(c.Number) {
					t.Errorf("acknowledgement %+v", got[0])
				}
			}},
		{name: "COMPLAINT without words", posts: []string{"complaint_empty"},
			want: []string{"owner sms_usage en p0 essential=true"}},
		{name: "HELP", posts: []string{"help"}, want: []string{"owner keyword_help en p0 essential=true"}},
		{name: "MSAADA", posts: []string{"msaada"}, want: []string{"owner keyword_help sw p0 essential=true"}},
		{name: "a repeat of the same message does nothing", posts: []string{"help", "help", "status_owner", "status_owner"},
			want: []string{"owner keyword_help en p0 essential=true", "owner request_status en p0 essential=true"}},
		{name: "STOP", posts: []string{"stop"}, want: []string{"owner stop_ack en p0 essential=true"},
			check: func(t *testing.T, w *world, _ []crm.Notification) {
				if !w.optedOut(t, owner) || w.optedOut(t, stranger) {
					t.Fatal("STOP not recorded for its phone alone")
				}
				stopThenReminder(t, w)
			}},
		{name: "ACHA", posts: []string{"acha"}, want: []string{"owner stop_ack sw p0 essential=true"},
			check: func(t *testing.T, w *world, _ []crm.Notification) {
				if !w.optedOut(t, owner) {
					t.Fatal("ACHA not recorded")
				}
			}},
		{name: "STOP then START", posts: []string{"stop", "start"},
			want: []string{"owner stop_ack en p0 essential=true", "owner start_ack en p0 essential=true"},
			check: func(t *testing.T, w *world, _ []crm.Notification) {
				if w.optedOut(t, owner) {
					t.Fatal("still opted out after START")
				}
			}},
		{name: "STOP from a Kiswahili speaker is answered in Kiswahili and keeps the language",
			posts: []string{"hali_owner_case", "stop"},
			want:  []string{"owner sms_status_case sw p0 essential=true", "owner stop_ack sw p0 essential=true"},
			check: func(t *testing.T, w *world, _ []crm.Notification) {
				if l := w.language(t, owner); l != crm.Swahili {
					t.Errorf("STOP changed the remembered language to %q", l)
				}
			}},
		{name: "anything else gets help", posts: []string{"garbage"}, want: []string{"owner keyword_help en p0 essential=true"}},
		{name: "help in the language last used", posts: []string{"hali_owner_case", "garbage"},
			want: []string{"owner sms_status_case sw p0 essential=true", "owner keyword_help sw p0 essential=true"}},
		{name: "an empty message gets help", posts: []string{"empty_text"}, want: []string{"owner keyword_help en p0 essential=true"}},
		// Postgres refuses a NUL byte in text. Refused, the message would fail on every retry
		// of Africa's Talking and the citizen would never get an answer: it is read instead.
		{name: "control bytes alone get help, once", posts: []string{"garbage_nul", "garbage_nul"}, want: []string{"owner keyword_help en p0 essential=true"}},
		{name: "a NUL byte and invalid UTF-8 in a complaint are read, not refused", posts: []string{"complaint_nul"},
			want: []string{"owner complaint_ack sw p5 essential=true"},
			check: func(t *testing.T, w *world, got []crm.Notification) {
				cases, err := w.store.Cases(storetest.Context(t), crm.CaseFilter{Phone: owner})
				if err != nil {
					t.Fatal(err)
				}
				var words []string
				for _, c := range cases {
					words = append(words, c.Description)
				}
				if !slices.Contains(words, "Foleni ndefu\uFFFD sana") {
					t.Errorf("descriptions %q, want the complaint with the NUL as a space and the bad byte as U+FFFD", words)
				}
			}},
		{name: "a number we do not serve is not answered", posts: []string{"foreign_number"}},
		{name: "no id is no message", posts: []string{"missing_id"}, code: 400},
		{name: "no sender is no message", posts: []string{"missing_from"}, code: 400},
	}
	tmpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range realstore.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					w := newWorld(t, k.OpenSeeded(t))
					query, code := tt.query, tt.code
					if query == "" {
						query = "?key=" + key
					}
					if code == 0 {
						code = 200
					}
					for _, f := range tt.posts {
						if got := w.post(t, f, query); got != code {
							t.Fatalf("%s: HTTP %d, want %d", f, got, code)
						}
					}
					got := w.replies(t)
					var shown []string
					for _, n := range got {
						shown = append(shown, show(n))
						text, err := tmpl.Render(w.desk.Catalog(), n)
						if err != nil {
							t.Errorf("%s does not render: %v", show(n), err)
							continue
						}
						if parts, _ := templates.Segments(text); parts < 1 || parts > templates.MaxSegments {
							t.Errorf("%s: %d SMS parts: %q", show(n), parts, text)
						}
					}
					if strings.Join(shown, "\n") != strings.Join(tt.want, "\n") {
						t.Fatalf("queued:\n got %s\nwant %s", strings.Join(shown, "\n     "), strings.Join(tt.want, "\n     "))
					}
					if tt.check != nil {
						tt.check(t, w, got)
					}
				})
			}
		})
	}
}

// sender accepts every message and remembers who it went to.
type sender struct {
	mu   sync.Mutex
	sent []string
}

func (s *sender) Send(_ context.Context, m africastalking.Message) ([]africastalking.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, strings.Join(m.To, ","))
	return []africastalking.Result{{Number: m.To[0], StatusCode: 101, Status: "Success",
		MessageID: fmt.Sprintf("ATXid_test%d", len(s.sent)), Cost: "KES 0.8000", Outcome: africastalking.Accepted}}, nil
}

// stopThenReminder follows a STOP to the evening before the owner's appointment: the
// reminders are queued as non-essential bulk rows, and the outbox worker suppresses the
// owner's while it sends the stranger's (who did not text STOP) and the STOP's own answer.
func stopThenReminder(t *testing.T, w *world) {
	ctx := storetest.Context(t)
	w.clock.Set(time.Date(2026, 11, 24, 18, 0, 0, 0, nairobi))
	if n, err := w.desk.QueueReminders(ctx); err != nil || n != 2 {
		t.Fatalf("reminders queued: %d, %v; want the owner's and the stranger's", n, err)
	}
	reminder := func(p crm.Phone) crm.Notification {
		t.Helper()
		list, err := w.store.Notifications(ctx, crm.NotificationFilter{Phone: p, Kind: crm.NotifyReminderEvening})
		if err != nil || len(list) != 1 {
			t.Fatalf("evening reminders of %s: %v, %v", p, list, err)
		}
		return list[0]
	}
	if r := reminder(owner); r.Essential || r.Priority != crm.PriorityBulk {
		t.Fatalf("reminder essential=%t priority=%d, want a non-essential bulk message", r.Essential, r.Priority)
	}
	tmpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	snd := &sender{}
	worker := outbox.New(w.store, snd, tmpl, w.desk.Catalog, outbox.Config{
		Workers: 1, NoQuietHours: true, Now: w.clock.Now, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); worker.Run(runCtx) }()
	defer func() { stop(); <-done }()
	testkit.EventuallyNoError(t, func() error {
		if o, s := reminder(owner).Status, reminder(stranger).Status; o != crm.OutboxSuppressed || s != crm.OutboxSent {
			return fmt.Errorf("owner's %s, stranger's %s; want suppressed and sent", o, s)
		}
		return nil
	}, 20*time.Second, "reminders")
	testkit.EventuallyNoError(t, func() error {
		acks, err := w.store.Notifications(ctx, crm.NotificationFilter{Phone: owner, Kind: crm.NotifyStopAck})
		if err != nil || len(acks) != 1 {
			t.Fatalf("stop acks %v, %v", acks, err)
		}
		if acks[0].Status != crm.OutboxSent {
			return fmt.Errorf("it is %s, want sent (it is essential)", acks[0].Status)
		}
		return nil
	}, 20*time.Second, "the answer to STOP")
}

// TestContentType refuses what is not a form.
func TestContentType(t *testing.T) {
	w := newWorld(t, realstore.Kinds[0].OpenSeeded(t))
	req := httptest.NewRequest(http.MethodPost, inbound.Path+"?key="+key, strings.NewReader(`{"text":"HELP"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.app.Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("HTTP %d, want 415", resp.StatusCode)
	}
}

// TestConcurrentRepeats delivers one message many times at once, as an aggregator retrying a
// slow callback does: one answer, one case.
func TestConcurrentRepeats(t *testing.T) {
	for _, k := range realstore.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			w := newWorld(t, k.OpenSeeded(t))
			var wg sync.WaitGroup
			codes := make([]int, 8)
			for i := range codes {
				wg.Go(func() { codes[i] = w.post(t, "malalamiko", "?key="+key) })
			}
			wg.Wait()
			for i, c := range codes {
				if c != 200 {
					t.Fatalf("delivery %d: HTTP %d", i, c)
				}
			}
			var shown []string
			for _, n := range w.replies(t) {
				shown = append(shown, show(n))
			}
			if want := []string{"owner complaint_ack sw p5 essential=true"}; !slices.Equal(shown, want) {
				t.Fatalf("queued %v, want %v", shown, want)
			}
		})
	}
}

// The satisfaction SMS asks for a bare 1–4: the reply rates the phone's latest resolved case.
// From a phone with nothing to rate, a digit is just not understood.
func TestRatingReply(t *testing.T) {
	for _, k := range realstore.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			w := newWorld(t, k.OpenSeeded(t))
			ctx := storetest.Context(t)
			sup, err := w.office.AddUser(ctx, crm.NewUser{Username: "akinyi", Role: crm.RoleSupervisor, Password: "a long passphrase"})
			if err != nil {
				t.Fatal(err)
			}
			c, err := w.store.CaseByNumber(ctx, w.caseNum)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.office.Resolve(ctx, sup, c.ID, "Two more counters open"); err != nil {
				t.Fatal(err)
			}
			before := len(w.replies(t))
			for _, f := range []string{"rate_owner", "rate_nothing", "rate_owner"} { // the repeat is ignored
				if code := w.post(t, f, "?key="+key); code != http.StatusOK {
					t.Fatalf("%s: HTTP %d", f, code)
				}
			}
			var got []string
			for _, n := range w.replies(t)[before:] {
				got = append(got, show(n))
			}
			want := []string{"owner sms_rated en p0 essential=true", "third keyword_help en p0 essential=true"}
			if !slices.Equal(got, want) {
				t.Errorf("replies:\n got %q\nwant %q", got, want)
			}
			if c, err = w.store.CaseByNumber(ctx, w.caseNum); err != nil || c.Rating != crm.RatingGood {
				t.Errorf("case rated %q (%v), want good", c.Rating, err)
			}
		})
	}
}
