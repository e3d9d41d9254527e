package crm

import (
	"time"
)

// CaseKind says why a case exists.
type CaseKind string

const (
	KindComplaint CaseKind = "complaint"
	KindCallback  CaseKind = "callback" // the citizen asked to talk to an agent
)

// Category is what a complaint is about. Callbacks carry CategoryCallback.
type Category string

const (
	CategoryLongWait     Category = "long_wait"
	CategoryStaffConduct Category = "staff_conduct"
	CategoryCorruption   Category = "corruption"
	CategoryNotOffered   Category = "service_not_offered"
	CategoryWrongInfo    Category = "wrong_information"
	CategoryOther        Category = "other"
	CategoryCallback     Category = "callback"
)

// ComplaintCategories is the order the menus offer them in.
var ComplaintCategories = []Category{
	CategoryLongWait, CategoryStaffConduct, CategoryCorruption, CategoryNotOffered, CategoryWrongInfo, CategoryOther,
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	if c == CategoryCallback {
		return true
	}
	for _, k := range ComplaintCategories {
		if k == c {
			return true
		}
	}
	return false
}

// Queue is the pool of people who work a case.
type Queue string

const (
	QueueGeneral Queue = "general"
	// QueueIntegrity takes corruption and bribery reports: only integrity officers see them,
	// the centre's staff and manager are never alerted, and the reporter's phone is shown to
	// no one else.
	QueueIntegrity Queue = "integrity"
)

// Queues are every queue a case can be in.
var Queues = []Queue{QueueGeneral, QueueIntegrity}

// QueueFor is the queue a category's cases go to.
func QueueFor(c Category) Queue {
	if c == CategoryCorruption {
		return QueueIntegrity
	}
	return QueueGeneral
}

// CaseStatus is a case's place in its lifecycle.
type CaseStatus string

const (
	CaseNew            CaseStatus = "new"
	CaseAssigned       CaseStatus = "assigned"
	CaseInProgress     CaseStatus = "in_progress"
	CasePendingCitizen CaseStatus = "pending_citizen" // SLA clock paused
	CaseResolved       CaseStatus = "resolved"
	CaseClosed         CaseStatus = "closed"
)

// caseMoves is the case lifecycle. Resolved cases reopen (to in_progress) within ReopenWindow.
var caseMoves = map[CaseStatus][]CaseStatus{
	CaseNew:            {CaseAssigned, CaseInProgress, CaseResolved},
	CaseAssigned:       {CaseInProgress, CasePendingCitizen, CaseResolved, CaseNew},
	CaseInProgress:     {CasePendingCitizen, CaseResolved, CaseAssigned},
	CasePendingCitizen: {CaseInProgress, CaseResolved},
	CaseResolved:       {CaseClosed, CaseInProgress},
	CaseClosed:         {CaseInProgress},
}

// ReopenWindow is how long after resolution a case may be reopened.
const ReopenWindow = 7 * 24 * time.Hour

// Valid reports whether s is a known status.
func (s CaseStatus) Valid() bool { _, ok := caseMoves[s]; return ok }

// Open reports whether the case still needs work (and so counts against an agent's cap and
// runs an SLA clock).
func (s CaseStatus) Open() bool { return s != CaseResolved && s != CaseClosed }

