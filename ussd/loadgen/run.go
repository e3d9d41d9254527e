// Package loadgen drives whole USSD sessions against a gateway over HTTP, exactly as Africa's
// Talking does: one virtual phone sends hop k+1 only after hop k was answered, with every
// input so far joined by "*". Sessions follow journeys (see Journey) that end in real
// bookings, complaints and status checks; the run reports throughput, hop latency, the
// journeys completed and every answer that was not what a caller should get.
//
// It runs closed-loop (Phones phones, each starting a new session as soon as its last one
// ends) or open-loop (Rate new sessions per second, however slowly the server answers).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/ussd"
)

// Config is one run.
type Config struct {
	// Target is the callback URL (e.g. http://127.0.0.1:8080/at/ussd).
	Target  string
	Profile Profile

	// Phones is the number of phones in a closed-loop run: each starts its next session as
	// soon as its last one ended. Used when Rate is zero; zero means 32.
	Phones int
	// Rate, when positive, makes the run open-loop: this many new sessions start every
	// second whatever the server's speed. MaxInFlight bounds the sessions running at once
	// (zero means 10,000); a start that finds it reached is counted as an error.
	Rate        float64
	MaxInFlight int

	// Duration is the measured window; Warmup runs the same load before it without
	// measuring. When the window closes no session starts, and those running finish their
	// journey (for at most Drain, zero meaning 10 s) so that every booking is accounted for.
	Duration time.Duration
	Warmup   time.Duration
	Drain    time.Duration
	// Sessions, when positive, stops after this many sessions were started (with Duration
	// zero, the run lasts until they are done).
	Sessions int
	// HangUpAfter, when positive, ends each session after that many hops as a caller who
	// walks away does: the gateway keeps the session until it expires. Such sessions are
	// counted as abandoned, not failed.
	HangUpAfter int
	// Think is a pause before each input, as a person reading the screen takes.
	Think time.Duration

	// Code and Network are the serviceCode and networkCode sent (defaults as ussd.Simulator).
	Code, Network string
	// FirstPhone numbers the phones: session n calls from +2547 followed by the 8 digits of
	// FirstPhone+n. Zero picks a random start, so that runs against the same database do not
	// meet the "one booking per phone, service and day" rule or each other's sessions.
	FirstPhone int64
	// Seed makes the choices repeatable; zero picks one.
	Seed uint64

	// Progress, when set, gets a line every second.
	Progress io.Writer
	// HTTP is the client to send with. Nil means a lean one: for an http:// target each phone
	// has an HTTP/1.1 client of its own on one keep-alive connection (see phoneConn); for
	// https:// targets, net/http with a connection per phone.
	HTTP *http.Client
	// OnComplete, when set, is called for every session that completed its journey (from
	// the session's goroutine).
	OnComplete func(Completion)
}

// Completion is a session that completed its journey.
type Completion struct {
	Journey string
	Phone   string
	// Screen is the final screen (for a booking, it carries the reference).
	Screen string
	// Ref is the reference the journey remembered from it (Journey.Remember), if any.
	Ref crm.Reference
}

// Kinds of unexpected answers.
const (
	KindTransport        = "transport"         // no HTTP answer (refused, reset, timed out)
	KindStatus           = "http-status"       // an answer other than 200
	KindNoMarker         = "no-con-end"        // a 200 whose body starts with neither CON nor END
	KindEndTooEarly      = "end-where-con"     // END before the journey was done
	KindSystemNotice     = "system-notice"     // the gateway's "could not complete that" END
	KindBusy             = "busy"              // the gateway's "busy, dial again" END: a hop shed under overload (counted apart, not as an error)
	KindUnexpectedScreen = "unexpected-screen" // a CON screen the journey has no step for
	KindWrongInput       = "wrong-input"       // the server said our input was wrong
	KindConAfterJourney  = "con-where-end"     // CON after the journey's last step
	KindNoFreeOption     = "no-free-option"    // every option was tried (all full)
	KindTooManyHops      = "too-many-hops"     // the session went round in circles
	KindBacklog          = "backlog"           // open loop: MaxInFlight reached, a start was dropped
	KindWrongEnd         = "wrong-end"         // another of the journey's endings than its choices called for
	KindNoReference      = "no-reference"      // a final screen without the reference the journey remembers
	KindUnknownReference = "unknown-reference" // "no such number" for a reference the run was given
)

// maxHops ends a session that goes round in circles.
const maxHops = 60

