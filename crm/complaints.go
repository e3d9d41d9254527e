package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxDescription is the longest complaint description kept, in characters: a USSD input is at
// most about 160, an SMS complaint up to three parts.
const MaxDescription = 480

// Complaint is what a citizen lodges.
type Complaint struct {
	Phone       Phone
	Lang        Lang
	Centre      string // "" when not about a centre
	Category    Category
	Service     string // optional
	Description string
	// RecordingURL is the complaint as the caller recorded it by phone (absolute http(s), at
	// most MaxRecordingURL characters); with one, Description may be empty.
	RecordingURL string
	// IdempotencyKey names the citizen's action (the USSD session, the SMS id, "voice:" and
	// the call's session id): lodging twice with one key makes one case.
	IdempotencyKey string
}

// CleanDescription checks and tidies a description: trimmed, runs of spaces and line breaks
// folded to one space, 1–MaxDescription characters of valid UTF-8 without control
// characters. Emoji are kept: the text is stored as typed and never sent back to the phone.
func CleanDescription(s string) (string, error) {
	s, err := cleanText(s, MaxDescription)
	if err == nil && s == "" {
		err = fmt.Errorf("%w: the text is empty", ErrBadInput)
	}
	return s, err
}

// describe is a case's description: the citizen's words, which may be left out when they
// recorded a message instead (the recording is then the description).
func describe(text, recording string) (string, error) {
	if recording != "" && strings.TrimSpace(text) == "" {
		return "", nil
	}
	return CleanDescription(text)
}

// cleanText folds whitespace and refuses invalid UTF-8, control characters and text longer
// than max characters. Empty text is returned as is.
func cleanText(s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: the text is not valid UTF-8", ErrBadInput)
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("%w: the text contains control characters", ErrBadInput)
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("%w: the text has %d characters, at most %d are allowed", ErrBadInput, n, max)
	}
	return s, nil
}

// LodgeComplaint opens a complaint case. The case, the citizen's acknowledgement and the
// alerts to the centre's managers are committed together before it returns; a corruption
// report goes to the integrity queue and alerts no one at the centre. Assignment follows the
// commit (a case nobody can take yet waits for the scheduler).
func (o *Office) LodgeComplaint(ctx context.Context, in Complaint) (Case, error) {
	cat := o.desk.Catalog()
	if !in.Category.Valid() || in.Category == CategoryCallback {
		return Case{}, fmt.Errorf("%w: unknown complaint category %q", ErrBadInput, in.Category)
	}
	if in.Centre != "" {
		if _, ok := cat.Centre(in.Centre); !ok {
			return Case{}, fmt.Errorf("%w: unknown centre %q", ErrBadInput, in.Centre)
		}
	}
	if in.Service != "" {
		if _, ok := cat.Service(in.Service); !ok {
			return Case{}, fmt.Errorf("%w: unknown service %q", ErrBadInput, in.Service)
		}
	}
	rec, err := CleanRecordingURL(in.RecordingURL)
	if err != nil {
		return Case{}, err
	}
	desc, err := describe(in.Description, rec)
	if err != nil {
		return Case{}, err
	}
	c := o.newCase(ctx, KindComplaint, in.Category, in.Phone, in.Lang)
	c.Centre, c.Service, c.Description, c.IdempotencyKey = in.Centre, in.Service, desc, in.IdempotencyKey
	c.RecordingURL = rec

	var alerts []Notification
	if c.Queue == QueueGeneral && c.Centre != "" {
		managers, err := o.store.Users(ctx, UserFilter{Role: RoleCentreManager, Centre: c.Centre})
		if err != nil {
			return Case{}, fmt.Errorf("lodge complaint: centre managers: %w", err)
		}
		for _, m := range managers {
			params := map[string]string{"category": string(c.Category), "centre": c.Centre, "service": c.Service}
			if c.RecordingURL != "" {
				params["voice"] = "1" // the manager listens to it in the console
			}
			alerts = append(alerts, o.staffAlert(m, NotifyManagerAlert, params))
		}
	}
	ack := Notification{
		Phone: c.Phone, Lang: c.Lang, Kind: NotifyComplaintAck, Priority: PriorityNormal, Essential: true,
		Params: map[string]string{"category": string(c.Category)},
	}
	return o.openCase(ctx, c, append([]Notification{ack}, alerts...))
}

// CallbackRequest is a citizen asking for an agent to call them.
type CallbackRequest struct {
	Phone   Phone
	Lang    Lang
	Window  CallbackWindow
	Centre  string // optional: what it is about
	Service string // optional
	// RecordingURL is a message the caller left by phone ("leave a message" when no agent
	// was free): the agent listens to it before calling back. Absolute http(s), at most
	// MaxRecordingURL characters.
	RecordingURL   string
	IdempotencyKey string
}