// CanMoveTo reports whether the lifecycle allows s → next (the reopen window is checked by
// the Office, which knows the time).
func (s CaseStatus) CanMoveTo(next CaseStatus) bool {
	for _, n := range caseMoves[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Level is the escalation ladder: L1 contact-centre agent, L2 supervisor, L3 centre manager
// or agency service lead, L4 agency director or the Huduma secretariat.
type Level int

const (
	LevelAgent      Level = 1
	LevelSupervisor Level = 2
	LevelManager    Level = 3
	LevelDirector   Level = 4
)

// Rating is Huduma's four-level satisfaction scale.
type Rating string

const (
	RatingExcellent  Rating = "excellent"
	RatingGood       Rating = "good"
	RatingAcceptable Rating = "acceptable"
	RatingPoor       Rating = "poor"
)

// Ratings is the scale in the order citizens are offered it (1 = excellent … 4 = poor).
var Ratings = []Rating{RatingExcellent, RatingGood, RatingAcceptable, RatingPoor}

// Valid reports whether r is on the scale.
func (r Rating) Valid() bool {
	for _, k := range Ratings {
		if k == r {
			return true
		}
	}
	return false
}

// CallbackWindow is when a citizen asked to be called.
type CallbackWindow struct {
	From, To time.Time
	ASAP     bool // "as soon as possible" rather than a part of a day
}

// CaseSubject is the outbox subject of every message about a case (the citizen's
// acknowledgement, replies, manager alerts): a case's messages are found by it, so every
// writer and reader must build it the same way.
func CaseSubject(number Reference) string { return "case:" + string(number) }

// Case is a complaint or callback request being worked by the contact centre.
type Case struct {
	ID          int64
	Number      Reference // the case number the citizen is given
	Kind        CaseKind
	Category    Category
	Queue       Queue
	Phone       Phone
	Lang        Lang
	Centre      string // centre code, "" when not about a centre
	Service     string // service code, "" when none was chosen
	Description string
	// RecordingURL is the caller's recorded message, for a complaint or callback lodged by
	// phone: the recording is then the description, which may be empty. It is set when the
	// case is created; UpdateCase leaves it as it is.
	RecordingURL string
	Callback     CallbackWindow // for callbacks
	Status       CaseStatus
	Level        Level
	AssigneeID   int64 // 0 when unassigned
	// SLA: DueAt is the deadline of the current level (zero once L4 has breached, or while
	// the case is closed). FirstResponseAt is set by the first agent action the citizen would
	// notice. ResolutionDue is the resolution target. PausedAt is set while pending_citizen.
	DueAt           time.Time
	ResolutionDue   time.Time
	FirstResponseAt time.Time
	PausedAt        time.Time
	ResolvedAt      time.Time
	Rating          Rating
	RatedAt         time.Time
	// IdempotencyKey names the citizen's action (a USSD session's confirming hop, an SMS's
	// message id): lodging twice with one key makes one case.
	IdempotencyKey string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Note is an agent's note on a case: internal, or a reply that is sent to the citizen.
type Note struct {
	ID       int64
	CaseID   int64
	AuthorID int64
	Author   string // username, for the timeline
	Body     string
	Reply    bool
	At       time.Time
}

// AuditEntry is one line of a case's audit trail: who changed what and when.
type AuditEntry struct {
	ID      int64
	CaseID  int64
	At      time.Time
	ActorID int64  // 0 for the system or the citizen
	Actor   string // username, "system" or "citizen"
	Action  string // created, assigned, status, escalated, note, reply, rated, reopened …
	From    string
	To      string
	Detail  string
}

// CaseFilter selects cases for the agents' lists. Zero fields do not filter. The Office adds
// the caller's scope (queue, centre) before the store sees it.
type CaseFilter struct {
	Status   []CaseStatus
	Centre   string
	Category Category
	Level    Level
	// MinLevel selects cases at this level or above (MinLevel 2: every escalated case).
	MinLevel   Level
	Queue      Queue
	AssigneeID int64
	Phone      Phone
	// DueBefore selects open cases whose current deadline falls before it ("breaching soon").
	DueBefore time.Time

	// The search fields, usually filled by CaseSearch.Narrow from what an agent typed (see
	// ParseCaseSearch); the Office refuses values a parser would not produce.
	//
	// Number selects the case with this number (9 digits as stored, check digit valid).
	Number Reference
	// PhoneEnding selects cases whose phone ends with these digits (4 to 9 of them). The
	// stores look the last four up in an index (migration 00010) and compare the rest.
	PhoneEnding string
	// Words selects cases whose description contains every one of them, anywhere and
	// ignoring case. Postgres folds the case of every letter; SQLite, of ASCII letters only,
	// which is how English and Kiswahili are written. It is a scan of the rows the other
	// fields leave, bounded by MaxSearchWords LIKE patterns: fine for the case volumes of
	// today. A later scale pass (the 1,000,000-case target) should give Postgres a pg_trgm
	// GIN index on the description (ILIKE '%word%' can use it) and SQLite an FTS5 table with
	// the trigram tokenizer, rather than a word index: there is no Kiswahili stemmer, and
	// agents type parts of words.
	Words []string

	Limit  int // 0 means DefaultCaseLimit
	Offset int
}

// DefaultCaseLimit is how many cases a store lists when CaseFilter.Limit is 0: a page of
// the console's lists, which says the limit it was given.
const DefaultCaseLimit = 100

// CaseChange is what a case update writes besides the case row, in the same transaction.
type CaseChange struct {
	Audit         []AuditEntry
	Notes         []Note
	Notifications []Notification
}

// RatingCount is one row of the satisfaction summary.
type RatingCount struct {
	Key    string // centre code or agent username
	Rating Rating
	Count  int
}

// Errors of cases.
var (
	ErrForbidden     = newError(KindForbidden, "not allowed for your role")
	ErrReopenExpired = newError(KindConflict, "a case can be reopened only within 7 days of resolution")
	ErrBadInput      = newError(KindInvalid, "invalid input")
	ErrNoAgent       = newError(KindConflict, "no agent available")
	ErrAlreadyRated  = newError(KindConflict, "already rated")
)