// maxBrowse bounds the pages a step reads before it must choose.
const maxBrowse = 30

// hopTimeout is Africa's Talking's patience: an answer later than this is no answer.
const hopTimeout = 15 * time.Second

// OnTime is how soon a hop must be answered for the report's on-time share: the gateway's own
// hop deadline, well inside the operator's clock.
const OnTime = 5 * time.Second

// Run drives the load and reports. The error is for a run that could not start (bad
// configuration); unexpected answers are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Profile.Validate(); err != nil {
		return nil, err
	}
	if cfg.Target == "" {
		return nil, errors.New("loadgen: no target URL")
	}
	if cfg.Duration <= 0 && cfg.Sessions <= 0 {
		return nil, errors.New("loadgen: give a duration or a number of sessions")
	}
	if cfg.Rate < 0 || cfg.Phones < 0 || cfg.Sessions < 0 || cfg.HangUpAfter < 0 {
		return nil, errors.New("loadgen: negative rate, phones, sessions or hang-up")
	}
	if cfg.Rate == 0 && cfg.Phones == 0 {
		cfg.Phones = 32
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 10000
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 10 * time.Second
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	if cfg.FirstPhone == 0 {
		cfg.FirstPhone = rand.Int64N(phoneSpace)
	}
	r := &run{cfg: cfg, st: newStats()}
	r.client = cfg.HTTP
	if r.client == nil {
		if t, ok := leanTarget(cfg.Target); ok {
			r.lean = &t
		}
	}
	if r.client == nil && r.lean == nil {
		conns := cfg.Phones
		if cfg.Rate > 0 {
			conns = min(cfg.MaxInFlight, 4096)
		}
		r.client = newClient(conns)
		defer r.client.CloseIdleConnections()
	}
	defer r.closeIdle()
	return r.run(ctx), nil
}

// phoneSpace is how many numbers +2547XXXXXXXX has.
const phoneSpace = 100_000_000

// newClient is net/http with a kept-alive connection per phone, never compressing.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: hopTimeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        0,
			MaxIdleConnsPerHost: max(conns, 2),
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

type run struct {
	cfg      Config
	st       *stats
	client   *http.Client // when lean is nil
	lean     *target      // when set, each worker sends with a phoneConn of its own
	idleMu   sync.Mutex
	idle     []*worker    // open loop: workers between sessions
	started  atomic.Int64 // sessions claimed
	phones   atomic.Int64 // numbers handed out
	inFlight atomic.Int64
	stop     chan struct{}
	refs     refBook // references completed journeys were given, for later ones to type
}

func (r *run) run(parent context.Context) *Report {
	cfg := r.cfg
	// ctx ends the sessions: when the caller cancels, or when draining took too long.
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	r.stop = make(chan struct{})
	var stopOnce sync.Once
	stopStarting := func() { stopOnce.Do(func() { close(r.stop) }) }

	began := time.Now()
	if cfg.Warmup <= 0 {
		r.st.beginWindow(began)
	}
	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); r.openLoop(ctx, &wg, stopStarting) }()
	} else {
		for i := range cfg.Phones {
			wg.Add(1)
			go func() { defer wg.Done(); r.closedLoop(ctx, i, stopStarting) }()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var progress <-chan time.Time
	if cfg.Progress != nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		progress = t.C
	}
	var warmupEnd, windowEnd <-chan time.Time
	if cfg.Warmup > 0 {
		warmupEnd = time.After(cfg.Warmup)
	}
	if cfg.Duration > 0 {
		windowEnd = time.After(cfg.Warmup + cfg.Duration)
	}
	var drainTimeout <-chan time.Time
	for {
		select {
		case now := <-warmupEnd:
			r.st.beginWindow(now)
			warmupEnd = nil
		case now := <-windowEnd:
			r.st.endWindow(now)
			stopStarting()
			windowEnd = nil
			drainTimeout = time.After(cfg.Drain)
		case <-drainTimeout:
			cancel()
			drainTimeout = nil
		case <-parent.Done():
			r.st.endWindow(time.Now())
			stopStarting()
			cancel()
			<-done
			return r.st.report(r)
		case now := <-progress:
			r.progressLine(now.Sub(began))
		case <-done:
			r.st.endWindow(time.Now()) // a run bounded by Sessions, or everything already ended
			return r.st.report(r)
		}
	}
}

