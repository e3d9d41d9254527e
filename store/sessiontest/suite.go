// Package sessiontest is the conformance suite for flows.SessionStore: every store (the
// embedded one, Redis) runs the same cases, so a flow cannot tell which one it is on.
package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Lifetimes the cases open stores with. long outlives any case; the short ones are as short
// as the timing checks allow, so the whole suite stays around a second (cases run in
// parallel, Redis keeps millisecond expiry with PX).
const (
	long   = time.Minute
	short  = 300 * time.Millisecond
	medium = 900 * time.Millisecond
	// expiryTimeout is how long past its lifetime an entry may take to be gone before a
	// case fails: generous, since the cases wait for the expiry itself, not for a time.
	expiryTimeout = 5 * time.Second
)

// Run checks that the stores open returns behave as flows.SessionStore promises. open must
// return a fresh, empty store whose sessions live ttl after each save and whose resume copies
// live resume after each save; it registers its own cleanup on the t it is given. open is
// called once per case, from parallel subtests.
func Run(t *testing.T, open func(t *testing.T, ttl, resume time.Duration) flows.SessionStore) {
	cases := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T, ttl, resume time.Duration) flows.SessionStore)
	}{
		{"UnknownIsNoSession", testUnknown},
		{"RoundTrip", testRoundTrip},
		{"CopiesAreIndependent", testCopiesIndependent},
		{"Resume", testResume},
		{"SamePhoneSessions", testSamePhone},
		{"SaveRejectsIncompleteSession", testSaveRejects},
		{"SessionExpiresBeforeResumeCopy", testExpirySessionFirst},
		{"ResumeCopyExpiresBeforeSession", testExpiryResumeFirst},
		{"SaveRefreshesExpiry", testSaveRefreshes},
		{"Concurrent", testConcurrent},
		{"StaleSaveIsRefused", testStale},
		{"OtherChannelsLeaveTheResumeCopy", testOtherChannel},
		{"ConcurrentSavesOfOneRevision", testOneWinner},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open)
		})
	}
}

const (
	phoneA crm.Phone = "+254700000001"
	phoneB crm.Phone = "+254700000002"
)

func testUnknown(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	if _, err := st.Load(ctx, "ATUid_unknown"); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("Load(unknown) error = %v, want ErrNoSession", err)
	}
	if _, err := st.LoadResumable(ctx, phoneA); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("LoadResumable(unknown) error = %v, want ErrNoSession", err)
	}
}

func testRoundTrip(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	want := fullSession("ATUid_round", phoneA)
	mustSave(t, ctx, st, want, true)
	sameSession(t, "Load", mustLoad(t, ctx, st, want.ID), want)
	sameSession(t, "LoadResumable", mustLoadResumable(t, ctx, st, phoneA), want)

	call := fullSession("ATVId_round", phoneB)
	call.Channel = flows.ChannelVoice
	checkComplete(t, call)
	mustSave(t, ctx, st, call, false)
	sameSession(t, "Load of a voice session", mustLoad(t, ctx, st, call.ID), call)
}

// testCopiesIndependent: a flow mutates the session it loaded before saving it again; until
// it saves, the store must not see those changes, whatever the store keeps internally.
func testCopiesIndependent(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	want := fullSession("ATUid_copies", phoneA)
	saved := fullSession("ATUid_copies", phoneA)
	mustSave(t, ctx, st, saved, true)
	mutate(saved)

	loaded := mustLoad(t, ctx, st, want.ID)
	mutate(loaded)
	resumed := mustLoadResumable(t, ctx, st, phoneA)
	mutate(resumed)

	sameSession(t, "Load after mutating copies", mustLoad(t, ctx, st, want.ID), want)
	sameSession(t, "LoadResumable after mutating copies", mustLoadResumable(t, ctx, st, phoneA), want)
}

// mutate changes every kind of field, including what sits behind the slices' pointers.
func mutate(s *flows.Session) {
	s.State = "mutated"
	s.Hops++
	s.Screen.Text = "mutated"
	s.Screen.Options[0].Label = "mutated"
	s.Screen.Options = append(s.Screen.Options, flows.Option{Label: "extra", Value: "x"})
	s.Draft.Appointment = "mutated"
	s.Draft.Centre = "mutated"
}

