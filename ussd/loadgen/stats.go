package loadgen

import (
	"cmp"
	"slices"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to a minute, to three significant digits.
const (
	histMin = 1
	histMax = int64(time.Minute / time.Microsecond)
	histSig = 3
)

const (
	phaseWarmup = iota
	phaseWindow
	phaseDrain
)

// stats gathers a run's numbers. One mutex: a hop costs the server tens of microseconds,
// and taking an uncontended lock costs tens of nanoseconds.
type stats struct {
	mu    sync.Mutex
	phase int
	start time.Time
	end   time.Time

	window *hdrhistogram.Histogram // hops answered in the measured window
	tickH  *hdrhistogram.Histogram // hops answered since the last progress line
	tickAt time.Time
	tickN  int64

	windowHops      int64
	windowLate      int64 // answered, later than OnTime
	windowNoAnswer  int64 // sent, never answered (refused, reset, timed out)
	windowShed      int64
	windowCompleted int64
	windowTallies   [numTallies]int64

	hops, started, completed, abandoned, failed, cancelled, shed int64
	tallies                                                      [numTallies]int64

	retries map[string]int64
	errs    map[errKey]*ErrorTally
	errN    int64
}

type errKey struct{ kind, where string }

// samplesKept is how many examples of each kind of error the report keeps.
const samplesKept = 3

func newStats() *stats {
	return &stats{
		window:  hdrhistogram.New(histMin, histMax, histSig),
		tickH:   hdrhistogram.New(histMin, histMax, histSig),
		tickAt:  time.Now(),
		retries: map[string]int64{},
		errs:    map[errKey]*ErrorTally{},
	}
}

func micros(d time.Duration) int64 { return min(max(d.Microseconds(), histMin), histMax) }

func (st *stats) beginWindow(now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.phase == phaseWarmup {
		st.phase, st.start = phaseWindow, now
	}
}

func (st *stats) endWindow(now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch st.phase {
	case phaseWarmup: // cancelled during the warm-up: an empty window
		st.start = now
		fallthrough
	case phaseWindow:
		st.phase, st.end = phaseDrain, now
	}
}

func (st *stats) hop(took time.Duration) {
	us := micros(took)
	st.mu.Lock()
	st.hops++
	st.tickN++
	_ = st.tickH.RecordValue(us)
	if st.phase == phaseWindow {
		st.windowHops++
		_ = st.window.RecordValue(us)
		if took > OnTime {
			st.windowLate++
		}
	}
	st.mu.Unlock()
}

// unanswered is a hop sent that got no HTTP answer.
func (st *stats) unanswered() {
	st.mu.Lock()
	if st.phase == phaseWindow {
		st.windowNoAnswer++
	}
	st.mu.Unlock()
}

func (st *stats) sessionStarted() {
	st.mu.Lock()
	st.started++
	st.mu.Unlock()
}

func (st *stats) sessionEnded(o outcome, counts Tally) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch o {
	case completed:
		st.completed++
		st.tallies[counts]++
		if st.phase == phaseWindow {
			st.windowCompleted++
			st.windowTallies[counts]++
		}
	case abandoned:
		st.abandoned++
	case failed:
		st.failed++
	case cancelled:
		st.cancelled++
	case shed:
		st.shed++
		if st.phase == phaseWindow {
			st.windowShed++
		}
	}
}

func (st *stats) retried(what string) {
	st.mu.Lock()
	st.retries[what]++
	st.mu.Unlock()
}

func (st *stats) fail(kind, where, sample string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.errN++
	k := errKey{kind, where}
	t := st.errs[k]
	if t == nil {
		t = &ErrorTally{Kind: kind, Where: where}
		st.errs[k] = t
	}
	t.Count++
	if len(t.Samples) < samplesKept {
		t.Samples = append(t.Samples, sample)
	}
}

type tickView struct {
	phase             int
	hopsPerSec        float64
	p50, p99          float64
	completed, errors int64
}

func (st *stats) tick() tickView {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	v := tickView{
		phase:      st.phase,
		hopsPerSec: float64(st.tickN) / now.Sub(st.tickAt).Seconds(),
		p50:        ms(st.tickH.ValueAtQuantile(50)),
		p99:        ms(st.tickH.ValueAtQuantile(99)),
		completed:  st.completed,
		errors:     st.errN,
	}
	st.tickH.Reset()
	st.tickN, st.tickAt = 0, now
	return v
}

func ms(us int64) float64 { return float64(us) / 1000 }