// closedLoop is one phone: session after session until the run stops starting them.
func (r *run) closedLoop(ctx context.Context, id int, stopStarting func()) {
	w := r.newWorker(uint64(id))
	defer w.close()
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		if !r.claimSession(stopStarting) {
			return
		}
		r.inFlight.Add(1)
		w.session(ctx)
		r.inFlight.Add(-1)
	}
}

// claimSession counts a session start, refusing past cfg.Sessions.
func (r *run) claimSession(stopStarting func()) bool {
	n := r.started.Add(1)
	if r.cfg.Sessions > 0 && n > int64(r.cfg.Sessions) {
		r.started.Add(-1)
		stopStarting()
		return false
	}
	return true
}

// openLoop starts sessions on a fixed schedule; a late schedule catches up at once, so the
// offered load does not bend to the server's speed.
func (r *run) openLoop(ctx context.Context, wg *sync.WaitGroup, stopStarting func()) {
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	sem := make(chan struct{}, r.cfg.MaxInFlight)
	var id atomic.Uint64
	next := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		for !next.After(time.Now()) {
			next = next.Add(interval)
			select {
			case sem <- struct{}{}:
			default:
				r.st.fail(KindBacklog, "start", fmt.Sprintf("%d sessions already running; a scheduled session could not start", r.cfg.MaxInFlight))
				continue
			}
			if !r.claimSession(stopStarting) {
				<-sem
				return
			}
			wg.Add(1)
			r.inFlight.Add(1)
			go func() {
				defer wg.Done()
				w := r.takeIdle()
				if w == nil {
					w = r.newWorker(id.Add(1) + 1<<32)
				}
				w.session(ctx)
				r.putIdle(w)
				r.inFlight.Add(-1)
				<-sem
			}()
		}
		timer.Reset(time.Until(next))
	}
}

func (r *run) takeIdle() *worker {
	r.idleMu.Lock()
	defer r.idleMu.Unlock()
	if n := len(r.idle); n > 0 {
		w := r.idle[n-1]
		r.idle = r.idle[:n-1]
		return w
	}
	return nil
}

func (r *run) putIdle(w *worker) {
	r.idleMu.Lock()
	r.idle = append(r.idle, w)
	r.idleMu.Unlock()
}

func (r *run) closeIdle() {
	r.idleMu.Lock()
	defer r.idleMu.Unlock()
	for _, w := range r.idle {
		w.close()
	}
	r.idle = nil
}

// worker runs sessions one after another with its own random source and either its own
// phoneConn (conn) or net/http through a recorder (rec).
type worker struct {
	r    *run
	rng  *rand.Rand
	sim  *ussd.Simulator
	conn *phoneConn
	rec  *recorder
}

func (w *worker) close() {
	if w.conn != nil {
		w.conn.close()
	}
}

func (r *run) newWorker(id uint64) *worker {
	w := &worker{
		r:   r,
		rng: rand.New(rand.NewPCG(r.cfg.Seed, id)),
		sim: &ussd.Simulator{URL: r.cfg.Target, Code: r.cfg.Code, Network: r.cfg.Network},
	}
	if r.lean != nil {
		w.conn = newPhoneConn(*r.lean, w.sim)
		return w
	}
	base := r.client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	w.rec = &recorder{base: base}
	w.sim.HTTP = &http.Client{Transport: w.rec, Timeout: r.client.Timeout, Jar: r.client.Jar, CheckRedirect: r.client.CheckRedirect}
	if w.sim.HTTP.Timeout == 0 {
		w.sim.HTTP.Timeout = hopTimeout
	}
	return w
}

// recorder notes how the last request through net/http ended, so an error from the
// simulator can be told apart (no answer, an answer other than 200, or a 200 that is not a
// USSD screen) and only answered hops are timed. phoneConn reports the same itself.
type recorder struct {
	base   http.RoundTripper
	status int
	err    error
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rec.base.RoundTrip(req)
	rec.err = err
	if resp != nil {
		rec.status = resp.StatusCode
	}
	return resp, err
}

// session is one caller's state through a journey.
type session struct {
	j       *Journey
	id      string
	phone   string
	inputs  []string
	hops    int
	cur     int               // the step expected next
	acted   string            // the step whose input produced the current screen
	last    []string          // the label last chosen at each step
	avoid   []map[string]bool // labels not to choose again at each step
	browsed []int             // pages read at each step since its last choice
	// recalled says the session typed a reference the run was given: the server must know it.
	recalled bool
}

