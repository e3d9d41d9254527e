package redis

import (
	"sync"
	"time"

	"github.com/huduma-connect/huduma/flows"
)

// recent keeps a private copy of each session this process saved lately, so that the next
// hop's Load needs no round trip: a USSD session is one phone's conversation, and with one
// replica, or with a load balancer that keeps a session on its replica, the next request for
// it comes here. The copy may be stale (another replica saved since, or the same request is
// being handled twice at once); Save's revision check refuses to write over what it has not
// seen, so a stale copy costs one retry, never a lost hop. A copy is used only until the
// session's key expires in Redis (Save takes the time before the script sets the key's TTL).
// Sessions must not be evicted by Redis before their TTL (maxmemory-policy noeviction, or a
// volatile policy with room to spare): a copy of an evicted session would still be used.
//
// The copies stay at most maxRecent; an ended session's copy is dropped at once.
type recent struct {
	max int

	mu sync.Mutex
	m  map[string]recentEntry
}

type recentEntry struct {
	sess    *flows.Session // never written to, never handed out
	expires time.Time
}

// maxRecent bounds the memory the copies take: a copy is a few kilobytes at most (about
// 60 MB at the bound), and a session is loaded again within seconds, so this covers the
// sessions in flight on a busy replica; past it, a hop costs a read of Redis as well.
const maxRecent = 16384

func newRecent(max int) *recent {
	return &recent{max: max, m: make(map[string]recentEntry)}
}

// saved records the session as Save wrote it (with its new revision); the copy is used
// until expires, which must not be later than the key's own expiry.
func (r *recent) saved(s *flows.Session, expires time.Time) {
	if r.max <= 0 {
		return
	}
	if s.Screen.End { // no next hop will load it; a repeat of the last one reads Redis
		r.forget(s.ID)
		return
	}
	e := recentEntry{sess: s.Clone(), expires: expires}
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
	return e.sess.Clone(), true
}

// forget drops the copy of a session.
func (r *recent) forget(id string) {
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}
