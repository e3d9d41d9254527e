package africastalking

import (
	"errors"
	"net"
	"strings"
)

// The three kinds of failure, for errors.Is. Every error Send, Call and QueueStatus return
// is exactly one of them.
var (
	// ErrUnauthorized means Africa's Talking refused the username or API key (HTTP 401). It is
	// a configuration error: retrying will not help and failing the message is wrong, so stop
	// sending and alert an operator.
	ErrUnauthorized = errors.New("africastalking: credentials refused (check the username and API key)")
	// ErrRetryable means the request may not have been handled: a timeout, a dropped
	// connection, HTTP 5xx, 408 or 429. Try again later. A timeout can come after Africa's
	// Talking accepted the message, so a retry can deliver it twice.
	ErrRetryable = errors.New("africastalking: temporary failure")
	// ErrPermanent means the request was refused as it stands (another 4xx, a malformed
	// request, a redirect): sending it again will fail the same way.
	ErrPermanent = errors.New("africastalking: request refused")
)

// Error is a failed call. Its text names the operation, the HTTP status and a short excerpt
// of the body with the API key removed; errors.Is tells its kind, errors.As gives the
// status, and Unwrap gives the transport error, if any.
type Error struct {
	Op         string // "send sms", "call", "queue status"
	HTTPStatus int    // 0 when no response came back
	kind       error
	msg        string
	cause      error
}

func (e *Error) Error() string { return e.msg }

// Is reports whether target is this error's kind (ErrUnauthorized, ErrRetryable or
// ErrPermanent).
func (e *Error) Is(target error) bool { return target == e.kind }

func (e *Error) Unwrap() error { return e.cause }

// Unsent reports whether err says the request never reached Africa's Talking: the
// connection could not be made (refused, no route, a name that does not resolve). Any other
// failure without an answer (a timeout, a connection reset after the request went out) may
// have come after Africa's Talking accepted the message.
func Unsent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// maxExcerpt bounds how much of a response body an error quotes.
const maxExcerpt = 200

// newError builds an Error whose text cannot contain the API key, whatever the server or
// the transport put in their messages.
func (c *Client) newError(op string, kind error, status int, detail string, cause error) *Error {
	var b strings.Builder
	b.WriteString("africastalking: ")
	b.WriteString(op)
	b.WriteString(": ")
	b.WriteString(detail)
	if cause != nil {
		b.WriteString(": ")
		b.WriteString(cause.Error())
	}
	b.WriteString(" (")
	b.WriteString(kindName(kind))
	b.WriteString(")")
	return &Error{Op: op, HTTPStatus: status, kind: kind, msg: c.redact(b.String()), cause: cause}
}

func kindName(kind error) string {
	switch kind {
	case ErrUnauthorized:
		return "unauthorized"
	case ErrRetryable:
		return "retryable"
	default:
		return "permanent"
	}
}

// redact removes the API key from text bound for an error or a log.
func (c *Client) redact(s string) string {
	if c.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "[api key]")
}

// excerpt is the start of a response body on one line, for an error message.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > maxExcerpt {
		s = s[:maxExcerpt] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