func (w *worker) session(ctx context.Context) {
	r := w.r
	j := r.cfg.Profile.pick(w.rng)
	id, err := ussd.NewSimSessionID()
	if err != nil {
		r.st.fail(KindTransport, "dial", err.Error())
		return
	}
	n := r.phones.Add(1) - 1 + r.cfg.FirstPhone
	s := &session{
		j: j, id: id, phone: fmt.Sprintf("+2547%08d", n%phoneSpace), acted: "dial",
		last: make([]string, len(j.Steps)), avoid: make([]map[string]bool, len(j.Steps)), browsed: make([]int, len(j.Steps)),
	}
	w.sim.Phone = s.phone
	r.st.sessionStarted()
	outcome := w.walk(ctx, s)
	r.st.sessionEnded(outcome, j.Counts)
}

type outcome int

const (
	completed outcome = iota
	abandoned
	failed
	cancelled
	shed // the gateway answered busy: load shed, as it should under overload
)

// walk plays the journey out, hop by hop.
func (w *worker) walk(ctx context.Context, s *session) outcome {
	j := s.j
	sc, ok := w.hop(ctx, s)
	if !ok {
		return w.lost(ctx)
	}
	for {
		if sc.End {
			return w.ended(s, sc)
		}
		if w.r.cfg.HangUpAfter > 0 && s.hops >= w.r.cfg.HangUpAfter {
			return abandoned
		}
		if s.hops >= maxHops {
			return w.failed(s, KindTooManyHops, sc)
		}
		if _, i := sc.splitError(j.Wrong); i >= 0 {
			return w.failed(s, KindWrongInput, sc)
		}
		if _, i := sc.splitError(j.HangUpOn); i >= 0 {
			if s.recalled {
				return w.failed(s, KindUnknownReference, sc)
			}
			return w.complete(s, sc, "")
		}
		retry, ri := sc.splitError(j.Retry)

		input := ""
		if d := j.detour(sc); d != nil {
			input = d.Press
			if k := j.stepIndex(d.Avoid); k >= 0 {
				s.avoidLast(k)
			}
			s.acted = "detour " + d.Screen.Name
		} else {
			i := s.find(sc)
			if i < 0 {
				kind := KindUnexpectedScreen
				if s.cur >= len(j.Steps) {
					kind = KindConAfterJourney
				}
				return w.failed(s, kind, sc)
			}
			if retry != "" {
				w.r.st.retried(j.Retry[ri].Name)
				s.avoidLast(i)
			}
			st := &j.Steps[i]
			c := choosing{avoid: s.avoid[i], pages: s.browsed[i], rng: w.rng, refs: &w.r.refs}
			opt, more, ok := st.Choose.pick(sc, &c)
			switch {
			case ok:
				input = opt.Input
				s.last[i], s.browsed[i], s.cur = opt.Label, 0, i+1
				s.recalled = s.recalled || c.recalled
			case more && s.browsed[i] < maxBrowse:
				input = "98"
				s.browsed[i]++
				s.cur = i
			default:
				return w.failed(s, KindNoFreeOption, sc)
			}
			s.acted = st.Name
		}
		if think := w.r.cfg.Think; think > 0 {
			select {
			case <-time.After(think):
			case <-ctx.Done():
				return cancelled
			}
		}
		s.inputs = append(s.inputs, input)
		if sc, ok = w.hop(ctx, s); !ok {
			return w.lost(ctx)
		}
	}
}

// find is the step for this screen: the expected one (skipping optional steps the screen is
// not), else the latest earlier step it matches (a re-prompt, or back after a detour).
func (s *session) find(sc *Screen) int {
	steps := s.j.Steps
	for i := s.cur; i < len(steps); i++ {
		if steps[i].Screen.Match(sc) {
			return i
		}
		if !steps[i].Optional {
			break
		}
	}
	for i := min(s.cur, len(steps)) - 1; i >= 0; i-- {
		if steps[i].Screen.Match(sc) {
			return i
		}
	}
	return -1
}

// avoidLast stops step i from choosing its last choice again (it was full or taken).
func (s *session) avoidLast(i int) {
	if s.last[i] == "" {
		return
	}
	if s.avoid[i] == nil {
		s.avoid[i] = map[string]bool{}
	}
	s.avoid[i][s.last[i]] = true
	s.browsed[i] = 0
}

func (j *Journey) detour(sc *Screen) *Detour {
	for i := range j.Detours {
		if j.Detours[i].Screen.Match(sc) {
			return &j.Detours[i]
		}
	}
	return nil
}

