package redis

import (
	"slices"
	"sync"
	"time"

	"github.com/huduma-connect/huduma/flows"
)

// recent keeps a private copy of each session this process saved lately, so that the next
// hop's Load needs no round trip: a USSD session is one phone's conversation, and with one
// replica, or with a load balancer that keeps a session on its replica, the next request for
// it comes here. The copy may be stale (another replica saved since, or the same request is
// being handled twice at once); Save's revision check refuses to write over what it has not
// seen, so a stale copy costs one retry, never a lost hop. A copy is used only within the
// session's TTL, after which Redis has forgotten the session too.
//
// The copies stay at most maxRecent; an ended session's copy is dropped at once.
type recent struct {
	max int
	ttl time.Duration

	mu sync.Mutex
	m  map[string]recentEntry
}

type recentEntry struct {
	sess    *flows.Session // never written to, never handed out
	expires time.Time
}

// maxRecent bounds the memory the copies take: a copy is a few kilobytes at most, and a
// session is loaded again within seconds, so a few thousand cover the sessions in flight.
const maxRecent = 4096

func newRecent(max int, ttl time.Duration) *recent {
	return &recent{max: max, ttl: ttl, m: make(map[string]recentEntry)}
}

// saved records the session as Save wrote it (with its new revision).
func (r *recent) saved(s *flows.Session) {
	if r.max <= 0 {
		return
	}
	if s.Screen.End { // no next hop will load it; a repeat of the last one reads Redis
		r.forget(s.ID)
		return
	}
	e := recentEntry{sess: clone(s), expires: time.Now().Add(r.ttl)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[s.ID]; !ok && len(r.m) >= r.max {
		for id := range r.m { // map order is unspecified: an arbitrary entry goes
			delete(r.m, id)
			break
		}
	}
	r.m[s.ID] = e
}

// load returns a copy of the session as this process last saved it.
func (r *recent) load(id string) (*flows.Session, bool) {
	if r.max <= 0 {
		return nil, false
	}
	r.mu.Lock()
	e, ok := r.m[id]
	r.mu.Unlock()
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return clone(e.sess), true
}

// forget drops the copy of a session.
func (r *recent) forget(id string) {
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}

// clone copies a session so that the copy shares nothing mutable with the original: strings
// are immutable, and the only reference in a Session is its screen's options (a test fails
// when flows adds another, so that this function is extended with it).
func clone(s *flows.Session) *flows.Session {
	c := *s
	c.Screen.Options = slices.Clone(s.Screen.Options)
	return &c
}
