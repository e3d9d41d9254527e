// Package redis keeps USSD sessions in Redis, so that every gateway instance behind the load
// balancer sees the same sessions and a restart loses none.
package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

var _ flows.SessionStore = (*Store)(nil)

// Store is a flows.SessionStore on Redis. Sessions live under Prefix+"s:"+id and the resume
// copy under Prefix+"r:"+phone, both encoded with flows.Session.MarshalBinary and both expiring
// on their own, so nothing has to clean up after abandoned calls.
//
// Errors name the session id (an Africa's Talking session id, not personal data) but never
// the phone number, which is personal data under the Data Protection Act.
type Store struct {
	client goredis.UniversalClient
	opts   Options
	recent *recent
}

// New returns a Store on client. The caller owns the client: Store never closes it, so one
// client can be shared with other users of the same Redis.
func New(client goredis.UniversalClient, opts Options) *Store {
	return &Store{client: client, opts: opts.withDefaults(), recent: newRecent(maxRecent)}
}

func (s *Store) sessionKey(id string) string      { return s.opts.Prefix + "s:" + id }
func (s *Store) resumeKey(phone crm.Phone) string { return s.opts.Prefix + "r:" + string(phone) }

// Load returns the session saved under id, or flows.ErrNoSession.
func (s *Store) Load(ctx context.Context, id string) (*flows.Session, error) {
	b, err := s.read(ctx, s.sessionKey(id))
	if err == nil {
		if sess, ok := s.recent.load(id, b); ok {
			return sess, nil
		}
		sess := new(flows.Session)
		if err = sess.UnmarshalBinary(b); err == nil {
			return sess, nil
		}
	}
	if errors.Is(err, flows.ErrNoSession) {
		return nil, err
	}
	return nil, fmt.Errorf("redis: load session %q: %w", id, err)
}

// Save writes the session and, with keepForResume, the resume copy under its phone; without,
// it deletes that copy. Both happen in one MULTI/EXEC pipeline: one round trip on the hot path
// of every hop, and no moment where the session and the resume copy disagree.
func (s *Store) Save(ctx context.Context, sess *flows.Session, keepForResume bool) error {
	if sess == nil {
		return errors.New("redis: save session: nil session")
	}
	if sess.ID == "" {
		return errors.New("redis: save session: empty id")
	}
	if keepForResume && sess.Phone == "" {
		return fmt.Errorf("redis: save session %q: keep for resume without a phone", sess.ID)
	}
	// Encoded once: the same bytes go to both keys.
	b, err := sess.MarshalBinary()
	if err != nil {
		return fmt.Errorf("redis: save session %q: %w", sess.ID, err)
	}
	_, err = s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		// go-redis sends PX for durations that are not whole seconds, EX otherwise.
		p.Set(ctx, s.sessionKey(sess.ID), b, s.opts.TTL)
		switch {
		case keepForResume:
			p.Set(ctx, s.resumeKey(sess.Phone), b, s.opts.ResumeWindow)
		case sess.Phone != "":
			p.Del(ctx, s.resumeKey(sess.Phone))
		}
		return nil
	})
	if err != nil {
		s.recent.forget(sess.ID)
		return fmt.Errorf("redis: save session %q: %w", sess.ID, err)
	}
	s.recent.saved(sess, b)
	return nil
}

// LoadResumable returns the copy kept for phone, or flows.ErrNoSession.
func (s *Store) LoadResumable(ctx context.Context, phone crm.Phone) (*flows.Session, error) {
	sess, err := s.get(ctx, s.resumeKey(phone))
	if err != nil && !errors.Is(err, flows.ErrNoSession) {
		return nil, fmt.Errorf("redis: load resumable session: %w", err)
	}
	return sess, err
}

// read reads one key. A missing key is flows.ErrNoSession itself, unwrapped, so callers
// comparing with == keep working.
func (s *Store) read(ctx context.Context, key string) ([]byte, error) {
	b, err := s.client.Get(ctx, key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, flows.ErrNoSession
	}
	return b, err
}

// get reads and decodes one key.
func (s *Store) get(ctx context.Context, key string) (*flows.Session, error) {
	b, err := s.read(ctx, key)
	if err != nil {
		return nil, err
	}
	sess := new(flows.Session)
	if err := sess.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return sess, nil
}
