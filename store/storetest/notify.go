package storetest

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// runNotify checks what the stores write for the SMS channel: the notifications a booking,
// a cancellation and a reschedule queue in their own transaction, citizens' inbound messages
// (recorded once, with their replies), opt-outs, and appointment reminders (queued once).
func runNotify(t *testing.T, open func(t *testing.T) Store) {
	t.Run("BookQueuesItsNotifications", func(t *testing.T) { testBookNotifies(t, open(t)) })
	t.Run("IdempotentRepeatQueuesNoSecondConfirmation", func(t *testing.T) { testBookRepeatNotifiesOnce(t, open(t)) })
	t.Run("IdempotentConcurrentQueuesOneConfirmation", func(t *testing.T) { testBookConcurrentNotifiesOnce(t, open) })
	t.Run("RefusedBookingQueuesNothing", func(t *testing.T) { testRefusedBookingQueuesNothing(t, open(t)) })
	t.Run("CancelQueuesOnce", func(t *testing.T) { testCancelNotifiesOnce(t, open(t)) })
	t.Run("ConcurrentCancelsQueueOnce", func(t *testing.T) { testConcurrentCancelNotifiesOnce(t, open(t)) })
	t.Run("RescheduleQueuesWhenItMoves", func(t *testing.T) { testRescheduleNotifies(t, open(t)) })
	t.Run("InboundRecordedOnce", func(t *testing.T) { testInboundOnce(t, open(t)) })
	t.Run("InboundConcurrentRepeats", func(t *testing.T) { testInboundConcurrent(t, open(t)) })
	t.Run("ForgetInbound", func(t *testing.T) { testForgetInbound(t, open(t)) })
	t.Run("OptOut", func(t *testing.T) { testOptOut(t, open(t)) })
	t.Run("DueReminders", func(t *testing.T) { testDueReminders(t, open(t)) })
	t.Run("QueueRemindersOnce", func(t *testing.T) { testQueueRemindersOnce(t, open(t)) })
	t.Run("QueueRemindersConcurrent", func(t *testing.T) { testQueueRemindersConcurrent(t, open(t)) })
	t.Run("CancelWithdrawsQueuedReminders", func(t *testing.T) { testCancelWithdrawsReminders(t, open(t)) })
	t.Run("RescheduleRemindsTheNewTime", func(t *testing.T) { testRescheduleWithdrawsReminders(t, open(t)) })
}

var notifyAt = time.Date(2031, time.February, 1, 7, 30, 15, 123456000, time.UTC)

// apptNote is a message about an appointment, as the desk builds them.
func apptNote(kind crm.NotificationKind, a crm.Appointment) crm.Notification {
	return crm.Notification{
		Phone: a.Phone, Lang: crm.Swahili, Kind: kind, Priority: crm.PriorityNormal, Essential: true,
		Subject: "appointment:" + string(a.Ref), CreatedAt: notifyAt, Params: crm.AppointmentParams(a),
	}
}

func apptSubject(ref crm.Reference) crm.NotificationFilter {
	return crm.NotificationFilter{Subject: "appointment:" + string(ref)}
}

// bookingWithConfirmation is booking() carrying its confirmation.
func bookingWithConfirmation(t testing.TB, p crm.Phone) crm.NewAppointment {
	req := booking(t, p)
	req.Notifications = []crm.Notification{apptNote(crm.NotifyBookingConfirmed, appointmentOf(req))}
	return req
}

func appointmentOf(req crm.NewAppointment) crm.Appointment {
	return crm.Appointment{Ref: req.Ref, Phone: req.Phone, Centre: req.Centre, Service: req.Service,
		Day: crm.DateOf(req.Day), Start: req.Start, Status: crm.StatusBooked}
}

func testBookNotifies(t *testing.T, s Store) {
	req := bookingWithConfirmation(t, phone(1))
	a := mustBook(t, s, req)
	got := wantOutbox(t, s, apptSubject(a.Ref), req.Notifications)
	if !got[0].CreatedAt.Equal(notifyAt) {
		t.Fatalf("confirmation created at %s, want %s", stampOf(got[0].CreatedAt), stampOf(notifyAt))
	}
	if p := got[0].Params; p["day"] != "2031-03-03" || p["time"] != "09:00" || p["ref"] != string(a.Ref) {
		t.Fatalf("confirmation params %v", p)
	}
}