func testResume(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	s := fullSession("ATUid_resume", phoneA)

	mustSave(t, ctx, st, s, true)
	sameSession(t, "LoadResumable after keep", mustLoadResumable(t, ctx, st, phoneA), s)

	mustSave(t, ctx, st, s, false)
	if _, err := st.LoadResumable(ctx, phoneA); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("LoadResumable after save without keep: error = %v, want ErrNoSession", err)
	}
	sameSession(t, "Load after save without keep", mustLoad(t, ctx, st, s.ID), s)

	// Another phone's copy is untouched when this phone's is dropped.
	mustSave(t, ctx, st, s, true)
	other := fullSession("ATUid_other", phoneB)
	mustSave(t, ctx, st, other, true)
	mustSave(t, ctx, st, s, false)
	sameSession(t, "LoadResumable of another phone", mustLoadResumable(t, ctx, st, phoneB), other)
}

// testSamePhone: a citizen who dials again gets a new session id; the old session (still
// answering late repeats) and the new one must both survive, and the resume copy is the one
// saved last.
func testSamePhone(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	first := fullSession("ATUid_first", phoneA)
	second := fullSession("ATUid_second", phoneA)
	second.State, second.Draft.Centre, second.Hops = "main", "mombasa-huduma", 1

	mustSave(t, ctx, st, first, true)
	mustSave(t, ctx, st, second, true)
	sameSession(t, "first", mustLoad(t, ctx, st, first.ID), first)
	sameSession(t, "second", mustLoad(t, ctx, st, second.ID), second)
	sameSession(t, "resume copy", mustLoadResumable(t, ctx, st, phoneA), second)
}

func testSaveRejects(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	if err := st.Save(ctx, fullSession("", phoneA), false); err == nil {
		t.Error("Save without id succeeded, want an error")
	}
	if err := st.Save(ctx, fullSession("ATUid_nophone", ""), true); err == nil {
		t.Error("Save with keepForResume and no phone succeeded, want an error")
	}
}

func testExpirySessionFirst(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	testExpiry(t, open(t, short, medium), short, medium)
}

func testExpiryResumeFirst(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	testExpiry(t, open(t, medium, short), medium, short)
}

// testExpiry checks that the session and its resume copy each expire after their own
// lifetime, whichever is shorter.
func testExpiry(t *testing.T, st flows.SessionStore, ttl, resume time.Duration) {
	ctx := storetest.Context(t)
	s := fullSession("ATUid_expiry", phoneA)
	started := time.Now()
	mustSave(t, ctx, st, s, true)
	saved := time.Now()

	type entry struct {
		what string
		load func() error
		life time.Duration
	}
	first := entry{"session", func() error { _, err := st.Load(ctx, s.ID); return err }, ttl}
	second := entry{"resume copy", func() error { _, err := st.LoadResumable(ctx, phoneA); return err }, resume}
	if resume < ttl {
		first, second = second, first
	}
	present(t, first.what, first.load, started.Add(first.life))
	present(t, second.what, second.load, started.Add(second.life))

	// The shorter lifetime ends first: once that entry is gone, the other is still there.
	expires(t, first.what, first.load, saved.Add(first.life))
	present(t, second.what, second.load, started.Add(second.life))
	expires(t, second.what, second.load, saved.Add(second.life))
	if err := first.load(); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("%s: want it to stay expired (ErrNoSession), got %v", first.what, err)
	}
}

