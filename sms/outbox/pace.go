package outbox

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The pacer's settings. A tick is one look at the hops; quiet windows measure them without
// the outbox.
const (
	paceTick    = 100 * time.Millisecond // how often the pace is set, with enough hops to judge
	paceMaxTick = time.Second            // a tick with fewer hops than paceMinHops ends here
	paceMinHops = 20                     // hops a tick needs before their mean says anything
	paceSlack   = 1.25                   // the hops' mean time may grow this much past normal
	paceSmooth  = 0.3                    // the weight of a tick's mean in the smoothed mean
	paceGrowth  = 0.05                   // a tick with room raises the pace 5 %, and by 10 a second
	paceBackOff = 0.6                    // a tick without room cuts it to 60 % of the rate sends asked for
	paceMin     = 50.0                   // messages a second, however busy the hops: slowed, never stopped
	paceStart   = 200.0                  // messages a second after a quiet spell with citizens about
	paceFree    = math.MaxFloat64        // no limit
	quietEvery  = 5 * time.Second        // how often the outbox holds back to measure the hops
	quietSettle = 100 * time.Millisecond // the start of a quiet window, left for sends in flight to end
	quietFor    = 250 * time.Millisecond // the whole quiet window
)

// hopCount is what Config.Hops reports: hops answered since the start and their total time.
type hopCount struct {
	n    uint64
	took time.Duration
}

// since is the hops' mean time between two counts, and how many hops that is.
func (c hopCount) since(before hopCount) (time.Duration, uint64) {
	n := c.n - before.n
	if n == 0 {
		return 0, 0
	}
	return (c.took - before.took) / time.Duration(n), n
}

// pacer lets the outbox send as fast as it likes while the citizens' hops on this replica
// take their normal time, and slows it when they take longer: a backlog draining after an
// outage shares two cores with the hops (and with Postgres), and a hop answers a citizen on
// the operator's clock while an SMS can wait a few seconds more.
//
// Normal is measured, not configured: every quietEvery the outbox holds its sends for
// quietFor, and the hops' mean time in the second part of that window is their normal time
// now, whatever the hour's load. In between, each tick compares the hops' mean time with
// normal: within paceSlack the pace grows a little (paceGrowth), past it the pace falls at
// once to paceBackOff of the rate the sends asked for, as TCP's congestion window does, so it
// stays near the pace the hops can bear. The comparison is of a moving mean (paceSmooth): one tick's mean
// of a few hundred hops varies by a third either way with nothing sending.
//
// The slack is small because the hops' time inside the gateway is only part of what a
// citizen waits: on 2 cores shared with Postgres, a slack of 1.5 let the hops' p99, as the
// load generator measured it, reach 3.7x its value before the outage (bench/outage.sh). With too few hops to judge, there is no one to slow down for,
// and the pace is free. A pacer without Config.Hops never slows anything.
type pacer struct {
	hops  func() (uint64, time.Duration)
	now   func() time.Time
	limit *rate.Limiter
	m     *Metrics
	log   *slog.Logger

	mu       sync.Mutex
	pace     float64       // messages a second allowed; paceFree for no limit
	normal   time.Duration // the hops' mean time in the last quiet window; 0: not known
	smoothed float64       // the hops' moving mean time over the ticks, in nanoseconds
	quietAt  time.Time     // when the next quiet window opens
	quietEnd time.Time     // the open quiet window's end; zero when none is open
	marked   bool          // the open quiet window's hops are being counted
	from     time.Time     // the start of the current tick or of the quiet window's count
	mark     hopCount      // the hops' count at from
	asked    int           // sends that asked to go since from
}

// newPacer paces by hops (Config.Hops; nil: never slows); burst is how many sends may go
// at once (a claimed batch, so that its sends are recorded together).
func newPacer(hops func() (uint64, time.Duration), burst int, m *Metrics, log *slog.Logger, now func() time.Time) *pacer {
	p := &pacer{hops: hops, now: now, m: m, log: log, pace: paceFree, limit: rate.NewLimiter(rate.Inf, max(burst, 1))}
	t := now()
	p.quietAt, p.from, p.mark = t, t, p.count()
	p.m.pace.Set(math.Inf(1))
	return p
}