func testBookRepeatNotifiesOnce(t *testing.T, s Store) {
	req := bookingWithConfirmation(t, phone(1))
	req.IdempotencyKey = "ussd-session-9/hop-5"
	first := mustBook(t, s, req)

	again := bookingWithConfirmation(t, phone(1)) // a retry draws a fresh reference
	again.IdempotencyKey = req.IdempotencyKey
	second := mustBook(t, s, again)
	sameAppointment(t, "repeated request", second, first)
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}, req.Notifications)
}

func testBookConcurrentNotifiesOnce(t *testing.T, open func(t *testing.T) Store) {
	for _, capacity := range []int{20, 1} {
		t.Run(fmt.Sprintf("Capacity%d", capacity), func(t *testing.T) {
			s := open(t)
			const callers = 12
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				errs  = make([]error, callers)
				ctx   = Context(t)
			)
			for i := range callers {
				req := bookingWithConfirmation(t, phone(1))
				req.Capacity = capacity
				req.IdempotencyKey = "ussd-session-8/hop-3"
				wg.Go(func() {
					<-start
					_, errs[i] = s.Book(ctx, req)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("caller %d: %v", i, err)
				}
			}
			list := upcoming(t, s, phone(1))
			if len(list) != 1 {
				t.Fatalf("%d appointments, want 1", len(list))
			}
			rows := listOutbox(t, s, crm.NotificationFilter{Phone: phone(1)})
			if len(rows) != 1 || rows[0].Params["ref"] != string(list[0].Ref) {
				t.Fatalf("outbox %v, want one confirmation of %s", rows, list[0].Ref)
			}
		})
	}
}

func testRefusedBookingQueuesNothing(t *testing.T, s Store) {
	first := bookingWithConfirmation(t, phone(1))
	first.Capacity = 1
	mustBook(t, s, first)

	full := bookingWithConfirmation(t, phone(2))
	full.Capacity = 1
	_, err := s.Book(Context(t), full)
	wantErr(t, "booking a full slot", err, crm.ErrSlotFull)

	twice := bookingWithConfirmation(t, phone(1))
	twice.Start = 10 * 60
	_, err = s.Book(Context(t), twice)
	wantErr(t, "booking the same service twice a day", err, crm.ErrAlreadyBooked)

	clash := bookingWithConfirmation(t, phone(3))
	clash.Ref, clash.Service = first.Ref, service2
	_, err = s.Book(Context(t), clash)
	wantErr(t, "booking with a taken reference", err, crm.ErrReferenceTaken)

	for _, p := range []crm.Phone{phone(2), phone(3)} {
		wantOutbox(t, s, crm.NotificationFilter{Phone: p}, nil)
	}
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}, first.Notifications)
}

// cancelNotice is a notifier that counts its calls and checks it is given the appointment as
// the cancel found it.
func cancelNotice(t testing.TB, want crm.Appointment, calls *atomic.Int32) crm.AppointmentNotifier {
	return func(a crm.Appointment) []crm.Notification {
		calls.Add(1)
		if a.Ref != want.Ref || a.Phone != want.Phone || a.Centre != want.Centre || a.Service != want.Service ||
			!a.Day.Equal(want.Day) || a.Start != want.Start || a.Status != crm.StatusBooked {
			t.Errorf("notifier given %+v, want the booked %+v", a, want)
		}
		return []crm.Notification{apptNote(crm.NotifyBookingCancelled, a)}
	}
}

func testCancelNotifiesOnce(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))
	var calls atomic.Int32

	// Not the phone's: nothing happens and nothing is built.
	_, err := s.Cancel(Context(t), phone(2), a.Ref, cancelNotice(t, a, &calls))
	wantErr(t, "cancel another phone's appointment", err, crm.ErrNotFound)

	got, err := s.Cancel(Context(t), phone(1), a.Ref, cancelNotice(t, a, &calls))
	if err != nil || got.Status != crm.StatusCancelled {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	got, err = s.Cancel(Context(t), phone(1), a.Ref, cancelNotice(t, a, &calls))
	if err != nil || got.Status != crm.StatusCancelled {
		t.Fatalf("cancel again: %+v, %v", got, err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("notifier called %d times, want once", n)
	}
	wantOutbox(t, s, apptSubject(a.Ref), []crm.Notification{apptNote(crm.NotifyBookingCancelled, a)})
	// Without a notifier nothing is queued (as before there were any).
	b := mustBook(t, s, booking(t, phone(3)))
	mustCancel(t, s, phone(3), b.Ref)
	wantOutbox(t, s, apptSubject(b.Ref), nil)
}

func testConcurrentCancelNotifiesOnce(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))
	var (
		calls atomic.Int32
		wg    sync.WaitGroup
		start = make(chan struct{})
		ctx   = Context(t)
	)
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			<-start
			_, errs[i] = s.Cancel(ctx, phone(1), a.Ref, cancelNotice(t, a, &calls))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	wantOutbox(t, s, apptSubject(a.Ref), []crm.Notification{apptNote(crm.NotifyBookingCancelled, a)})
	wantBooked(t, s, service, day0, 9*60, 0)
}

