package crm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The citizen's rights under Kenya's Data Protection Act 2019: a copy of everything held about
// their phone (section 26, access) and its erasure (section 40). Both are the data protection
// officer's work, and the administrator's (access.go has who sees what).

// ErasedPrefix begins every value that replaced a phone number: an erasure's token
// ("erased:" and 24 random hex digits) or the retention schedule's marker. A phone column
// whose value begins with it holds nobody's number, and no Kenyan number begins with it.
const ErasedPrefix = "erased:"

// Erased reports whether p is no longer a phone number but what replaced one.
func (p Phone) Erased() bool { return strings.HasPrefix(string(p), ErasedPrefix) }

// NewErasureToken draws the value an erasure writes over a phone and over the citizen's free
// text. It is random, not derived from the phone: a hash of a Kenyan mobile number is undone
// by trying the billion of them, and a token that could be recomputed from the phone would
// link the erased records to the citizen when they come back. The same token marks every
// record of one erasure, so its record (Erasure) can still say which rows it changed.
func NewErasureToken() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("draw an erasure token: %w", err)
	}
	return ErasedPrefix + hex.EncodeToString(b), nil
}

// toPhone is the notifications to queue of n: none to a phone that was erased (an agency may
// still push the status of an erased citizen's request; there is nobody to tell).
func toPhone(n ...Notification) []Notification {
	return slices.DeleteFunc(n, func(m Notification) bool { return m.Phone.Erased() })
}

// CitizenRecords is everything the store holds about one phone, read in one snapshot. The
// Office turns it into the citizen's copy (CitizenExport), deciding what of it is theirs.
type CitizenRecords struct {
	Phone Phone
	// Lang is the remembered language ("" when none), LangSetAt when it was chosen.
	Lang      Lang
	LangSetAt time.Time
	// OptedOutAt is when the phone texted STOP; zero when it did not (or texted START since).
	OptedOutAt time.Time
	// Appointments, every status, by day and time.
	Appointments []Appointment
	// Requests are the tracked requests of the phone with their events, oldest first.
	Requests []Request
	// Cases are the phone's cases, oldest first; Notes and Audit are those cases' notes and
	// audit trails, oldest first.
	Cases []Case
	Notes []Note
	Audit []AuditEntry
	// Inbound are the SMS the phone sent us (Replies and OptOut unset), oldest first.
	Inbound []Inbound
	// Messages are the outbox rows to the phone, with their template arguments and where each
	// stands, by ID.
	Messages []Notification
	// Calls are the phone's calls through the contact-centre number, oldest first.
	Calls []Call
}

// CitizenExport is the citizen's copy of their data, as a data protection officer or an
// administrator hands it over.
type CitizenExport struct {
	Phone      Phone
	ExportedAt time.Time
	ExportedBy string // the username of whoever made the copy
	Lang       Lang
	LangSetAt  time.Time
	OptedOutAt time.Time
	// Appointments of every status, tracked requests with their events.
	Appointments []Appointment
	Requests     []Request
	// Cases, each with what the citizen was told on it and the calls linked to it.
	Cases []ExportedCase
	// Inbound are the citizen's own SMS to us (the words they sent, kept 30 days by default).
	Inbound []Inbound
	// Messages are the SMS we sent (or queued) to the phone, with their template arguments
	// (while kept: see Retention) and where each stands.
	Messages []Notification
	// Calls through the contact-centre number, with the links to their recordings.
	Calls []Call
	// Withheld says what the copy leaves out and why, in words for the citizen.
	Withheld []string
}

// ExportedCase is a case as the citizen's copy holds it.
type ExportedCase struct {
	Case Case
	// ToCitizen are the notes the citizen was sent: agents' replies, and the note a
	// resolution carried in its SMS. Internal notes are left out (see Withheld).
	ToCitizen []Note
}

// WithheldInternalNotes is why the copy has no internal notes. An internal note is the
// contact centre's working record: staff's opinions and what they found out, which often
// names other people (the officer a complaint is about, a colleague). A copy for one person
// must not hand over another's data, and the Act's right of access is to personal data, not
// to an organisation's deliberations about a complaint; what was decided reaches the citizen
// through the replies and the resolution note, which the copy holds.
const WithheldInternalNotes = "Internal notes staff wrote on your cases are not included: they are the contact centre's working notes and may concern other people. Everything we told you about your cases is included."

// Erasure is the record of one erasure: who erased a phone's data, when and why, and how
// many rows of each table it changed. It holds neither the phone nor anything of the
// citizen's: only the token their data was replaced by.
type Erasure struct {
	ID     int64
	Token  string
	At     time.Time
	ByID   int64  // 0 for the command line
	By     string // username, or "cli:<operating-system user>"
	Reason string
	// Counts are the rows changed (or deleted), by table.
	Counts map[string]int
}

// Total is how many rows the erasure changed: 0 when nothing was held (a second erasure).
func (e Erasure) Total() int {
	n := 0
	for _, c := range e.Counts {
		n += c
	}
	return n
}

