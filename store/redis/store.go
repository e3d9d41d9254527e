// Package redis keeps USSD sessions in Redis, so that every gateway instance behind the load
// balancer sees the same sessions and a restart loses none.
package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

var _ flows.SessionStore = (*Store)(nil)

// Store is a flows.SessionStore on Redis. A session lives in a hash under Prefix+"sess:"+id
// (its encoding, flows.Session.MarshalBinary, and its revision) and the resume copy under
// Prefix+"r:"+phone, both expiring on their own, so nothing has to clean up after abandoned
// calls.
//
// A hop costs one round trip: Load answers from the copy this process kept when it last
// saved the session (see recent), and Save writes only if Redis still holds the revision
// that copy was saved at (saveScript). A copy made stale by another replica's save, or by a
// repeated request handled at the same moment, is caught there: Save returns
// flows.ErrStaleSession and writes nothing, and the next Load reads Redis.
//
// Errors name the session id (an Africa's Talking session id, not personal data) but never
// the phone number, which is personal data under the Data Protection Act.
type Store struct {
	cmds   commands
	opts   Options
	recent *recent
}

// commands is what the store sends to Redis.
type commands interface {
	goredis.Scripter
	Get(ctx context.Context, key string) *goredis.StringCmd
	HMGet(ctx context.Context, key string, fields ...string) *goredis.SliceCmd
}

// autoPipelining is a client that can batch the commands of concurrent callers (go-redis's
// Client, ClusterClient and Ring).
type autoPipelining interface {
	AutoPipeline() (*goredis.AutoPipeliner, error)
}

// New returns a Store on client. The caller owns the client: Store never closes it, so one
// client can be shared with other users of the same Redis.
//
// Unless opts.NoAutoPipeline, the store sends its commands through the client's automatic
// pipeline: the saves of the hops in flight at one moment go to Redis in one write and
// their answers come back in one read, where each was a round trip of its own. Every hop
// still waits for its own answer. On this project's benchmark it halved the CPU Redis spent
// per hop and took a tenth off the gateway's (docs/PERFORMANCE.md). go-redis marks the
// feature experimental; a client that cannot pipeline is used as it is.
func New(client goredis.UniversalClient, opts Options) *Store {
	opts = opts.withDefaults()
	var cmds commands = client
	if ap, ok := client.(autoPipelining); ok && !opts.NoAutoPipeline {
		if p, err := ap.AutoPipeline(); err == nil {
			cmds = p
		}
	}
	return &Store{cmds: cmds, opts: opts, recent: newRecent(maxRecent)}
}

func (s *Store) sessionKey(id string) string      { return s.opts.Prefix + "sess:" + id }
func (s *Store) resumeKey(phone crm.Phone) string { return s.opts.Prefix + "r:" + string(phone) }

// Fields of a session's hash.
const (
	fieldBody = "b"
	fieldRev  = "r"
)

// Load returns the session saved under id, or flows.ErrNoSession: the copy kept from this
// process's last save of it when there is one, else what Redis holds.
func (s *Store) Load(ctx context.Context, id string) (*flows.Session, error) {
	if sess, ok := s.recent.load(id); ok {
		return sess, nil
	}
	vals, err := s.cmds.HMGet(ctx, s.sessionKey(id), fieldBody, fieldRev).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: load session %q: %w", id, err)
	}
	body, _ := vals[0].(string)
	revText, _ := vals[1].(string)
	if body == "" {
		return nil, flows.ErrNoSession
	}
	rev, err := strconv.ParseUint(revText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redis: load session %q: revision %q: %w", id, revText, err)
	}
	sess := new(flows.Session)
	if err := sess.UnmarshalBinary([]byte(body)); err != nil {
		return nil, fmt.Errorf("redis: load session %q: %w", id, err)
	}
	sess.Rev = rev
	return sess, nil
}

// saveScript writes a session if Redis holds the revision the caller loaded (ARGV[1]; 0: no
// session), together with the resume copy: kept (ARGV[4] = "keep", for ARGV[5] ms) or
// dropped ("drop"). It answers the new revision, or -1 and writes nothing. A script, so the
// check and the writes are one round trip and nothing runs between them.
var saveScript = goredis.NewScript(`
local rev = tonumber(redis.call('HGET', KEYS[1], 'r') or '0')
if rev ~= tonumber(ARGV[1]) then return -1 end
rev = rev + 1
redis.call('HSET', KEYS[1], 'b', ARGV[2], 'r', rev)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] == 'keep' then
	redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[5])
elseif ARGV[4] == 'drop' then
	redis.call('DEL', KEYS[2])
end
return rev
`)

// Save writes the session and, with keepForResume, the resume copy under its phone; without,
// it deletes that copy: one script, so one round trip on the hot path of every hop, and no
// moment where the session and the resume copy disagree. It refuses a session loaded at an
// older revision than Redis holds (flows.ErrStaleSession).
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
	// Encoded once: the same bytes go to both keys. The buffer is reused only once the script
	// has answered: after a failure (a timeout, say) a command may still be queued in the
	// client with these bytes, so the buffer is then left to the garbage collector.
	bp := encodings.Get().(*[]byte)
	b, err := sess.AppendBinary((*bp)[:0])
	*bp = b
	if err != nil {
		return fmt.Errorf("redis: save session %q: %w", sess.ID, err)
	}
	resume := ""
	switch {
	case sess.Channel != "": // resume copies are USSD's (see flows.SessionStore)
	case keepForResume:
		resume = "keep"
	case sess.Phone != "":
		resume = "drop"
	}
	// The kept copy must not outlive the key: its lifetime starts before the script sets the
	// key's, so a hop never runs on a copy of a session Redis has forgotten.
	expires := time.Now().Add(s.opts.TTL)
	rev, err := saveScript.Run(ctx, s.cmds, []string{s.sessionKey(sess.ID), s.resumeKey(sess.Phone)},
		sess.Rev, b, s.opts.TTL.Milliseconds(), resume, s.opts.ResumeWindow.Milliseconds()).Int64()
	if err == nil && rev < 0 {
		err = flows.ErrStaleSession
	}
	if err != nil {
		s.recent.forget(sess.ID)
		return fmt.Errorf("redis: save session %q: %w", sess.ID, err)
	}
	encodings.Put(bp)
	sess.Rev = uint64(rev)
	s.recent.saved(sess, expires)
	return nil
}

// encodings are buffers for sessions' encodings, a few kilobytes each.
var encodings = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

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
	b, err := s.cmds.Get(ctx, key).Bytes()
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