func testRescheduleNotifies(t *testing.T, s Store) {
	a := mustBook(t, s, booking(t, phone(1)))
	moved := a
	moved.Day, moved.Start = day0.AddDate(0, 0, 1), 10*60
	confirm := apptNote(crm.NotifyBookingConfirmed, moved)

	// To the slot it has: nothing changes, nothing is queued.
	if _, err := s.Reschedule(Context(t), phone(1), a.Ref, day0, 9*60, 10, confirm); err != nil {
		t.Fatal(err)
	}
	wantOutbox(t, s, apptSubject(a.Ref), nil)

	// Refused (the new slot is closed): nothing is queued.
	_, err := s.Reschedule(Context(t), phone(1), a.Ref, moved.Day, moved.Start, 0, confirm)
	wantErr(t, "reschedule to a closed slot", err, crm.ErrSlotFull)
	wantOutbox(t, s, apptSubject(a.Ref), nil)

	if _, err := s.Reschedule(Context(t), phone(1), a.Ref, moved.Day, moved.Start, 10, confirm); err != nil {
		t.Fatal(err)
	}
	wantOutbox(t, s, apptSubject(a.Ref), []crm.Notification{confirm})
}

func reply(p crm.Phone, id string, kind crm.NotificationKind) crm.Notification {
	return crm.Notification{Phone: p, Lang: crm.English, Kind: kind, Priority: crm.PriorityUrgent, Essential: true,
		Subject: "sms:" + id, CreatedAt: notifyAt, Params: map[string]string{}}
}

func inbound(p crm.Phone, id, text string, replies ...crm.Notification) crm.Inbound {
	return crm.Inbound{ID: id, Phone: p, Text: text, SentAt: notifyAt.Add(-time.Second), ReceivedAt: notifyAt, Replies: replies}
}

func mustRecordInbound(t testing.TB, s Store, in crm.Inbound) bool {
	t.Helper()
	first, err := s.RecordInbound(Context(t), in)
	if err != nil {
		t.Fatalf("RecordInbound(%s): %v", in.ID, err)
	}
	return first
}

func optedOut(t testing.TB, s Store, p crm.Phone) bool {
	t.Helper()
	out, err := s.OptedOut(Context(t), p)
	if err != nil {
		t.Fatalf("OptedOut(%s): %v", p, err)
	}
	return out
}

func seen(t testing.TB, s Store, id string) bool {
	t.Helper()
	ok, err := s.InboundSeen(Context(t), id)
	if err != nil {
		t.Fatalf("InboundSeen(%s): %v", id, err)
	}
	return ok
}