// AnonymisedMarker replaces the phone and the free text of a closed case the retention
// schedule anonymises: the same for every case, so it links no case to another. An
// appointment's phone becomes the marker followed by ":" and its reference, since a phone
// keeps a citizen to one booking per service and day.
const AnonymisedMarker = ErasedPrefix + "retention"

// EraseRequest is what a store needs to erase a phone's data.
type EraseRequest struct {
	Phone Phone
	// Erasure is the record to keep: Token, At, ByID, By and Reason set; the store fills in
	// ID and Counts.
	Erasure Erasure
	// Today is the civil date at the centres: booked appointments from this day on are
	// cancelled and their places freed (nobody can be reminded of them any more); earlier
	// ones keep their status.
	Today time.Time
}

// TextMatch is a text column holding a searched string: a store's own check, over every text
// column of every table its catalogue lists, that an erasure left nothing behind (see the
// stores' FindText, `huduma citizen find` and the conformance suite).
type TextMatch struct {
	Table, Column string
	Needle        string
	Rows          int
}

// CitizenStore is what the citizen's rights need from the store: every record of a phone in
// one read, the erasure of them all in one transaction, the retention schedule's batches,
// and the record of who read which case.
type CitizenStore interface {
	// CitizenRecords reads everything held about phone in one snapshot.
	CitizenRecords(ctx context.Context, phone Phone) (CitizenRecords, error)

	// EraseCitizen replaces r.Phone, and the free text of the citizen's records, by
	// r.Erasure.Token in every table, in one transaction, and keeps r.Erasure:
	//
	//   - cases of the phone: phone, description and every note and non-empty audit detail
	//     become the token, the recording link is dropped; an open case is closed (nothing
	//     more can be done for a citizen we may no longer contact), with an "erased" audit
	//     entry; centre, category, queue and creation time stay, so the case still counts;
	//   - appointments: the phone becomes the token, booked ones from r.Today on are
	//     cancelled and their places freed;
	//   - tracked requests: the phone, the reason and every event's note and reason;
	//   - inbound SMS: the phone and the text; calls: the phone and the recording link;
	//   - outbox: the phone, the template arguments and any failure text; queued messages
	//     (and ones a worker holds) are cancelled (suppressed) so none is sent;
	//   - the remembered language and the opt-out are deleted.
	//
	// Erasing a phone that holds nothing changes nothing and still records the erasure.
	EraseCitizen(ctx context.Context, r EraseRequest) (Erasure, error)

	// Erasures lists up to limit erasures, newest first.
	Erasures(ctx context.Context, limit int) ([]Erasure, error)

	// The retention schedule (retention.go): each method changes up to limit rows per table
	// it touches, and returns how many it changed; rows it has changed no longer match, so a
	// second call changes nothing. Concurrent callers (every replica runs the schedule) pass
	// over each other's rows.
	//
	// AnonymiseClosedCases replaces, on resolved and closed cases resolved before `before`,
	// the phone by a marker, the description, notes and non-empty audit details by the same,
	// drops the recording link, and anonymises the phone and arguments of the case's settled
	// outbox rows and the phone of its calls (they would otherwise link the case number back
	// to the phone), with an "anonymised" audit entry.
	// now is the time of the audit entry and the cases' UpdatedAt.
	AnonymiseClosedCases(ctx context.Context, before, now time.Time, limit int) (int, error)
	// DropRecordings empties the recording link of calls started, and cases created, before
	// `before`.
	DropRecordings(ctx context.Context, before time.Time, limit int) (int, error)
	// ForgetMessageBodies empties the template arguments of outbox rows settled (sent, failed
	// or suppressed) and created before `before`.
	ForgetMessageBodies(ctx context.Context, before time.Time, limit int) (int, error)
	// ForgetAppointmentPhones replaces the phone of appointments on days before dayBefore (a
	// date) by a marker of their own, and the phone and arguments of their settled outbox rows
	// by the same.
	ForgetAppointmentPhones(ctx context.Context, dayBefore time.Time, limit int) (int, error)

	// RecordCaseView records that a user read a case's personal data.
	RecordCaseView(ctx context.Context, v CaseView) error
	// CaseViews lists the views f selects, newest first.
	CaseViews(ctx context.Context, f CaseViewFilter) ([]CaseView, error)
}

// MaxErasureReason bounds the reason an erasure is recorded with.
const MaxErasureReason = 500

