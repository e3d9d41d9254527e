package crm

import (
	"time"
)

// RequestStatus is where a tracked request (a service transaction lodged at a centre and
// processed by an agency) stands.
type RequestStatus string

const (
	RequestReceived    RequestStatus = "received"
	RequestProcessing  RequestStatus = "processing"
	RequestNeedsAction RequestStatus = "needs_action" // the citizen must do something (bring a document)
	RequestReady       RequestStatus = "ready_for_collection"
	RequestCollected   RequestStatus = "collected"
	RequestRejected    RequestStatus = "rejected" // always with a reason
)

// requestMoves is the request lifecycle: which status may follow which. A status may also
// follow itself, to move the expected-ready date or add a note without a new status.
var requestMoves = map[RequestStatus][]RequestStatus{
	RequestReceived:    {RequestProcessing, RequestNeedsAction, RequestReady, RequestRejected},
	RequestProcessing:  {RequestNeedsAction, RequestReady, RequestRejected},
	RequestNeedsAction: {RequestProcessing, RequestReady, RequestRejected},
	RequestReady:       {RequestCollected},
	RequestCollected:   nil,
	RequestRejected:    nil,
}

// Valid reports whether s is a known status.
func (s RequestStatus) Valid() bool { _, ok := requestMoves[s]; return ok }

// awaited reports whether the citizen is still waiting for the request to be ready, so an
// expected-ready date is a promise to them.
func (s RequestStatus) awaited() bool {
	return s == RequestReceived || s == RequestProcessing || s == RequestNeedsAction
}

// CanMoveTo reports whether a request in status s may take status next.
func (s RequestStatus) CanMoveTo(next RequestStatus) bool {
	if !next.Valid() {
		return false
	}
	if s == next {
		return s != RequestCollected && s != RequestRejected
	}
	for _, n := range requestMoves[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Errors of tracked requests.
var (
	ErrBadTransition  = newError(KindConflict, "that status change is not allowed from the current status")
	ErrNotYourService = newError(KindForbidden, "the service is not one of this agency's")
	ErrReasonRequired = newError(KindInvalid, "a rejection needs a reason")
	// ErrConflict means the row changed since it was read; the domain reads it again and retries.
	ErrConflict = newError(KindChanged, "changed concurrently")
)

// Request is a tracked request.
type Request struct {
	Ref       Reference // the ticket number the citizen holds
	Phone     Phone
	Service   string // service code
	Centre    string // centre code where it was lodged
	Agency    string // agency code that processes it
	Status    RequestStatus
	Reason    string    // why it was rejected, or what the citizen must do (needs_action)
	Ready     time.Time // expected-ready civil date (see DateOf); zero when unknown
	Version   int       // bumped by every change, for optimistic concurrency
	CreatedAt time.Time
	UpdatedAt time.Time
	Events    []RequestEvent // oldest first; filled by RequestByRef
}

// RequestEvent is one entry of a request's history.
type RequestEvent struct {
	Status RequestStatus
	Reason string
	Ready  time.Time
	Note   string
	By     string // agency code, or "import"
	At     time.Time
	// IdempotencyKey names the agency's push: pushing the same key twice records one event.
	IdempotencyKey string
}