func (j *Journey) stepIndex(name string) int {
	for i := range j.Steps {
		if name != "" && j.Steps[i].Name == name {
			return i
		}
	}
	return -1
}

// ended classifies an END answer.
func (w *worker) ended(s *session, sc *Screen) outcome {
	j := s.j
	sc.Prompt = sc.Text
	done := j.doneFor(s)
	if done.Match(sc) {
		var ref crm.Reference
		if j.Remember != nil {
			var ok bool
			if ref, ok = j.Remember(sc.Text); !ok {
				return w.failed(s, KindNoReference, sc)
			}
			w.r.refs.add(ref)
		}
		return w.complete(s, sc, ref)
	}
	for _, f := range j.Failures {
		if f.Screen.Match(sc) {
			return w.failed(s, f.Kind, sc)
		}
	}
	if j.Done.Match(sc) || slices.ContainsFunc(j.DoneIf, func(d DoneIf) bool { return d.Done.Match(sc) }) {
		return w.failed(s, KindWrongEnd, sc)
	}
	return w.failed(s, KindEndTooEarly, sc)
}

// doneFor is the ending the session's choices call for.
func (j *Journey) doneFor(s *session) Matcher {
	for _, d := range j.DoneIf {
		if k := j.stepIndex(d.Step); k >= 0 && s.last[k] != "" && d.Chose.matchText(s.last[k]) {
			return d.Done
		}
	}
	return j.Done
}

// complete is a session whose journey is done, on sc.
func (w *worker) complete(s *session, sc *Screen, ref crm.Reference) outcome {
	if cb := w.r.cfg.OnComplete; cb != nil {
		cb(Completion{Journey: s.j.Name, Phone: s.phone, Screen: sc.Text, Ref: ref})
	}
	return completed
}

func (w *worker) failed(s *session, kind string, sc *Screen) outcome {
	if kind == KindBusy {
		return shed
	}
	marker := "CON "
	if sc.End {
		marker = "END "
	}
	w.r.st.fail(kind, s.j.Name+": "+s.acted, fmt.Sprintf("%s text=%q → %s", s.phone, strings.Join(s.inputs, "*"), snippet(marker+sc.Text)))
	return failed
}

// lost is a hop that got no usable answer; the error is already counted, unless the run was
// cancelled under it.
func (w *worker) lost(ctx context.Context) outcome {
	if ctx.Err() != nil {
		return cancelled
	}
	return failed
}

// hop sends the session's history and reads the answer.
func (w *worker) hop(ctx context.Context, s *session) (*Screen, bool) {
	text := strings.Join(s.inputs, "*")
	h := w.send(ctx, s.id, text)
	s.hops++
	if h.status != 0 {
		w.r.st.hop(h.took)
	} else if ctx.Err() == nil {
		w.r.st.unanswered()
	}
	if h.err != nil {
		if ctx.Err() != nil {
			return nil, false
		}
		kind := KindNoMarker
		switch {
		case h.status == 0:
			kind = KindTransport
		case h.status != http.StatusOK:
			kind = KindStatus
		}
		w.r.st.fail(kind, s.j.Name+": "+s.acted, fmt.Sprintf("%s text=%q → %s", s.phone, text, snippet(h.err.Error())))
		return nil, false
	}
	return parseScreen(h.reply, h.end), true
}

// send is one hop through the worker's client.
func (w *worker) send(ctx context.Context, sessionID, text string) sent {
	if w.conn != nil {
		return w.conn.hop(ctx, sessionID, text)
	}
	w.rec.status, w.rec.err = 0, nil
	began := time.Now()
	reply, end, err := w.sim.Hop(ctx, sessionID, text)
	h := sent{reply: reply, end: end, err: err, took: time.Since(began)}
	if w.rec.err == nil {
		h.status = w.rec.status
	}
	return h
}

func snippet(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if r := []rune(s); len(r) > 240 {
		return string(r[:240]) + "…"
	}
	return s
}

func (r *run) progressLine(elapsed time.Duration) {
	p := r.st.tick()
	phase := "warm-up"
	switch p.phase {
	case phaseWindow:
		phase = "measure"
	case phaseDrain:
		phase = "drain"
	}
	fmt.Fprintf(r.cfg.Progress, "%4.0fs %-7s %7.0f hops/s  p50 %6.2fms  p99 %6.2fms  sessions %d completed, %d running  errors %d\n",
		elapsed.Seconds(), phase, p.hopsPerSec, p.p50, p.p99, p.completed, r.inFlight.Load(), p.errors)
}