// ExportCitizen is the citizen's copy of everything held about phone (DPA 2019, section 26),
// for a dpo or an administrator. Reading it is reading every case of the phone, so each is
// recorded as viewed (views.go); an administrator's copy leaves corruption reports out.
func (o *Office) ExportCitizen(ctx context.Context, u User, phone Phone) (CitizenExport, error) {
	if !CanServeDataRights(u) {
		return CitizenExport{}, fmt.Errorf("export a citizen's data: %w", ErrForbidden)
	}
	rec, err := o.store.CitizenRecords(ctx, phone)
	if err != nil {
		return CitizenExport{}, fmt.Errorf("export %s: %w", phone.Masked(), err)
	}
	out := CitizenExport{
		Phone: phone, ExportedAt: o.now(), ExportedBy: u.Username, Lang: rec.Lang, LangSetAt: rec.LangSetAt,
		OptedOutAt: rec.OptedOutAt, Appointments: rec.Appointments, Requests: rec.Requests,
		Withheld: []string{WithheldInternalNotes},
	}
	// What belongs to a corruption report this copy leaves out: its messages (by subject),
	// its calls, and the SMS that lodged it with the reply to that SMS (the report's
	// idempotency key is "sms:" and the message's id, the reply's subject the same).
	hidden := map[string]bool{}
	hiddenCase := map[int64]bool{}
	for _, c := range rec.Cases {
		if c.Queue == QueueIntegrity && !seesIntegrityRecords(u) {
			hidden[CaseSubject(c.Number)] = true
			hiddenCase[c.ID] = true
			if strings.HasPrefix(c.IdempotencyKey, "sms:") {
				hidden[c.IdempotencyKey] = true
			}
			continue
		}
		if err := o.recordView(ctx, u, c); err != nil {
			return CitizenExport{}, err
		}
		out.Cases = append(out.Cases, ExportedCase{Case: c, ToCitizen: toCitizen(c.ID, rec.Notes, rec.Audit)})
	}
	for _, in := range rec.Inbound {
		if !hidden["sms:"+in.ID] {
			out.Inbound = append(out.Inbound, in)
		}
	}
	for _, m := range rec.Messages {
		if !hidden[m.Subject] {
			out.Messages = append(out.Messages, m)
		}
	}
	for _, c := range rec.Calls {
		if !hiddenCase[c.CaseID] {
			out.Calls = append(out.Calls, c)
		}
	}
	o.log.Info("citizen data exported", "by", u.Username, "phone", phone, "cases", len(out.Cases))
	return out, nil
}

// toCitizen picks, from a case's notes, those the citizen was sent: replies, and the note of
// a resolution (stored as a note, and sent in the resolution's SMS: its audit entry carries
// the same text at the same moment).
func toCitizen(caseID int64, notes []Note, audit []AuditEntry) []Note {
	type sent struct {
		at   time.Time
		body string
	}
	resolutions := map[sent]bool{}
	for _, a := range audit {
		if a.CaseID == caseID && a.Action == "status" && a.To == string(CaseResolved) && a.Detail != "" {
			resolutions[sent{a.At.UTC(), a.Detail}] = true
		}
	}
	var out []Note
	for _, n := range notes {
		if n.CaseID == caseID && (n.Reply || resolutions[sent{n.At.UTC(), n.Body}]) {
			out = append(out, n)
		}
	}
	return out
}

// EraseCitizen erases phone's data (DPA 2019, section 40) on behalf of a dpo or an
// administrator, and records who did it, when and why. See CitizenStore.EraseCitizen for what
// happens to each record. The reason is about the request (a letter's reference, the
// citizen's own words of request), and must not hold the phone: the record of an erasure is
// kept, and nothing of the citizen may be.
func (o *Office) EraseCitizen(ctx context.Context, u User, phone Phone, reason string) (Erasure, error) {
	if !CanServeDataRights(u) {
		return Erasure{}, fmt.Errorf("erase a citizen's data: %w", ErrForbidden)
	}
	reason, err := cleanText(reason, MaxErasureReason)
	if err != nil {
		return Erasure{}, err
	}
	if reason == "" {
		return Erasure{}, fmt.Errorf("%w: an erasure needs a reason (the request it answers)", ErrBadInput)
	}
	if mentionsPhone(reason, phone) {
		return Erasure{}, fmt.Errorf("%w: the reason must not contain the phone number: the record of an erasure keeps nothing of the citizen", ErrBadInput)
	}
	token, err := NewErasureToken()
	if err != nil {
		return Erasure{}, err
	}
	now := o.now()
	e, err := o.store.EraseCitizen(ctx, EraseRequest{
		Phone:   phone,
		Erasure: Erasure{Token: token, At: now, ByID: u.ID, By: u.Username, Reason: reason},
		Today:   DateOf(now.In(o.desk.cfg.Calendar.Location)),
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("erase %s: %w", phone.Masked(), err)
	}
	o.log.Info("citizen data erased", "by", u.Username, "phone", phone, "erasure", e.ID, "rows", e.Total())
	return e, nil
}

// mentionsPhone reports whether text holds the phone in any of its usual forms: the nine
// digits after the country code are in all of them (+2547…, 2547…, 07…).
func mentionsPhone(text string, p Phone) bool {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, text)
	national := strings.TrimPrefix(string(p), "+254")
	return national != "" && strings.Contains(digits, national)
}

// Erasures lists the most recent erasures (up to limit; 0 means 100), for a dpo or an
// administrator.
func (o *Office) Erasures(ctx context.Context, u User, limit int) ([]Erasure, error) {
	if !CanServeDataRights(u) {
		return nil, fmt.Errorf("list erasures: %w", ErrForbidden)
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	list, err := o.store.Erasures(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("list erasures: %w", err)
	}
	return list, nil
}
