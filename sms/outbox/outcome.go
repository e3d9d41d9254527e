package outbox

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/huduma-connect/huduma/sms/africastalking"
)

// verdict is what the worker does with a row after Africa's Talking answered its send.
type verdict int

const (
	// sent: Africa's Talking took the message; record its message id and cost.
	sent verdict = iota + 1
	// retryLater: the outcome is unknown or the refusal passes. The row goes back after its
	// back-off (retry draws when, with jitter) and fails once it has had MaxAttempts.
	retryLater
	// failedForGood: this message will be refused however often it is sent.
	failedForGood
	// pauseSending: our credentials, access or account were refused, not the message. The
	// row goes back without counting the attempt and every goroutine of the worker pauses.
	pauseSending
	// unreachable: Africa's Talking could not be reached (no connection, a timeout, HTTP
	// 5xx, 408 or 429): an outage of the provider, no verdict on the message. The row goes
	// back without counting the attempt, and the breaker counts the failure.
	unreachable
)

// outcome is one send's answer, classified.
type outcome struct {
	verdict verdict
	// label is the outcome label of the send latency histogram.
	label string
	// reason is why, as the row records it (retryLater, failedForGood) or as the release
	// logs it (pauseSending).
	reason string
	// alert is what the operator must fix (pauseSending), and err the refusal behind it, if
	// any: the client's errors never contain the API key.
	alert string
	err   error
	// result is the recipient's result (sent).
	result africastalking.Result
	// unanswered (unreachable) is a request that went out and got no answer: Africa's
	// Talking may have accepted it, so sending again may send it twice.
	unanswered bool
}

// classify decides what a send's answer means, from the answer alone: it reads nothing
// else and changes nothing, so a table test covers every answer Africa's Talking gives.
// Sender's errors are sorted by africastalking.ErrUnauthorized, ErrRetryable and
// ErrPermanent; any other error leaves the outcome unknown, so the row is retried.
func classify(results []africastalking.Result, err error) outcome {
	var atErr *africastalking.Error
	switch {
	case errors.Is(err, africastalking.ErrUnauthorized),
		// A whole request refused as forbidden is about our access (an IP allow-list on
		// the account), never about one message: Africa's Talking refuses a message in
		// the answer's body.
		errors.As(err, &atErr) && atErr.HTTPStatus == http.StatusForbidden:
		return outcome{verdict: pauseSending, label: "unauthorized", reason: "credentials refused", err: err,
			alert: "Africa's Talking refused the credentials or our access: check HUDUMA_AT_USERNAME, HUDUMA_AT_API_KEY and the account's IP allow-list"}
	case errors.Is(err, africastalking.ErrPermanent):
		return outcome{verdict: failedForGood, label: "permanent", reason: err.Error()}
	case errors.As(err, &atErr) && errors.Is(err, africastalking.ErrRetryable) && providerDown(atErr.HTTPStatus):
		return outcome{verdict: unreachable, label: "unreachable", reason: err.Error(),
			unanswered: atErr.HTTPStatus == 0 && !africastalking.Unsent(err)}
	case err != nil:
		// ErrRetryable with an answer we cannot read, and anything else a Sender may
		// return: the outcome is unknown.
		return outcome{verdict: retryLater, label: "retryable", reason: err.Error()}
	case len(results) == 0:
		return outcome{verdict: retryLater, label: "retryable", reason: "Africa's Talking answered without a result for the recipient"}
	}
	res := results[0]
	reason := fmt.Sprintf("Africa's Talking: %s (%d)", res.Status, res.StatusCode)
	switch {
	case res.Outcome == africastalking.Accepted:
		return outcome{verdict: sent, label: "accepted", result: res}
	case res.StatusCode == africastalking.StatusInvalidSenderID || res.StatusCode == africastalking.StatusInsufficientBalance:
		// The account's problem, not the message's: every message would fail the same way
		// until an operator fixes it.
		return outcome{verdict: pauseSending, label: "account", reason: res.Status,
			alert: "Africa's Talking refused the account (" + res.Status + "): check HUDUMA_SMS_SENDER and the account's balance"}
	case res.Outcome == africastalking.Retryable:
		return outcome{verdict: retryLater, label: "retryable", reason: reason}
	}
	return outcome{verdict: failedForGood, label: "permanent", reason: reason}
}

// providerDown reports whether a whole request's HTTP status (0 when no answer came) means
// Africa's Talking could not take requests at all: no answer, a timeout, a server error, or
// "too many requests". A 2xx we cannot read is not one: something answered.
func providerDown(status int) bool {
	return status == 0 || status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}
