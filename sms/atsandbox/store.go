package atsandbox

import (
	"sync"
	"time"
)

// Message is one SMS the sandbox handled: sent by the gateway (outbound, one record per
// recipient, as Africa's Talking bills them) or texted in by a developer (inbound).
type Message struct {
	ID         string    `json:"id"`
	Direction  string    `json:"direction"` // "outbound" or "inbound"
	Phone      string    `json:"phone"`     // the citizen's number
	Sender     string    `json:"sender"`    // sender ID or shortcode on outbound; our shortcode on inbound
	Text       string    `json:"text"`
	Segments   int       `json:"segments"`
	Encoding   string    `json:"encoding"` // "GSM-7" or "UCS-2"
	StatusCode int       `json:"statusCode,omitempty"`
	Status     string    `json:"status"` // per-recipient status, or how forwarding went
	Cost       string    `json:"cost,omitempty"`
	Delivery   string    `json:"delivery,omitempty"` // the delivery report's status
	Report     string    `json:"report,omitempty"`   // how posting the report went
	At         time.Time `json:"at"`
}

// Call is one outbound call the gateway placed.
type Call struct {
	SessionID       string    `json:"sessionId"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	Status          string    `json:"status"`
	ClientRequestID string    `json:"clientRequestId,omitempty"`
	At              time.Time `json:"at"`
}

// store keeps the most recent messages and calls in memory, oldest first.
type store struct {
	mu       sync.Mutex
	max      int
	messages []*Message
	calls    []Call
}

func (s *store) add(m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = keepLast(append(s.messages, m), s.max)
}

// keepLast drops the oldest of xs once it holds twice max, keeping the last max: a copy
// every max additions, not one at each (a drain adds a thousand messages a second).
func keepLast[T any](xs []T, max int) []T {
	if len(xs) <= 2*max {
		return xs
	}
	return append(xs[:0:0], xs[len(xs)-max:]...)
}

// last is the most recent max of xs, as the page and the API show them.
func last[T any](xs []T, max int) []T {
	return xs[len(xs)-min(len(xs), max):]
}

// update changes a stored message under the lock (delivery reports arrive concurrently).
func (s *store) update(m *Message, f func(*Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(m)
}

func (s *store) addCall(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = keepLast(append(s.calls, c), s.max)
}

// list copies the messages, newest first.
func (s *store) list() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := last(s.messages, s.max)
	out := make([]Message, len(kept))
	for i, m := range kept {
		out[len(kept)-1-i] = *m
	}
	return out
}

func (s *store) listCalls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := last(s.calls, s.max)
	out := make([]Call, len(kept))
	for i, c := range kept {
		out[len(kept)-1-i] = c
	}
	return out
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.calls = nil, nil
}
