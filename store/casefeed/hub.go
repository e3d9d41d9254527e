// Package casefeed fans the case changes a store hears out to its listeners (each console
// page stream), for both stores: the SQLite store publishes after each commit, the Postgres
// store what its LISTEN connection hears from every replica.
package casefeed

import (
	"context"
	"sync"

	"github.com/huduma-connect/huduma/crm"
)

// buffer is how many changes a listener may be behind before it gets a resync instead.
const buffer = 256

// Hub delivers every published change to every listener, never blocking the publisher: a
// listener whose buffer is full misses changes and gets crm.Resync once it has room.
type Hub struct {
	mu     sync.Mutex
	subs   map[*sub]struct{}
	closed bool
}

type sub struct {
	ch     chan crm.CaseEvent
	missed bool
}

// Subscribe adds a listener until ctx ends or the hub closes; the channel is then closed.
func (h *Hub) Subscribe(ctx context.Context) <-chan crm.CaseEvent {
	s := &sub{ch: make(chan crm.CaseEvent, buffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		return s.ch
	}
	if h.subs == nil {
		h.subs = map[*sub]struct{}{}
	}
	h.subs[s] = struct{}{}
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.ch)
		}
	}()
	return s.ch
}

// Publish delivers ch to every listener.
func (h *Hub) Publish(ch crm.CaseEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if s.missed {
			select {
			case s.ch <- crm.Resync:
				s.missed = false
			default:
				continue
			}
		}
		select {
		case s.ch <- ch:
		default:
			s.missed = true
		}
	}
}

// Close ends every listener's channel; later subscriptions get a closed channel.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
}
