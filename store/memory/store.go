// Package memory keeps USSD sessions in the process: the default when the gateway runs as a
// single instance and has no Redis. It behaves like the Redis store in everything a flow can
// observe, which store/sessiontest checks for both.
package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

var _ flows.SessionStore = (*Store)(nil)

// Store is a flows.SessionStore in a map. It holds private copies, never the caller's
// session: a caller that mutates a session it saved or loaded never changes what is stored,
// exactly as with Redis. It copies rather than encodes: decoding the JSON encoding
// (flows.Session.UnmarshalBinary) was the largest single cost of a hop on the embedded
// default, and a copy is a few hundred bytes of memmove. The Redis store and the conformance
// suite keep the encoding exercised.
type Store struct {
	opts Options

	mu        sync.Mutex
	sessions  map[string]entry
	resumable map[crm.Phone]entry

	stop context.CancelFunc // ends the janitor
	done chan struct{}      // closed when the janitor has ended
}

// entry is one stored session and the moment it stops existing. sess is never written to
// once stored, and never handed out: readers get a copy.
type entry struct {
	sess    *flows.Session
	expires time.Time
}

func (e entry) expired(now time.Time) bool { return !now.Before(e.expires) }

// New returns a Store and starts its janitor, which sweeps expired entries so memory does
// not grow with abandoned sessions. Call Close to stop it.
func New(opts Options) *Store {
	s := &Store{
		opts:      opts.withDefaults(),
		sessions:  make(map[string]entry),
		resumable: make(map[crm.Phone]entry),
		done:      make(chan struct{}),
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.janitor(ctx, sweepInterval(s.opts))
	return s
}

// Close stops the janitor and waits for it. The store still answers afterwards (expiry is
// checked on every read) but nothing frees expired entries any more. Close may be called
// more than once; it returns an error only to satisfy io.Closer.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	return nil
}

// Load returns the session saved under id, or flows.ErrNoSession.
func (s *Store) Load(ctx context.Context, id string) (*flows.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: load session %q: %w", id, err)
	}
	sess, err := get(s, s.sessions, id)
	if err != nil && !errors.Is(err, flows.ErrNoSession) {
		return nil, fmt.Errorf("memory: load session %q: %w", id, err)
	}
	return sess, err
}

// Save writes the session and, with keepForResume, the resume copy under its phone; without,
// it deletes that copy. Both change under one lock, so no reader sees one without the other.
// It refuses a session loaded at an older revision (flows.ErrStaleSession).
func (s *Store) Save(ctx context.Context, sess *flows.Session, keepForResume bool) error {
	if sess == nil {
		return errors.New("memory: save session: nil session")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: save session %q: %w", sess.ID, err)
	}
	if sess.ID == "" {
		return errors.New("memory: save session: empty id")
	}
	if keepForResume && sess.Phone == "" {
		return fmt.Errorf("memory: save session %q: keep for resume without a phone", sess.ID)
	}
	c := sess.Clone()

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	var rev uint64 // of what is stored; an expired session is no longer stored
	if e, ok := s.sessions[sess.ID]; ok && !e.expired(now) {
		rev = e.sess.Rev
	}
	if sess.Rev != rev {
		return fmt.Errorf("memory: save session %q: %w", sess.ID, flows.ErrStaleSession)
	}
	c.Rev = rev + 1
	// One copy for both maps is safe: stored copies are never written to, only copied again.
	s.sessions[sess.ID] = entry{sess: c, expires: now.Add(s.opts.TTL)}
	switch {
	case sess.Channel != "": // resume copies are USSD's (see flows.SessionStore)
	case keepForResume:
		s.resumable[sess.Phone] = entry{sess: c, expires: now.Add(s.opts.ResumeWindow)}
	default:
		delete(s.resumable, sess.Phone)
	}
	sess.Rev = c.Rev
	return nil
}

// LoadResumable returns the copy kept for phone, or flows.ErrNoSession.
func (s *Store) LoadResumable(ctx context.Context, phone crm.Phone) (*flows.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: load resumable session: %w", err)
	}
	sess, err := get(s, s.resumable, phone)
	if err != nil && !errors.Is(err, flows.ErrNoSession) {
		return nil, fmt.Errorf("memory: load resumable session: %w", err)
	}
	return sess, err
}

// get copies the unexpired entry under key. A missing or expired entry is
// flows.ErrNoSession itself, unwrapped, so callers comparing with == keep working. Expired
// entries are left for the janitor, so a read only ever takes the lock briefly.
func get[K comparable](s *Store, m map[K]entry, key K) (*flows.Session, error) {
	s.mu.Lock()
	e, ok := m[key]
	now := s.opts.Now()
	s.mu.Unlock()
	if !ok || e.expired(now) {
		return nil, flows.ErrNoSession
	}
	// Copying outside the lock: e.sess is never modified once stored.
	return e.sess.Clone(), nil
}