// testSaveRefreshes: a session lives ttl after its last save, not after its first, so a
// long conversation does not expire under the citizen.
func testSaveRefreshes(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	const ttl = 500 * time.Millisecond
	st, ctx := open(t, ttl, ttl), storetest.Context(t)
	s := fullSession("ATUid_refresh", phoneA)
	// control is saved with s and never again: its expiry marks the end of s's first lifetime.
	control := fullSession("ATUid_refresh_control", phoneB)
	mustSave(t, ctx, st, s, true)
	mustSave(t, ctx, st, control, false)
	first := time.Now()

	time.Sleep(time.Until(first.Add(ttl * 3 / 5))) // the citizen takes a while to answer
	resaved := time.Now()
	mustSave(t, ctx, st, s, true)

	expires(t, "session saved once", func() error { _, err := st.Load(ctx, control.ID); return err }, first.Add(ttl))
	load := func() error { _, err := st.Load(ctx, s.ID); return err }
	loadResumable := func() error { _, err := st.LoadResumable(ctx, phoneA); return err }
	present(t, "re-saved session", load, resaved.Add(ttl))
	present(t, "re-saved resume copy", loadResumable, resaved.Add(ttl))
}

// testConcurrent: the gateway serves many citizens at once; under -race this catches a store
// that shares state between sessions without synchronisation, and a store that mixes them up.
func testConcurrent(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	const sessions, hops = 50, 5
	st, ctx := open(t, long, long), storetest.Context(t)
	id := func(i int) string { return fmt.Sprintf("ATUid_conc_%02d", i) }

	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			s := fullSession(id(i), crm.Phone(fmt.Sprintf("+2547100000%02d", i)))
			for hop := 1; hop <= hops; hop++ {
				s.Hops = hop
				if err := st.Save(ctx, s, hop%2 == 1); err != nil {
					t.Errorf("Save %s hop %d: %v", s.ID, hop, err)
					return
				}
				got, err := st.Load(ctx, s.ID)
				if err != nil {
					t.Errorf("Load %s hop %d: %v", s.ID, hop, err)
					return
				}
				if got.ID != s.ID || got.Hops != hop {
					t.Errorf("Load %s hop %d: got id %s hop %d", s.ID, hop, got.ID, got.Hops)
				}
				// Read a neighbour another goroutine is writing right now.
				other := id((i + 1) % sessions)
				switch got, err := st.Load(ctx, other); {
				case errors.Is(err, flows.ErrNoSession):
				case err != nil:
					t.Errorf("Load %s: %v", other, err)
				case got.ID != other:
					t.Errorf("Load %s: got id %s", other, got.ID)
				}
			}
			got, err := st.LoadResumable(ctx, s.Phone)
			if err != nil {
				t.Errorf("LoadResumable for %s: %v", s.ID, err)
				return
			}
			if got.ID != s.ID || got.Hops != hops {
				t.Errorf("LoadResumable for %s: got id %s hop %d, want hop %d", s.ID, got.ID, got.Hops, hops)
			}
		})
	}
	wg.Wait()
}

// testStale: a save from a copy loaded before another save of the same session (a repeated
// request handled twice at once, another replica) is refused and writes nothing, so no hop
// is lost; after loading again, saving works.
func testStale(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	first := fullSession("ATUid_stale", phoneA)
	mustSave(t, ctx, st, first, true)
	if first.Rev == 0 {
		t.Fatal("Save left the session's revision 0")
	}

	a, b := mustLoad(t, ctx, st, first.ID), mustLoad(t, ctx, st, first.ID)
	if a.Rev != first.Rev {
		t.Errorf("Load revision %d, want %d (what Save set)", a.Rev, first.Rev)
	}
	a.State, a.Hops = "from a", 5
	mustSave(t, ctx, st, a, false)
	b.State, b.Hops = "from b", 5
	if err := st.Save(ctx, b, true); !errors.Is(err, flows.ErrStaleSession) {
		t.Fatalf("Save of a stale copy: %v, want ErrStaleSession", err)
	}
	sameSession(t, "Load after the refused save", mustLoad(t, ctx, st, first.ID), a)
	if _, err := st.LoadResumable(ctx, phoneA); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("the refused save kept a resume copy: %v", err)
	}

	again := mustLoad(t, ctx, st, first.ID)
	again.Hops = 6
	mustSave(t, ctx, st, again, false)

	// A new session (revision 0) whose id is already stored is stale too: the first hop was
	// handled twice.
	if err := st.Save(ctx, fullSession("ATUid_stale", phoneA), false); !errors.Is(err, flows.ErrStaleSession) {
		t.Errorf("Save of a second new session under a stored id: %v, want ErrStaleSession", err)
	}
}