// Report is what a run measured. Window figures cover the measured window only; totals cover
// the whole run (warm-up and drain included), so that every booking and every error counts.
type Report struct {
	Profile  string  `json:"profile"`
	Mix      string  `json:"mix"` // the journeys' weights, as -mix takes them
	Target   string  `json:"target"`
	Mode     string  `json:"mode"` // "closed" or "open"
	Phones   int     `json:"phones,omitempty"`
	Rate     float64 `json:"rate,omitempty"`
	Seconds  float64 `json:"seconds"` // length of the measured window
	Hops     int64   `json:"hops"`
	HopsPerS float64 `json:"hops_per_s"`
	// Sessions completed in the window, and per second.
	Sessions     int64   `json:"sessions"`
	SessionsPerS float64 `json:"sessions_per_s"`
	// Of those: bookings written, complaints lodged (cases opened), statuses looked up.
	Bookings     int64   `json:"bookings"`
	Complaints   int64   `json:"complaints"`
	StatusChecks int64   `json:"status_checks"`
	Latency      Latency `json:"latency_ms"`
	// OnTime is the share of the window's hops answered within OnTime (5 s); a hop never
	// answered counts as late.
	OnTime float64 `json:"on_time"`
	// Shed is the sessions the gateway answered busy in the window (load shed, not an error).
	Shed int64 `json:"shed"`

	Total Totals `json:"total"`
	// Retries are expected answers that made a caller choose again (a day full, a time taken).
	Retries map[string]int64 `json:"retries,omitempty"`
	// Errors counts every unexpected answer; ErrorKinds breaks them down with samples.
	Errors     int64        `json:"errors"`
	ErrorKinds []ErrorTally `json:"error_kinds,omitempty"`
}

// Latency of a hop as the phone sees it (request sent → answer read), in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Totals over the whole run.
type Totals struct {
	Hops      int64 `json:"hops"`
	Started   int64 `json:"sessions_started"`
	Completed int64 `json:"sessions_completed"`
	Abandoned int64 `json:"sessions_abandoned"`
	Failed    int64 `json:"sessions_failed"`
	Cancelled int64 `json:"sessions_cancelled"`
	Shed      int64 `json:"sessions_shed"`
	// Completed journeys, as in the measured window.
	Bookings     int64 `json:"bookings"`
	Complaints   int64 `json:"complaints"`
	StatusChecks int64 `json:"status_checks"`
}

// ErrorTally is one kind of unexpected answer at one place in a journey.
type ErrorTally struct {
	Kind    string   `json:"kind"`
	Where   string   `json:"where"`
	Count   int64    `json:"count"`
	Samples []string `json:"samples"`
}

func (st *stats) report(r *run) *Report {
	st.mu.Lock()
	defer st.mu.Unlock()
	secs := st.end.Sub(st.start).Seconds()
	rep := &Report{
		Profile: r.cfg.Profile.Name, Mix: r.cfg.Profile.Mix(), Target: redactKey(r.cfg.Target), Mode: "closed", Phones: r.cfg.Phones,
		Seconds: secs, Hops: st.windowHops, Sessions: st.windowCompleted,
		Bookings: st.windowTallies[CountsBooking], Complaints: st.windowTallies[CountsComplaint], StatusChecks: st.windowTallies[CountsStatusCheck],
		Latency: Latency{
			P50: ms(st.window.ValueAtQuantile(50)), P90: ms(st.window.ValueAtQuantile(90)),
			P99: ms(st.window.ValueAtQuantile(99)), P999: ms(st.window.ValueAtQuantile(99.9)),
			Max: ms(st.window.Max()), Mean: st.window.Mean() / 1000,
		},
		Total: Totals{
			Hops: st.hops, Started: st.started, Completed: st.completed, Abandoned: st.abandoned,
			Failed: st.failed, Cancelled: st.cancelled, Shed: st.shed,
			Bookings: st.tallies[CountsBooking], Complaints: st.tallies[CountsComplaint], StatusChecks: st.tallies[CountsStatusCheck],
		},
		Shed:   st.windowShed,
		OnTime: 1,
		Errors: st.errN,
	}
	if sent := st.windowHops + st.windowNoAnswer; sent > 0 {
		rep.OnTime = float64(st.windowHops-st.windowLate) / float64(sent)
	}
	if r.cfg.Rate > 0 {
		rep.Mode, rep.Phones, rep.Rate = "open", 0, r.cfg.Rate
	}
	if secs > 0 {
		rep.HopsPerS = float64(st.windowHops) / secs
		rep.SessionsPerS = float64(st.windowCompleted) / secs
	}
	if len(st.retries) > 0 {
		rep.Retries = map[string]int64{}
		for k, v := range st.retries {
			rep.Retries[k] = v
		}
	}
	for _, t := range st.errs {
		rep.ErrorKinds = append(rep.ErrorKinds, ErrorTally{Kind: t.Kind, Where: t.Where, Count: t.Count, Samples: slices.Clone(t.Samples)})
	}
	slices.SortFunc(rep.ErrorKinds, func(a, b ErrorTally) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Where, b.Where))
	})
	return rep
}
