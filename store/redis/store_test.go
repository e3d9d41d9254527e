package redis

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/store/sessiontest"
	"github.com/huduma-connect/huduma/store/storetest"
)

// The store keeps the same promises whether its commands go through the client's automatic
// pipeline (the default) or each on its own round trip.
func TestConformance(t *testing.T) {
	for _, mode := range []struct {
		name string
		off  bool
	}{{"AutoPipeline", false}, {"EachCommandOnItsOwn", true}} {
		t.Run(mode.name, func(t *testing.T) {
			client := connect(t)
			sessiontest.Run(t, func(t *testing.T, ttl, resume time.Duration) flows.SessionStore {
				return New(client, Options{Prefix: uniquePrefix(t, client), TTL: ttl, ResumeWindow: resume, NoAutoPipeline: mode.off})
			})
		})
	}
}

// The saves of hops in flight together reach Redis batched: a pipeline of several scripts
// on one write, where each used to be a round trip of its own. Whether two saves meet in one
// batch depends on timing, so rounds of concurrent saves are tried until one batch holds
// more than one; with the pipeline off, none ever does.
func TestConcurrentSavesShareARoundTrip(t *testing.T) {
	ctx := storetest.Context(t)
	for _, tc := range []struct {
		name    string
		off     bool
		batched bool
	}{{"AutoPipeline", false, true}, {"EachCommandOnItsOwn", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			client := connect(t)
			rec := &recorder{}
			client.AddHook(rec)
			st := New(client, Options{Prefix: uniquePrefix(t, client), NoAutoPipeline: tc.off})
			batched := false
			for round := 0; round < 20 && !batched; round++ {
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range 64 {
					wg.Go(func() {
						<-start
						s := &flows.Session{ID: fmt.Sprintf("ATUid_batch_%d_%d", round, i), Phone: "+254700000001"}
						if err := st.Save(ctx, s, false); err != nil {
							t.Errorf("Save: %v", err)
						}
					})
				}
				close(start)
				wg.Wait()
				_, pipelines := rec.get()
				for _, p := range pipelines { // a new connection's handshake is a pipeline too
					batched = batched || slices.Contains(p, "evalsha") && len(p) > 1
				}
			}
			if batched != tc.batched {
				t.Fatalf("saves batched into one round trip: %v, want %v", batched, tc.batched)
			}
		})
	}
}

// TestHopIsOneRoundTrip pins the promise that a hop costs one round trip: a Load of a
// session this process saved sends nothing, and Save sends exactly one command (the script).
func TestHopIsOneRoundTrip(t *testing.T) {
	ctx := storetest.Context(t)
	client := connect(t)
	rec := &recorder{}
	client.AddHook(rec)
	st := New(client, Options{Prefix: uniquePrefix(t, client)})
	s := &flows.Session{ID: "ATUid_tx", Phone: "+254700000001"}
	// A new connection says HELLO and CLIENT SETINFO through the hooks, and the script is
	// loaded once; one Save warms both up.
	if err := st.Save(ctx, s, false); err != nil {
		t.Fatalf("Save: %v", err)
	}
	for _, keep := range []bool{true, false} {
		rec.reset()
		loaded, err := st.Load(ctx, s.ID)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if err := st.Save(ctx, loaded, keep); err != nil {
			t.Fatalf("Save(keep=%v): %v", keep, err)
		}
		single, pipelines := rec.get()
		if len(single) != 1 || single[0] != "evalsha" || len(pipelines) != 0 {
			t.Errorf("Load and Save(keep=%v) sent commands %v and pipelines %v, want one evalsha",
				keep, single, pipelines)
		}
	}
}

// TestKeysAndEncoding pins the key layout and the value format, which operators and the other
// gateway instances rely on: the session's hash holds the encoding and the revision.
func TestKeysAndEncoding(t *testing.T) {
	ctx := storetest.Context(t)
	client := connect(t)
	prefix := uniquePrefix(t, client)
	const ttl, resume = 40 * time.Second, 20 * time.Second
	st := New(client, Options{Prefix: prefix, TTL: ttl, ResumeWindow: resume})
	s := &flows.Session{ID: "ATUid_keys", Phone: "+254700000001", State: "main", Hops: 1}
	if err := st.Save(ctx, s, true); err != nil {
		t.Fatalf("Save: %v", err)
	}
	want, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	sessionKey, resumeKey := prefix+"sess:ATUid_keys", prefix+"r:+254700000001"
	fields, err := client.HGetAll(ctx, sessionKey).Result()
	if err != nil {
		t.Fatalf("HGETALL %s: %v", sessionKey, err)
	}
	if fields["b"] != string(want) || fields["r"] != "1" || len(fields) != 2 {
		t.Errorf("HGETALL %s = %v, want b = %s and r = 1", sessionKey, fields, want)
	}
	got, err := client.Get(ctx, resumeKey).Bytes()
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("GET %s = %s, %v; want flows.Session.MarshalBinary %s", resumeKey, got, err, want)
	}
	for _, k := range []struct {
		key string
		ttl time.Duration
	}{{sessionKey, ttl}, {resumeKey, resume}} {
		left, err := client.PTTL(ctx, k.key).Result()
		if err != nil {
			t.Fatalf("PTTL %s: %v", k.key, err)
		}
		if left <= k.ttl-5*time.Second || left > k.ttl {
			t.Errorf("PTTL %s = %v, want just under %v", k.key, left, k.ttl)
		}
	}
}

func TestDefaults(t *testing.T) {
	got := New(nil, Options{}).opts
	want := Options{Prefix: "huduma:", TTL: 5 * time.Minute, ResumeWindow: 5 * time.Minute}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
}

func TestConnectFails(t *testing.T) {
	ctx := storetest.Context(t)
	if _, err := Connect(ctx, "http://127.0.0.1:6379"); err == nil {
		t.Error("Connect with an http:// URL succeeded")
	}
	// Port 1 is privileged and unused: the ping is refused at once, and not retried.
	if c, err := Connect(ctx, "redis://127.0.0.1:1/0?max_retries=-1"); err == nil {
		c.Close()
		t.Error("Connect to a closed port succeeded")
	}
}

// connect returns a client on the test Redis (skipping, or failing under CI=true, when there
// is none), closed when the test ends.
func connect(t testing.TB) *goredis.Client {
	t.Helper()
	url := storetest.RedisURL(t)
	client, err := Connect(storetest.Context(t), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// uniquePrefix returns a key prefix no other test uses and deletes its keys when t ends, so
// test runs can share one Redis and leave nothing behind.
func uniquePrefix(t testing.TB, client goredis.UniversalClient) string {
	prefix := storetest.UniqueName("huduma_test") + ":"
	t.Cleanup(func() {
		// The test's own context may be cancelled by now.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("scan test keys: %v", err)
			return
		}
		if len(keys) > 0 {
			if err := client.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("delete test keys: %v", err)
			}
		}
	})
	return prefix
}

// recorder is a go-redis hook that records the names of the commands sent, alone and in
// pipelines.
type recorder struct {
	mu        sync.Mutex
	single    []string
	pipelines [][]string
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.single, r.pipelines = nil, nil
}

func (r *recorder) get() (single []string, pipelines [][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.single, r.pipelines
}

func (r *recorder) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *recorder) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		r.mu.Lock()
		r.single = append(r.single, cmd.Name())
		r.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (r *recorder) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.Name()
		}
		r.mu.Lock()
		r.pipelines = append(r.pipelines, names)
		r.mu.Unlock()
		return next(ctx, cmds)
	}
}