// RequestCallback opens a callback case for the window the citizen chose; it must be one of
// CallbackWindows' (or at least lie in the future and in business hours).
func (o *Office) RequestCallback(ctx context.Context, in CallbackRequest) (Case, error) {
	now := o.now()
	w := in.Window
	if !w.To.After(w.From) || !w.To.After(now) {
		return Case{}, fmt.Errorf("%w: the callback window has passed", ErrBadInput)
	}
	rec, err := CleanRecordingURL(in.RecordingURL)
	if err != nil {
		return Case{}, err
	}
	c := o.newCase(ctx, KindCallback, CategoryCallback, in.Phone, in.Lang)
	c.Callback, c.Centre, c.Service, c.IdempotencyKey = CallbackWindow{From: w.From.UTC(), To: w.To.UTC(), ASAP: w.ASAP}, in.Centre, in.Service, in.IdempotencyKey
	c.RecordingURL = rec
	// The first response to a callback is the call: due by the end of the window.
	if end := w.To.UTC(); end.After(c.DueAt) {
		c.DueAt = end
	}
	ack := Notification{
		Phone: c.Phone, Lang: c.Lang, Kind: NotifyCallbackAck, Priority: PriorityNormal, Essential: true,
		Params: map[string]string{
			"from": c.Callback.From.Format(time.RFC3339), "to": c.Callback.To.Format(time.RFC3339),
		},
	}
	return o.openCase(ctx, c, []Notification{ack})
}

// CallbackWindows are the times a citizen may pick for a callback: as soon as possible (the
// next two business hours), then the next morning (08:00–12:00) and afternoon (12:00–17:00)
// that have not begun.
func (o *Office) CallbackWindows() []CallbackWindow {
	now := o.now()
	start := now
	if !o.clock.IsOpen(start) {
		start = o.clock.Add(start, time.Nanosecond).Add(-time.Nanosecond)
	}
	windows := []CallbackWindow{{From: start, To: o.clock.Add(start, 2*time.Hour), ASAP: true}}
	loc := o.clock.Location
	var morning, afternoon bool
	for day, i := DateOf(now.In(loc)), 0; (!morning || !afternoon) && i < 30; day, i = day.AddDate(0, 0, 1), i+1 {
		y, m, d := day.Date()
		at := func(h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, loc) }
		if !o.clock.IsOpen(at(8)) {
			continue
		}
		if !morning && at(8).After(now) {
			windows, morning = append(windows, CallbackWindow{From: at(8).UTC(), To: at(12).UTC()}), true
		}
		if !afternoon && at(12).After(now) {
			windows, afternoon = append(windows, CallbackWindow{From: at(12).UTC(), To: at(17).UTC()}), true
		}
	}
	return windows
}

// newCase fills what every new case has: a number, its queue, level 1 and its deadlines.
func (o *Office) newCase(ctx context.Context, kind CaseKind, cat Category, phone Phone, lang Lang) Case {
	now := o.now()
	pol := o.cfg.Policies.For(cat)
	return Case{
		Kind: kind, Category: cat, Queue: QueueFor(cat), Phone: phone, Lang: o.desk.citizenLang(ctx, phone, lang),
		Status: CaseNew, Level: LevelAgent,
		DueAt:         o.clock.Add(now, pol.FirstResponse).UTC(),
		ResolutionDue: o.clock.Add(now, pol.Resolution).UTC(),
		CreatedAt:     now, UpdatedAt: now,
	}
}

// openCase stores a new case with its notifications (numbering them with the case number)
// and then tries to assign it.
func (o *Office) openCase(ctx context.Context, c Case, n []Notification) (Case, error) {
	for attempt := 0; ; attempt++ {
		num, err := newNumber()
		if err != nil {
			return Case{}, err
		}
		c.Number = num
		subject := CaseSubject(num)
		for i := range n {
			n[i].Subject = subject
			n[i].CreatedAt = c.CreatedAt
			if n[i].Params == nil {
				n[i].Params = map[string]string{}
			}
			n[i].Params["case"] = string(num)
		}
		audit := AuditEntry{At: c.CreatedAt, Actor: "citizen", Action: "created", To: string(CaseNew), Detail: string(c.Category)}
		got, created, err := o.store.CreateCase(ctx, c, audit, n)
		if errors.Is(err, ErrReferenceTaken) && attempt < 5 {
			continue
		}
		if err != nil {
			return Case{}, fmt.Errorf("open %s case: %w", c.Kind, err)
		}
		if created {
			o.log.Info("case opened", "case", got.Number, "kind", got.Kind, "category", got.Category, "queue", got.Queue, "phone", got.Phone)
			got = o.tryAssign(ctx, got)
		}
		return got, nil
	}
}

