package redis

import (
	"hash/maphash"
	"slices"
	"sync"

	"github.com/huduma-connect/huduma/flows"
)

// recent remembers the sessions this process saved lately: a hash of the bytes it wrote and
// a private copy of the session they encode. Every hop loads the session it saved on the
// previous hop, and decoding the JSON (a screen of 67 services is 3 KB of it) was the largest
// cost of a hop in the gateway after the system calls. Load still reads Redis, the one
// authority: when the bytes it reads hash the same as the bytes saved here, they encode the
// copy kept here and it hands out a copy of that; otherwise (another replica saved since,
// or an older release mid-deploy) it decodes as before.
//
// The copies stay at most maxRecent; an ended session's copy is dropped at once.
type recent struct {
	seed maphash.Seed
	max  int

	mu sync.Mutex
	m  map[string]recentEntry
}

type recentEntry struct {
	sum  uint64
	size int
	sess *flows.Session // never written to, never handed out
}

// maxRecent bounds the memory the copies take: a copy is a few kilobytes at most, and a
// session is loaded again within seconds, so a few thousand cover the sessions in flight.
const maxRecent = 4096

func newRecent(max int) *recent {
	return &recent{seed: maphash.MakeSeed(), max: max, m: make(map[string]recentEntry)}
}

// saved records what Save wrote for the session.
func (r *recent) saved(s *flows.Session, b []byte) {
	if r.max <= 0 {
		return
	}
	if s.Screen.End { // no next hop will load it; a repeat of the last one decodes
		r.mu.Lock()
		delete(r.m, s.ID)
		r.mu.Unlock()
		return
	}
	e := recentEntry{sum: maphash.Bytes(r.seed, b), size: len(b), sess: clone(s)}
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

// load returns a copy of the session the bytes encode when this process saved exactly them.
func (r *recent) load(id string, b []byte) (*flows.Session, bool) {
	if r.max <= 0 {
		return nil, false
	}
	r.mu.Lock()
	e, ok := r.m[id]
	r.mu.Unlock()
	if !ok || e.size != len(b) || e.sum != maphash.Bytes(r.seed, b) {
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