// testOtherChannel: a voice call from a phone whose USSD booking dropped must not take the
// booking's resume copy away (nor offer the call itself for resuming).
func testOtherChannel(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	st, ctx := open(t, long, long), storetest.Context(t)
	dropped := fullSession("ATUid_dropped", phoneA)
	dropped.Channel = ""
	mustSave(t, ctx, st, dropped, true)
	call := fullSession("ATVId_call", phoneA)
	call.Channel = flows.ChannelVoice
	mustSave(t, ctx, st, call, false)
	mustSave(t, ctx, st, call, true)
	sameSession(t, "resume copy after a voice call's saves", mustLoadResumable(t, ctx, st, phoneA), dropped)
}

// testOneWinner: of many saves racing from the same revision, exactly one is written.
func testOneWinner(t *testing.T, open func(*testing.T, time.Duration, time.Duration) flows.SessionStore) {
	const racers = 16
	st, ctx := open(t, long, long), storetest.Context(t)
	s := fullSession("ATUid_race", phoneA)
	mustSave(t, ctx, st, s, false)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     []int
		refused int
	)
	copies := make([]*flows.Session, racers)
	for i := range copies { // all loaded before any saves
		copies[i] = mustLoad(t, ctx, st, s.ID)
	}
	for i, c := range copies {
		wg.Go(func() {
			c.Hops = 100 + i
			err := st.Save(ctx, c, false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, c.Hops)
			case errors.Is(err, flows.ErrStaleSession):
				refused++
			default:
				t.Errorf("Save: %v", err)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 || refused != racers-1 {
		t.Fatalf("%d saves written (%v), %d refused; want 1 and %d", len(won), won, refused, racers-1)
	}
	if got := mustLoad(t, ctx, st, s.ID); got.Hops != won[0] {
		t.Errorf("stored hop %d, want the winner's %d", got.Hops, won[0])
	}
}

func mustSave(t *testing.T, ctx context.Context, st flows.SessionStore, s *flows.Session, keep bool) {
	t.Helper()
	if err := st.Save(ctx, s, keep); err != nil {
		t.Fatalf("Save(%s, keep=%v): %v", s.ID, keep, err)
	}
}

func mustLoad(t *testing.T, ctx context.Context, st flows.SessionStore, id string) *flows.Session {
	t.Helper()
	s, err := st.Load(ctx, id)
	if err != nil {
		t.Fatalf("Load(%s): %v", id, err)
	}
	return s
}

func mustLoadResumable(t *testing.T, ctx context.Context, st flows.SessionStore, phone crm.Phone) *flows.Session {
	t.Helper()
	s, err := st.LoadResumable(ctx, phone)
	if err != nil {
		// Masked: test logs end up in CI artefacts too.
		t.Fatalf("LoadResumable(%s): %v", phone.Masked(), err)
	}
	return s
}

// present fails unless load finds the entry. An entry missing only after its deadline (the
// earliest it may expire) has passed proves nothing, so the case is skipped rather than
// failed: a stalled CI machine must not turn timing into a red build.
func present(t *testing.T, what string, load func() error, deadline time.Time) {
	t.Helper()
	err := load()
	switch {
	case err == nil:
	case errors.Is(err, flows.ErrNoSession) && !time.Now().Before(deadline):
		t.Skipf("%s: checked %v after it could expire; machine too slow to test expiry", what, time.Since(deadline))
	default:
		t.Fatalf("%s: want present, got %v", what, err)
	}
}

// expires waits until load no longer finds the entry, which its lifetime ends at: it fails
// if the entry is still there expiryTimeout after that, or if load fails otherwise.
func expires(t *testing.T, what string, load func() error, at time.Time) {
	t.Helper()
	testkit.EventuallyNoError(t, func() error {
		switch err := load(); {
		case errors.Is(err, flows.ErrNoSession):
			return nil
		case err != nil:
			t.Fatalf("%s: want it present or expired, got %v", what, err)
		}
		return errors.New("still there")
	}, time.Until(at)+expiryTimeout, "%s expires", what)
}