func testInboundOnce(t *testing.T, s Store) {
	help := reply(phone(1), "ATXid_1", crm.NotifyKeywordHelp)
	if seen(t, s, "ATXid_1") {
		t.Fatal("an unknown message is seen")
	}
	if !mustRecordInbound(t, s, inbound(phone(1), "ATXid_1", "help", help)) {
		t.Fatal("first delivery not first")
	}
	if !seen(t, s, "ATXid_1") {
		t.Fatal("a recorded message is not seen")
	}
	// The aggregator delivers it again: nothing more is written, not even a changed reply.
	again := inbound(phone(1), "ATXid_1", "help", help, reply(phone(1), "ATXid_1", crm.NotifyStopAck))
	out := true
	again.OptOut = &out
	if mustRecordInbound(t, s, again) {
		t.Fatal("a repeat was recorded as first")
	}
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}, []crm.Notification{help})
	if optedOut(t, s, phone(1)) {
		t.Fatal("a repeat's opt-out was written")
	}

	// STOP and START are recorded with their message.
	stop := inbound(phone(1), "ATXid_2", "STOP", reply(phone(1), "ATXid_2", crm.NotifyStopAck))
	stop.OptOut = &out
	mustRecordInbound(t, s, stop)
	if !optedOut(t, s, phone(1)) || optedOut(t, s, phone(2)) {
		t.Fatal("STOP not recorded for its phone alone")
	}
	in := false
	start := inbound(phone(1), "ATXid_3", "START", reply(phone(1), "ATXid_3", crm.NotifyStartAck))
	start.OptOut = &in
	mustRecordInbound(t, s, start)
	if optedOut(t, s, phone(1)) {
		t.Fatal("START not recorded")
	}
	// A message without replies (its answer was queued with the change it made) and
	// without a time from the aggregator.
	bare := inbound(phone(1), "ATXid_4", "COMPLAINT rude guard")
	bare.SentAt = time.Time{}
	if !mustRecordInbound(t, s, bare) {
		t.Fatal("bare message not first")
	}
	wantOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}, []crm.Notification{help, stop.Replies[0], start.Replies[0]})
}