func (p *pacer) count() hopCount {
	if p.hops == nil {
		return hopCount{}
	}
	n, took := p.hops()
	return hopCount{n: n, took: took}
}

// wait holds a send until the pace lets it go.
func (p *pacer) wait(ctx context.Context) error {
	if p.hops == nil {
		return nil
	}
	for {
		p.mu.Lock()
		d := p.hold(p.now())
		p.mu.Unlock()
		if d <= 0 {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	return p.limit.Wait(ctx)
}

// hold counts one send wanting to go at now, and says how long it must wait for a quiet
// window to end (0: it may go, at the pace's rate). p.mu is held.
func (p *pacer) hold(now time.Time) time.Duration {
	if !p.quietEnd.IsZero() {
		if !p.marked {
			if settle := p.quietEnd.Add(quietSettle - quietFor); now.Before(settle) {
				return settle.Sub(now)
			}
			p.from, p.mark, p.marked = now, p.count(), true
		}
		if now.Before(p.quietEnd) {
			return p.quietEnd.Sub(now)
		}
		p.endQuiet(now)
	} else if !now.Before(p.quietAt) {
		p.quietEnd, p.marked = now.Add(quietFor), false
		return quietSettle
	}
	if now.Sub(p.from) >= paceTick {
		p.tick(now)
	}
	p.asked++
	return 0
}

// endQuiet takes the hops' mean time in the quiet window as their normal time.
func (p *pacer) endQuiet(now time.Time) {
	c := p.count()
	if mean, n := c.since(p.mark); n >= paceMinHops {
		p.normal, p.smoothed = mean, float64(mean)
		p.m.hopNormal.Set(mean.Seconds())
		if p.pace == paceFree {
			// Citizens are about again: start where the hops cannot be swamped.
			p.setPace(paceStart)
		}
	} else {
		p.normal = 0 // too few hops to measure: nobody to slow down for
		p.setPace(paceFree)
	}
	p.quietEnd, p.quietAt = time.Time{}, now.Add(quietEvery)
	p.from, p.mark, p.asked = now, c, 0
}

// tick sets the pace from the hops' mean time since the last tick.
func (p *pacer) tick(now time.Time) {
	c := p.count()
	elapsed := now.Sub(p.from)
	mean, n := c.since(p.mark)
	if n < paceMinHops && elapsed < paceMaxTick {
		return // too few hops yet to judge by
	}
	askedRate := float64(p.asked) / elapsed.Seconds()
	defer func() {
		p.log.Debug("sms outbox: pace", "hops", n, "hop_mean", mean, "hop_smoothed", time.Duration(p.smoothed), "hop_normal", p.normal,
			"asked_per_s", int(askedRate), "pace_per_s", paceText(p.pace))
	}()
	switch {
	case n < paceMinHops || p.normal == 0:
		p.setPace(paceFree)
	case p.smoothen(mean) > paceSlack*float64(p.normal):
		p.setPace(max(paceMin, min(p.pace, askedRate)*paceBackOff))
	case p.pace != paceFree && askedRate >= p.pace/2:
		// Room, and the pace is what holds the outbox back (not an empty outbox): raise it.
		p.setPace(p.pace*(1+paceGrowth) + 10)
	}
	p.from, p.mark, p.asked = now, c, 0
}

func (p *pacer) setPace(pace float64) {
	p.pace = pace
	if pace == paceFree {
		p.limit.SetLimit(rate.Inf)
		p.m.pace.Set(math.Inf(1))
		return
	}
	p.limit.SetLimit(rate.Limit(pace))
	p.m.pace.Set(pace)
}

// paceText is a pace for the log.
func paceText(pace float64) string {
	if pace == paceFree {
		return "free"
	}
	return strconv.Itoa(int(pace))
}

// smoothen adds a tick's mean to the moving mean and returns it.
func (p *pacer) smoothen(mean time.Duration) float64 {
	p.smoothed += paceSmooth * (float64(mean) - p.smoothed)
	return p.smoothed
}
