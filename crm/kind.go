package crm

import "errors"

// Kind is what an error means to whoever asked, in the way Can decides access: one answer
// that every door reads (the API turns it into an HTTP status, the console into a status and
// a sentence). Each sentinel error of this package carries its kind, so a new sentinel is
// given a meaning where it is declared instead of falling through a door's switch to
// "internal error".
type Kind int

const (
	// KindInternal is a fault of ours or of what we run on (a database down, a bug): the
	// asker can do nothing about it. Every error that carries no kind is internal.
	KindInternal Kind = iota
	// KindInvalid: the request is malformed or names something that is not valid.
	KindInvalid
	// KindUnauthenticated: the asker is not logged in, gave the wrong password, or their
	// session ended.
	KindUnauthenticated
	// KindForbidden: the asker is known, but may not do this.
	KindForbidden
	// KindNotFound: no such record (or not one the asker may know of).
	KindNotFound
	// KindConflict: the record's state does not allow it (a status change out of order, a
	// key taken, a slot full). Asking again will not help until the state changes.
	KindConflict
	// KindChanged: the record changed while the request was applied. Reading it again and
	// asking again may succeed.
	KindChanged
	// KindUnavailable: a service the request needs is not there on this gateway.
	KindUnavailable
	// KindUpstream: a provider we call refused or failed the request.
	KindUpstream
	// KindThrottled: too many tries (failed logins); the same request later may succeed.
	KindThrottled
)

var kindNames = [...]string{
	KindInternal:        "internal",
	KindInvalid:         "invalid",
	KindUnauthenticated: "unauthenticated",
	KindForbidden:       "forbidden",
	KindNotFound:        "not found",
	KindConflict:        "conflict",
	KindChanged:         "changed",
	KindUnavailable:     "unavailable",
	KindUpstream:        "upstream",
	KindThrottled:       "throttled",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// KindOf is the kind of err: that of the first sentinel it wraps (depth first, as errors.As
// looks), or KindInternal when it wraps none.
func KindOf(err error) Kind {
	var k *kindError
	if errors.As(err, &k) {
		return k.kind
	}
	return KindInternal
}

// kindError is a sentinel error with its kind. Like errors.New, each is a distinct pointer,
// so == and errors.Is work as before, and its text is exactly the text it was given.
type kindError struct {
	msg  string
	kind Kind
}

func (e *kindError) Error() string { return e.msg }

// sentinels are the errors newError made, in the order the package declared them, so a
// test can hold every sentinel the source declares to having a kind.
var sentinels []*kindError

// newError declares a sentinel error of kind k. It is for package-level variables only.
func newError(k Kind, msg string) error {
	e := &kindError{msg: msg, kind: k}
	sentinels = append(sentinels, e)
	return e
}