// tryAssign assigns a new case round-robin; the case is already committed, so a failure here
// only leaves it for the scheduler's next sweep.
func (o *Office) tryAssign(ctx context.Context, c Case) Case {
	got, u, err := o.store.AssignNext(ctx, c, o.cfg.AgentCap, o.now())
	switch {
	case err == nil:
		o.log.Info("case assigned", "case", got.Number, "agent", u.Username)
		return got
	case errors.Is(err, ErrNoAgent), errors.Is(err, ErrConflict):
		return c
	default:
		o.log.Warn("assign case", "case", c.Number, "err", err)
		return c
	}
}

// staffAlert is an urgent message to a member of staff in their first language.
func (o *Office) staffAlert(u User, kind NotificationKind, params map[string]string) Notification {
	lang := o.cfg.DefaultLang
	if len(u.Langs) > 0 {
		lang = u.Langs[0]
	}
	return Notification{Phone: u.Phone, Lang: lang, Kind: kind, Priority: PriorityUrgent, Essential: true, Params: params}
}

// StatusAnswer is what a status check finds: a tracked request or a case. Owner says whether
// the asking phone is the one it belongs to; a stranger gets the status and nothing else.
type StatusAnswer struct {
	Request *Request
	Case    *Case
	Owner   bool
}

// LookupStatus finds a ticket or case number. For a phone that is not the owner's, every
// personal detail is removed: only the status remains.
func (o *Office) LookupStatus(ctx context.Context, phone Phone, ref Reference) (StatusAnswer, error) {
	r, err := o.store.RequestByRef(ctx, ref)
	if err == nil {
		owner := r.Phone == phone
		if !owner {
			r = Request{Ref: r.Ref, Status: r.Status}
		}
		return StatusAnswer{Request: &r, Owner: owner}, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return StatusAnswer{}, fmt.Errorf("status of %s: %w", ref, err)
	}
	c, err := o.store.CaseByNumber(ctx, ref)
	if err != nil {
		return StatusAnswer{}, fmt.Errorf("status of %s: %w", ref, err)
	}
	owner := c.Phone == phone
	if !owner {
		c = Case{Number: c.Number, Kind: c.Kind, Status: c.Status}
	}
	return StatusAnswer{Case: &c, Owner: owner}, nil
}

// RateLatest rates the phone's most recently resolved case that has no rating yet: the
// answer to the satisfaction SMS, which is a bare 1–4. ErrNotFound when there is none.
func (o *Office) RateLatest(ctx context.Context, phone Phone, r Rating) (Case, error) {
	list, err := o.store.Cases(ctx, CaseFilter{Phone: phone, Status: []CaseStatus{CaseResolved, CaseClosed}, Limit: 500})
	if err != nil {
		return Case{}, fmt.Errorf("rate the latest case: %w", err)
	}
	var latest *Case
	for i, c := range list {
		if c.Rating == "" && (latest == nil || c.ResolvedAt.After(latest.ResolvedAt)) {
			latest = &list[i]
		}
	}
	if latest == nil {
		return Case{}, fmt.Errorf("rate the latest case: %w", ErrNotFound)
	}
	return o.Rate(ctx, phone, latest.Number, r)
}

// Rate records the citizen's satisfaction with their resolved case. Only the case's own
// phone may rate it, once.
func (o *Office) Rate(ctx context.Context, phone Phone, number Reference, r Rating) (Case, error) {
	if !r.Valid() {
		return Case{}, fmt.Errorf("%w: unknown rating %q", ErrBadInput, r)
	}
	return retry(ctx, func() (Case, error) {
		c, err := o.store.CaseByNumber(ctx, number)
		if err != nil {
			return Case{}, fmt.Errorf("rate %s: %w", number, err)
		}
		if c.Phone != phone {
			return Case{}, fmt.Errorf("rate %s: %w", number, ErrNotFound)
		}
		if c.Status != CaseResolved && c.Status != CaseClosed {
			return Case{}, fmt.Errorf("rate %s: %w: the case is not resolved yet", number, ErrBadTransition)
		}
		if c.Rating != "" {
			return Case{}, fmt.Errorf("rate %s: %w", number, ErrAlreadyRated)
		}
		now := o.now()
		c.Rating, c.RatedAt, c.UpdatedAt = r, now, now
		return o.store.UpdateCase(ctx, c, CaseChange{Audit: []AuditEntry{{At: now, Actor: "citizen", Action: "rated", To: string(r)}}})
	})
}