func testInboundConcurrent(t *testing.T, s Store) {
	const callers = 10
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		firsts atomic.Int32
		ctx    = Context(t)
		errs   = make([]error, callers)
	)
	for i := range callers {
		wg.Go(func() {
			<-start
			first, err := s.RecordInbound(ctx, inbound(phone(1), "ATXid_77", "HALI", reply(phone(1), "ATXid_77", crm.NotifyKeywordHelp)))
			errs[i] = err
			if first {
				firsts.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if n := firsts.Load(); n != 1 {
		t.Fatalf("%d deliveries recorded as first, want 1", n)
	}
	if rows := listOutbox(t, s, crm.NotificationFilter{Phone: phone(1)}); len(rows) != 1 {
		t.Fatalf("%d replies queued, want 1", len(rows))
	}
}

func testOptOut(t *testing.T, s Store) {
	ctx := Context(t)
	if optedOut(t, s, phone(1)) {
		t.Fatal("opted out before STOP")
	}
	for range 2 { // twice is harmless
		if err := s.OptOut(ctx, phone(1), notifyAt); err != nil {
			t.Fatal(err)
		}
	}
	if !optedOut(t, s, phone(1)) || optedOut(t, s, phone(2)) {
		t.Fatal("opt-out not recorded for its phone alone")
	}
	for range 2 {
		if err := s.OptIn(ctx, phone(1)); err != nil {
			t.Fatal(err)
		}
	}
	if optedOut(t, s, phone(1)) {
		t.Fatal("still opted out after OptIn")
	}
}

// reminderFor is the reminder the desk would queue for a listed appointment.
func reminderFor(kind crm.NotificationKind, d crm.DueReminder) crm.Reminder {
	n := apptNote(kind, d.Appointment)
	n.Priority, n.Essential = crm.PriorityBulk, false
	return crm.Reminder{Kind: kind, Appointment: d.Appointment, Notification: n}
}

func dueRefs(t testing.TB, s Store, q crm.ReminderQuery) []crm.Reference {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	list, err := s.DueReminders(Context(t), q)
	if err != nil {
		t.Fatalf("DueReminders(%+v): %v", q, err)
	}
	var refs []crm.Reference
	for _, d := range list {
		refs = append(refs, d.Appointment.Ref)
	}
	return refs
}

func due(t testing.TB, s Store, q crm.ReminderQuery) []crm.DueReminder {
	t.Helper()
	list, err := s.DueReminders(Context(t), q)
	if err != nil {
		t.Fatalf("DueReminders(%+v): %v", q, err)
	}
	return list
}

// bookAt books phone i at start on day, created at created.
func bookAt(t testing.TB, s Store, i int, svc string, day time.Time, start int, created time.Time) crm.Appointment {
	req := booking(t, phone(i))
	req.Service, req.Day, req.Start, req.CreatedAt = svc, day, start, created
	return mustBook(t, s, req)
}

func testDueReminders(t *testing.T, s Store) {
	ctx := Context(t)
	created := notifyAt
	a := bookAt(t, s, 1, service, day0, 9*60, created)
	b := bookAt(t, s, 2, service, day0, 14*60, created)
	late := bookAt(t, s, 3, service, day0, 9*60, created.Add(time.Hour))    // booked after the reminder's time
	other := bookAt(t, s, 4, service, day0.AddDate(0, 0, 1), 9*60, created) // another day
	gone := bookAt(t, s, 5, service, day0, 9*60, created)
	mustCancel(t, s, phone(5), gone.Ref)
	_ = other
	if err := s.SetLanguage(ctx, phone(2), crm.Swahili); err != nil {
		t.Fatal(err)
	}

	q := crm.ReminderQuery{Kind: crm.NotifyReminderEvening, Day: day0, CreatedBefore: created.Add(time.Minute), Limit: 100}
	want := sortedRefs(a.Ref, b.Ref)
	if got := dueRefs(t, s, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("due %v, want %v (not %s booked late, %s cancelled)", got, want, late.Ref, gone.Ref)
	}
	// Languages come with them; a phone that never chose has "".
	for _, d := range due(t, s, q) {
		wantLang := map[crm.Reference]crm.Lang{a.Ref: "", b.Ref: crm.Swahili}[d.Appointment.Ref]
		if d.Lang != wantLang {
			t.Fatalf("%s: language %q, want %q", d.Appointment.Ref, d.Lang, wantLang)
		}
		if d.Appointment.Status != crm.StatusBooked || !d.Appointment.Day.Equal(day0) || d.Appointment.CreatedAt.Location() != time.UTC {
			t.Fatalf("listed %+v", d.Appointment)
		}
	}
	// FromStart leaves out those that begin earlier; Limit bounds the list.
	q2 := q
	q2.FromStart = 9*60 + 1
	if got := dueRefs(t, s, q2); fmt.Sprint(got) != fmt.Sprint([]crm.Reference{b.Ref}) {
		t.Fatalf("due from 09:01: %v, want [%s]", got, b.Ref)
	}
	q3 := q
	q3.Limit = 1
	if got := dueRefs(t, s, q3); len(got) != 1 || got[0] != want[0] {
		t.Fatalf("due, limit 1: %v, want [%s]", got, want[0])
	}
	// Once the evening reminder is queued it is no longer due; the morning one still is.
	n, err := s.QueueReminders(ctx, []crm.Reminder{reminderFor(crm.NotifyReminderEvening, due(t, s, q)[0])}, notifyAt)
	if err != nil || n != 1 {
		t.Fatalf("queue: %d, %v", n, err)
	}
	if got := dueRefs(t, s, q); fmt.Sprint(got) != fmt.Sprint(want[1:]) {
		t.Fatalf("due after queueing: %v, want %v", got, want[1:])
	}
	qm := q
	qm.Kind = crm.NotifyReminderMorning
	if got := dueRefs(t, s, qm); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("morning due %v, want %v", got, want)
	}
}

func sortedRefs(refs ...crm.Reference) []crm.Reference {
	out := append([]crm.Reference{}, refs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func testQueueRemindersOnce(t *testing.T, s Store) {
	ctx := Context(t)
	a := bookAt(t, s, 1, service, day0, 9*60, notifyAt)
	b := bookAt(t, s, 2, service, day0, 10*60, notifyAt)
	c := bookAt(t, s, 3, service, day0, 11*60, notifyAt)
	q := crm.ReminderQuery{Kind: crm.NotifyReminderEvening, Day: day0, CreatedBefore: notifyAt.Add(time.Minute), Limit: 100}
	list := due(t, s, q)
	if len(list) != 3 {
		t.Fatalf("due %d, want 3", len(list))
	}
	var batch []crm.Reminder
	for _, d := range list {
		batch = append(batch, reminderFor(crm.NotifyReminderEvening, d))
	}
	// Between the listing and the queueing, b is cancelled and c moved to another time:
	// neither gets the reminder it was listed for.
	mustCancel(t, s, phone(2), b.Ref)
	if _, err := s.Reschedule(ctx, phone(3), c.Ref, day0, 15*60, 10); err != nil {
		t.Fatal(err)
	}
	n, err := s.QueueReminders(ctx, batch, notifyAt)
	if err != nil || n != 1 {
		t.Fatalf("queued %d, %v; want 1", n, err)
	}
	wantOutbox(t, s, apptSubject(a.Ref), []crm.Notification{batch[indexOf(list, a.Ref)].Notification})
	wantOutbox(t, s, apptSubject(b.Ref), nil)
	wantOutbox(t, s, apptSubject(c.Ref), nil)
	// The same batch again queues nothing.
	if n, err := s.QueueReminders(ctx, batch, notifyAt); err != nil || n != 0 {
		t.Fatalf("queued again %d, %v; want 0", n, err)
	}
	// c, listed afresh at its new time, gets its reminder.
	if got := dueRefs(t, s, q); fmt.Sprint(got) != fmt.Sprint([]crm.Reference{c.Ref}) {
		t.Fatalf("due %v, want [%s]", got, c.Ref)
	}
	if n, err := s.QueueReminders(ctx, []crm.Reminder{reminderFor(crm.NotifyReminderEvening, due(t, s, q)[0])}, notifyAt); err != nil || n != 1 {
		t.Fatalf("queued %d, %v; want 1", n, err)
	}
	if rows := listOutbox(t, s, crm.NotificationFilter{Kind: crm.NotifyReminderEvening}); len(rows) != 2 {
		t.Fatalf("%d evening reminders, want 2", len(rows))
	}
	if n, err := s.QueueReminders(ctx, nil, notifyAt); err != nil || n != 0 {
		t.Fatalf("empty batch: %d, %v", n, err)
	}
}

func indexOf(list []crm.DueReminder, ref crm.Reference) int {
	for i, d := range list {
		if d.Appointment.Ref == ref {
			return i
		}
	}
	return -1
}

// testQueueRemindersConcurrent runs the scheduler of several replicas over the same list at
// once: every appointment gets its reminder exactly once.
func testQueueRemindersConcurrent(t *testing.T, s Store) {
	const appts = 30
	for i := range appts {
		bookAt(t, s, i+1, []string{service, service2, service3}[i%3], day0, 8*60+(i/3)*30, notifyAt)
	}
	q := crm.ReminderQuery{Kind: crm.NotifyReminderMorning, Day: day0, CreatedBefore: notifyAt.Add(time.Minute), Limit: 100}
	list := due(t, s, q)
	if len(list) != appts {
		t.Fatalf("due %d, want %d", len(list), appts)
	}
	const replicas = 6
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		total  atomic.Int32
		errs   = make([]error, replicas)
		ctx    = Context(t)
		result = make([]int, replicas)
	)
	for r := range replicas {
		// Each replica lists in its own order, as their reads interleave.
		batch := make([]crm.Reminder, 0, appts)
		for i := range list {
			batch = append(batch, reminderFor(crm.NotifyReminderMorning, list[(i+r*5)%appts]))
		}
		wg.Go(func() {
			<-start
			n, err := s.QueueReminders(ctx, batch, notifyAt)
			result[r], errs[r] = n, err
			total.Add(int32(n))
		})
	}
	close(start)
	wg.Wait()
	for r, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", r, err)
		}
	}
	if n := total.Load(); n != appts {
		t.Fatalf("queued %d in all (%v), want %d", n, result, appts)
	}
	rows := listOutbox(t, s, crm.NotificationFilter{Kind: crm.NotifyReminderMorning})
	refs := map[string]int{}
	for _, n := range rows {
		refs[n.Params["ref"]]++
		if n.Essential || n.Priority != crm.PriorityBulk {
			t.Fatalf("reminder %s: essential=%t priority=%d", n.Params["ref"], n.Essential, n.Priority)
		}
	}
	if len(rows) != appts || len(refs) != appts {
		t.Fatalf("%d reminder rows for %d appointments, want one each", len(rows), len(refs))
	}
}

// queueReminder queues the evening reminder of a, as the scheduler would.
func queueReminder(t testing.TB, s Store, a crm.Appointment) crm.Notification {
	t.Helper()
	r := reminderFor(crm.NotifyReminderEvening, crm.DueReminder{Appointment: a})
	if n, err := s.QueueReminders(Context(t), []crm.Reminder{r}, notifyAt); err != nil || n != 1 {
		t.Fatalf("QueueReminders: %d, %v", n, err)
	}
	return r.Notification
}

// statusOf is the status and failure reason of the outbox row of kind about a.
func statusOf(t testing.TB, s Store, a crm.Appointment, kind crm.NotificationKind) (status, reason string) {
	t.Helper()
	list := listOutbox(t, s, crm.NotificationFilter{Subject: crm.AppointmentSubject(a.Ref), Kind: kind})
	if len(list) != 1 {
		t.Fatalf("%d %s rows for %s, want 1", len(list), kind, a.Ref)
	}
	return list[0].Status, list[0].FailureReason
}

// A reminder still queued when its appointment is cancelled must not send the citizen to the
// centre: it is suppressed in the cancellation's transaction. Other appointments' reminders,
// and the appointment's other messages, are left as they are.
func testCancelWithdrawsReminders(t *testing.T, s Store) {
	a := mustBook(t, s, bookingWithConfirmation(t, phone(1)))
	other := bookAt(t, s, 2, service, day0, 9*60, notifyAt)
	queueReminder(t, s, a)
	queueReminder(t, s, other)

	var calls atomic.Int32
	if _, err := s.Cancel(Context(t), phone(1), a.Ref, cancelNotice(t, a, &calls)); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if st, why := statusOf(t, s, a, crm.NotifyReminderEvening); st != crm.OutboxSuppressed || why != crm.ReminderWithdrawn {
		t.Fatalf("the cancelled appointment's reminder: %s (%q), want suppressed (%q)", st, why, crm.ReminderWithdrawn)
	}
	for _, k := range []crm.NotificationKind{crm.NotifyBookingConfirmed, crm.NotifyBookingCancelled} {
		if st, _ := statusOf(t, s, a, k); st != crm.OutboxQueued {
			t.Fatalf("%s: %s, want queued", k, st)
		}
	}
	if st, _ := statusOf(t, s, other, crm.NotifyReminderEvening); st != crm.OutboxQueued {
		t.Fatalf("another appointment's reminder: %s, want queued", st)
	}
}

// A moved appointment's queued reminder names the old time: it is suppressed, and the
// reminders already recorded are forgotten, so the scheduler reminds the new time.
func testRescheduleWithdrawsReminders(t *testing.T, s Store) {
	a := bookAt(t, s, 1, service, day0, 9*60, notifyAt)
	queueReminder(t, s, a)
	newDay := day0.AddDate(0, 0, 1)
	moved := a
	moved.Day, moved.Start = newDay, 10*60
	if _, err := s.Reschedule(Context(t), phone(1), a.Ref, newDay, 10*60, 10, apptNote(crm.NotifyBookingConfirmed, moved)); err != nil {
		t.Fatalf("Reschedule: %v", err)
	}
	if st, why := statusOf(t, s, a, crm.NotifyReminderEvening); st != crm.OutboxSuppressed || why != crm.ReminderWithdrawn {
		t.Fatalf("the old time's reminder: %s (%q), want suppressed", st, why)
	}
	q := crm.ReminderQuery{Kind: crm.NotifyReminderEvening, Day: newDay, CreatedBefore: notifyAt.Add(time.Minute), Limit: 10}
	if got := dueRefs(t, s, q); !slices.Equal(got, []crm.Reference{a.Ref}) {
		t.Fatalf("evening reminders due for the new day: %v, want [%s]", got, a.Ref)
	}
}

// Old inbound messages are deleted oldest first, up to the limit, and a deleted one is no
// longer seen; younger ones stay.
func testForgetInbound(t *testing.T, s Store) {
	ids := []string{"ATXid_old1", "ATXid_old2", "ATXid_old3", "ATXid_new"}
	for i, id := range ids {
		in := inbound(phone(1), id, "help")
		in.ReceivedAt = notifyAt.Add(time.Duration(i) * time.Hour)
		mustRecordInbound(t, s, in)
	}
	cut := notifyAt.Add(150 * time.Minute) // after the third, before the fourth
	for _, step := range []struct {
		limit, want int
		gone        []string
	}{
		{2, 2, ids[:2]},
		{10, 1, ids[:3]},
		{10, 0, ids[:3]},
	} {
		n, err := s.ForgetInbound(Context(t), cut, step.limit)
		if err != nil || n != step.want {
			t.Fatalf("ForgetInbound(limit %d) = %d, %v; want %d", step.limit, n, err, step.want)
		}
		for _, id := range ids {
			if want := !slices.Contains(step.gone, id); seen(t, s, id) != want {
				t.Fatalf("after forgetting %v: %s seen %v, want %v", step.gone, id, !want, want)
			}
		}
	}
}
