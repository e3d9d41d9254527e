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
	s.messages = append(s.messages, m)
	if len(s.messages) > s.max {
		s.messages = append(s.messages[:0:0], s.messages[len(s.messages)-s.max:]...)
	}
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
	s.calls = append(s.calls, c)
	if len(s.calls) > s.max {
		s.calls = append(s.calls[:0:0], s.calls[len(s.calls)-s.max:]...)
	}
}

// list copies the messages, newest first.
func (s *store) list() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[len(s.messages)-1-i] = *m
	}
	return out
}

func (s *store) listCalls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[len(s.calls)-1-i] = c
	}
	return out
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.calls = nil, nil
}
