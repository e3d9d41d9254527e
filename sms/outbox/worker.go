package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/groupcommit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/templates"
)

// Sender sends an SMS; *africastalking.Client is one. Its errors are sorted with
// africastalking.ErrUnauthorized, ErrRetryable and ErrPermanent.
type Sender interface {
	Send(ctx context.Context, m africastalking.Message) ([]africastalking.Result, error)
}

// Renderer writes a notification as SMS text; *templates.Templates is one. An error that
// wraps templates.ErrParams means the row can never render.
type Renderer interface {
	Render(cat *crm.Catalog, n crm.Notification) (string, error)
}

// Config tunes the worker. Zero values take the defaults named.
type Config struct {
	// Workers is how many goroutines of this replica claim and send. Default 4.
	Workers int
	// Rate caps the messages per second sent by all the workers of this replica together;
	// 0 sends as fast as Africa's Talking answers. Sends are spaced evenly (no bursts).
	Rate float64
	// Batch is how many rows a goroutine claims at once, and sends at once. Default 10; with
	// a Rate, fewer, so a batch is sent within a quarter of the lease.
	Batch int
	// StoreConns is how many of the store's connections the worker holds at most at once,
	// claiming and recording together: Postgres's pool has max(4, cores) by default, and the
	// citizens' hops must find connections free while a backlog drains. Default 2.
	StoreConns int
	// MaxAttempts is how many sends a row gets before it fails. Default 8.
	MaxAttempts int
	// BaseBackoff is the first retry's ceiling; each further retry doubles it, up to
	// MaxBackoff, and the wait is drawn uniformly below the ceiling (full jitter), but never
	// under a tenth of BaseBackoff. Defaults 30s and 1h.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Lease is how long a claim holds a row. A worker that dies loses its rows to the next
	// claim after this long. Default 2m.
	Lease time.Duration
	// SendTimeout bounds one send, so a send always ends inside its lease. Default 20s, or a
	// third of the lease when that is shorter.
	SendTimeout time.Duration
	// PollInterval is how long a goroutine that found nothing to send waits before it looks
	// again. Default 1s.
	PollInterval time.Duration
	// StatsInterval is how often the depth gauges are read. Default 15s.
	StatsInterval time.Duration
	// AccountPause is the first pause after Africa's Talking refuses the credentials or the
	// account; it doubles at each refusal up to 15 minutes. Default 1m.
	AccountPause time.Duration
	// BreakerThreshold is how many sends in a row must fail to reach Africa's Talking (no
	// connection, a timeout, a 5xx) before sending pauses and probes begin. Default 5.
	BreakerThreshold int
	// ProbeWait is the wait before the first probe of an outage; it doubles after each
	// failed probe up to MaxProbeWait, which bounds how long sending stays paused after the
	// provider is back. A probe is one message and one claim of one row, so probing often
	// costs nothing. Defaults 1s and 5s: once the provider is back, a backlog waits at most
	// 5 s for the probe that finds it.
	ProbeWait, MaxProbeWait time.Duration
	// Expiry says when a message has outlived its use; such a row ends expired, unsent.
	Expiry crm.ExpiryPolicy
	// DigestAfter and DigestWindow make a storm of alerts one message: a member of staff
	// who has been sent DigestAfter alerts (or digests) in the last DigestWindow gets the
	// rest as one digest (crm.NotifyAlertDigest), at most one a window. Integrity alerts are
	// never merged. Defaults 3 and 15 minutes; DigestAfter < 0 sends every alert on its own.
	DigestAfter  int
	DigestWindow time.Duration
	// Hops reports how many citizens' hops (USSD and voice) this replica has answered since
	// it started and the time they took in all (flows.Admission.Served); nil: the outbox
	// never holds back for them. With it, the outbox sends only as fast as the hops keep
	// their normal time (see pacer): a backlog draining must not starve the hops that answer
	// citizens on the operator's clock. However busy the hops, it still sends paceMin a
	// second: a long rush slows the outbox but never stops it.
	Hops func() (hops uint64, took time.Duration)
	// ConsoleURL is the staff console's address, for the digest to link to; "" names none.
	ConsoleURL string
	// QuietFrom and QuietTo are the quiet hours as times of day in Location (default 20:00
	// and 07:00); NoQuietHours sends everything at any hour.
	QuietFrom, QuietTo time.Duration
	NoQuietHours       bool
	Location           *time.Location // default Africa/Nairobi
	// From is the sender ID or shortcode; empty uses the account's default.
	From    string
	Logger  *slog.Logger     // nil means slog.Default()
	Now     func() time.Time // nil means time.Now
	Metrics *Metrics         // nil makes new ones (see Worker.Metrics)
}

// eat is East Africa Time, for a host without a time-zone database: Kenya has kept UTC+3
// without daylight saving since 1960.
var eat = time.FixedZone("EAT", 3*60*60)

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.MaxBackoff < c.BaseBackoff {
		c.MaxBackoff = c.BaseBackoff
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 20 * time.Second
	}
	c.SendTimeout = min(c.SendTimeout, c.Lease/3)
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.StatsInterval <= 0 {
		c.StatsInterval = 15 * time.Second
	}
	if c.AccountPause <= 0 {
		c.AccountPause = time.Minute
	}
	if c.DigestAfter == 0 {
		c.DigestAfter = 3
	}
	if c.DigestWindow <= 0 {
		c.DigestWindow = 15 * time.Minute
	}
	if c.BreakerThreshold <= 0 {
		c.BreakerThreshold = 5
	}
	if c.ProbeWait <= 0 {
		c.ProbeWait = time.Second
	}
	if c.MaxProbeWait <= 0 {
		c.MaxProbeWait = 5 * time.Second
	}
	c.MaxProbeWait = max(c.MaxProbeWait, c.ProbeWait)
	if c.QuietFrom == 0 && c.QuietTo == 0 {
		c.QuietFrom, c.QuietTo = 20*time.Hour, 7*time.Hour
	}
	if c.Location == nil {
		loc, err := time.LoadLocation("Africa/Nairobi")
		if err != nil {
			loc = eat
		}
		c.Location = loc
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics()
	}
	if c.Batch <= 0 {
		c.Batch = 10
	}
	if c.StoreConns <= 0 {
		c.StoreConns = 2
	}
	if c.Rate > 0 {
		// At this replica's rate each goroutine sends Rate/Workers a second: a batch must go
		// out well inside its lease.
		c.Batch = max(1, min(c.Batch, int(c.Rate*c.Lease.Seconds()/4/float64(c.Workers))))
	}
}

// maxAccountPause caps the pause after repeated credential or account refusals.
const maxAccountPause = 15 * time.Minute

// Worker sends the outbox. Build it with New and start it with Run.
type Worker struct {
	store   crm.SendingStore
	sender  Sender
	tmpl    Renderer
	catalog func() *crm.Catalog
	cfg     Config
	log     *slog.Logger
	m       *Metrics
	limit   *rate.Limiter                         // nil: no rate limit
	pace    *pacer                                // gives way to the citizens' hops
	margin  time.Duration                         // lease left after a send's deadline, to record its outcome
	breaker *breaker                              // Africa's Talking's
	conns   conns                                 // the store connections the worker may hold
	rec     *groupcommit.Writer[recording, error] // records the accepted sends

	pauseMu    sync.Mutex
	pauseUntil time.Time     // real time; sending waits until then
	pauseNext  time.Duration // the next pause's length
	paused     atomic.Bool
}

// New builds a worker. catalog gives the current catalogue (centre and service names);
// templates need it to render booking and request messages.
func New(store crm.SendingStore, sender Sender, tmpl Renderer, catalog func() *crm.Catalog, cfg Config) *Worker {
	cfg.defaults()
	if catalog == nil {
		catalog = func() *crm.Catalog { return nil } // kinds that name centres then fail to render
	}
	w := &Worker{
		store: store, sender: sender, tmpl: tmpl, catalog: catalog, cfg: cfg,
		log: cfg.Logger, m: cfg.Metrics, pauseNext: cfg.AccountPause,
		margin:  min(10*time.Second, cfg.Lease/6),
		breaker: newBreaker(cfg.BreakerThreshold, cfg.ProbeWait, cfg.MaxProbeWait, cfg.Now),
		conns:   newConns(cfg.StoreConns),
	}
	w.rec = newRecorder(w)
	w.pace = newPacer(cfg.Hops, cfg.Batch, w.m, w.log, time.Now)
	if cfg.Rate > 0 {
		w.limit = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	return w
}

// Metrics are the worker's metrics.
func (w *Worker) Metrics() *Metrics { return w.m }

// Handler serves the worker's metrics for /metrics.
func (w *Worker) Handler() http.Handler { return w.m.Handler() }

// Run sends until ctx ends, then finishes the sends in flight, records them, puts back the
// rows it claimed but did not send, and returns.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { w.m.WatchDepth(ctx, w.store, w.cfg.StatsInterval, w.log) })
	for i := range w.cfg.Workers {
		wg.Go(func() { w.loop(ctx, i) })
	}
	wg.Wait()
}

// loop is one goroutine: claim a batch, send it, repeat; wait when there is nothing to do.
// While Africa's Talking cannot be reached (the breaker is open) it claims nothing, except
// one row at a time to probe with when the breaker allows.
func (w *Worker) loop(ctx context.Context, n int) {
	log := w.log.With("worker", n)
	storeErrors := 0
	for ctx.Err() == nil {
		if d := w.pausedFor(); d > 0 {
			sleep(ctx, d)
			continue
		}
		ok, probe := w.breaker.admit()
		w.m.breaker.Set(float64(w.breaker.state()))
		if !ok {
			sleep(ctx, jitter(w.cfg.PollInterval))
			continue
		}
		batch := w.cfg.Batch
		if probe {
			batch = 1
		}
		now := w.cfg.Now()
		var rows []crm.ClaimedNotification
		err := w.conns.do(ctx, func(ctx context.Context) (err error) {
			rows, err = w.store.ClaimNotifications(ctx, now, batch, w.cfg.Lease, w.quiet(now))
			return err
		})
		if err != nil {
			if probe {
				w.breaker.noProbe()
			}
			if ctx.Err() != nil {
				return
			}
			storeErrors++
			d := min(5*time.Second, 100*time.Millisecond<<min(storeErrors, 6))
			log.Warn("sms outbox: claiming rows failed; trying again", "err", err, "in", d)
			sleep(ctx, jitter(d))
			continue
		}
		storeErrors = 0
		if len(rows) == 0 {
			if probe {
				w.breaker.noProbe()
			}
			sleep(ctx, jitter(w.cfg.PollInterval))
			continue
		}
		w.work(ctx, log, rows, probe)
		w.m.breaker.Set(float64(w.breaker.state()))
	}
}

// ready is a claimed row checked and rendered, to be sent.
type ready struct {
	r    crm.ClaimedNotification
	text string
	log  *slog.Logger
}

// work settles a claimed batch. Each row is checked and rendered in turn (a digest may take
// later rows of the batch); then the rows ready to go are sent at once, a goroutine each.
// Africa's Talking takes one message a request, so a backlog drains as fast as requests
// overlap: at 150 ms a round trip, four goroutines sending in turn would manage 27 messages
// a second.
func (w *Worker) work(ctx context.Context, log *slog.Logger, rows []crm.ClaimedNotification, probe bool) {
	merged := map[int64]bool{}   // rows of this batch a digest took
	going := map[crm.Phone]int{} // alerts of this batch to go, by phone
	var todo []ready
	for i, r := range rows {
		if merged[r.ID] {
			continue
		}
		if ctx.Err() != nil || w.pausedFor() > 0 {
			w.release(log, unmerged(rows[i:], merged), "stopping or paused")
			break
		}
		rlog := log.With("outbox_id", r.ID, "kind", r.Kind, "phone", r.Phone, "attempt", r.Attempts)
		if text, ok := w.prepare(ctx, rlog, r, rows[i+1:], merged, going[r.Phone]); ok {
			todo = append(todo, ready{r: r, text: text, log: rlog})
			if crm.Digestible(r.Notification) {
				going[r.Phone]++
			}
		}
	}
	if probe && len(todo) == 0 {
		w.breaker.noProbe()
	}
	var wg sync.WaitGroup
	for _, x := range todo {
		wg.Go(func() {
			if sent := w.deliver(ctx, x, probe); probe && !sent {
				w.breaker.noProbe()
			}
		})
	}
	wg.Wait()
}

// unmerged is rows without those a digest took.
func unmerged(rows []crm.ClaimedNotification, merged map[int64]bool) []crm.ClaimedNotification {
	out := make([]crm.ClaimedNotification, 0, len(rows))
	for _, r := range rows {
		if !merged[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// prepare checks a claimed row and renders it. A row that is not to be sent (suppressed,
// expired, out of claims, merged into a digest, unrenderable) is settled here, and ok is
// false. rest is the rest of the worker's batch, which a digest may take: the rows it takes
// are added to merged. going is how many alerts of the batch to the same phone are to go.
func (w *Worker) prepare(ctx context.Context, log *slog.Logger, r crm.ClaimedNotification,
	rest []crm.ClaimedNotification, merged map[int64]bool, going int) (text string, ok bool) {
	if r.Attempts == 1 && r.NextAttemptAt.IsZero() {
		w.m.queued.Inc() // the row's first claim: it was never retried nor released
	}
	if r.OptedOut && !r.Essential {
		w.suppress(log, r)
		return "", false
	}
	if why, expired := w.cfg.Expiry.Expired(r.Notification, w.cfg.Now()); expired {
		w.expire(log, r, why)
		return "", false
	}
	if r.Attempts > w.cfg.MaxAttempts {
		// Only a worker that died holding the row claims it this often: do not send it again.
		w.fail(log, r, failExhausted, fmt.Sprintf("gave up after %d claims; last: %s", r.Attempts-1, r.FailureReason))
		return "", false
	}
	if w.cfg.DigestAfter > 0 && crm.Digestible(r.Notification) && w.digest(ctx, log, r, rest, merged, going) {
		return "", false
	}
	return w.render(log, r)
}

// deliver sends one prepared row and records the outcome. It reports whether it sent the
// row to Africa's Talking, rather than giving it back unsent (stopping, paused, the lease
// too short, the breaker open).
func (w *Worker) deliver(ctx context.Context, x ready, probe bool) (sent bool) {
	timeout, ok := w.turn(ctx, x.log, x.r)
	if !ok {
		return false
	}
	switch {
	case ctx.Err() != nil || w.pausedFor() > 0:
		w.release(x.log, []crm.ClaimedNotification{x.r}, "stopping or paused")
		return false
	case !probe && w.breaker.isOpen():
		w.breaker.held(1)
		w.release(x.log, []crm.ClaimedNotification{x.r}, "Africa's Talking cannot be reached")
		return false
	}
	results, took, err := w.send(ctx, x.r, x.text, timeout)
	o := classify(results, err)
	w.m.latency.WithLabelValues(o.label).Observe(took.Seconds())
	w.record(x.log, x.r, o, took, probe)
	return true
}

// expire settles a row that outlived its use, unsent.
func (w *Worker) expire(log *slog.Logger, r crm.ClaimedNotification, why string) {
	if w.settle(log, r, "expire", func(ctx context.Context) error {
		return w.store.MarkExpired(ctx, r.Claim, why, w.cfg.Now())
	}) {
		w.m.expired.WithLabelValues(string(r.Kind)).Inc()
		log.Info("sms outbox: message expired unsent", "reason", why)
	}
}

// suppress settles a non-essential message to a phone that texted STOP, unsent.
func (w *Worker) suppress(log *slog.Logger, r crm.ClaimedNotification) {
	if w.settle(log, r, "suppress", func(ctx context.Context) error {
		return w.store.MarkSuppressed(ctx, r.Claim, "the phone opted out (STOP)", w.cfg.Now())
	}) {
		w.m.suppressed.Inc()
		log.Debug("sms outbox: suppressed a message to a phone that opted out")
	}
}

// render writes the row's text. A row it cannot render is failed or retried, and ok is false.
func (w *Worker) render(log *slog.Logger, r crm.ClaimedNotification) (text string, ok bool) {
	text, err := w.tmpl.Render(w.catalog(), r.Notification)
	switch {
	case err == nil:
		return text, true
	case errors.Is(err, templates.ErrParams):
		w.fail(log, r, failUnrenderable, "cannot render: "+err.Error())
	default:
		// An unknown kind may be one a newer replica knows (a rolling deploy): retry, and
		// fail after MaxAttempts.
		w.retry(log, r, "cannot render: "+err.Error())
	}
	return "", false
}

// turn waits for the pace and the rate limit and returns how long the send may take. Send only with time
// left on the lease for the send and for recording it: otherwise a second worker could claim
// the row while this send is still in flight. A row that cannot be sent now is released,
// and ok is false.
func (w *Worker) turn(ctx context.Context, log *slog.Logger, r crm.ClaimedNotification) (timeout time.Duration, ok bool) {
	if err := w.pace.wait(ctx); err != nil {
		w.release(log, []crm.ClaimedNotification{r}, "stopping")
		return 0, false
	}
	if w.limit != nil {
		if err := w.limit.Wait(ctx); err != nil {
			w.release(log, []crm.ClaimedNotification{r}, "stopping")
			return 0, false
		}
	}
	left := r.LeaseUntil.Sub(w.cfg.Now()) - w.margin
	if left < w.cfg.SendTimeout/2 {
		w.release(log, []crm.ClaimedNotification{r}, "lease too short to send")
		return 0, false
	}
	return min(w.cfg.SendTimeout, left), true
}

// send sends text to the row's phone and says how long Africa's Talking took to answer. A
// send that started finishes even when ctx ends: cutting it off would leave the outcome
// unknown and the message likely to go twice.
func (w *Worker) send(ctx context.Context, r crm.ClaimedNotification, text string, timeout time.Duration) ([]africastalking.Result, time.Duration, error) {
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	start := time.Now()
	results, err := w.sender.Send(sendCtx, africastalking.Message{To: []string{string(r.Phone)}, Text: text, From: w.cfg.From})
	return results, time.Since(start), err
}

// record acts on a send's outcome.
func (w *Worker) record(log *slog.Logger, r crm.ClaimedNotification, o outcome, took time.Duration, probe bool) {
	if o.verdict == unreachable {
		if opened, out := w.breaker.unreachable(o.reason, probe); opened {
			w.m.breakerOpened.Inc()
			log.Warn("sms outbox: AFRICA'S TALKING CANNOT BE REACHED: sending paused; probing with one message at a time",
				"failures_in_a_row", out.failures, "last_error", out.lastError)
		}
		w.m.breaker.Set(float64(w.breaker.state()))
		if o.unanswered && !w.breaker.isOpen() {
			// Others reach Africa's Talking, so the silence is about this send, which may
			// have been accepted: count the attempt, so that MaxAttempts bounds how often a
			// message whose sends go unanswered can go out twice. In an outage (the breaker
			// open) nothing is counted, and only probes go out.
			w.retry(log, r, o.reason)
			return
		}
		w.postpone(log, r, o.reason)
		return
	}
	// Africa's Talking answered, whatever it said.
	if closed, out := w.breaker.reached(); closed {
		w.m.breaker.Set(float64(breakerClosed))
		log.Warn("sms outbox: Africa's Talking reachable again; sending resumed",
			"outage", w.cfg.Now().Sub(out.since).Round(time.Second), "failed_sends", out.failures,
			"probes", out.probes, "rows_given_back", out.held, "last_error", out.lastError)
	}
	switch o.verdict {
	case sent:
		w.resume(log)
		if w.settled(log, "mark sent", w.recordSent(r, crm.Sent{Claim: r.Claim, ATMessageID: o.result.MessageID, Cost: o.result.Cost})) {
			w.m.sent.Inc()
			log.Debug("sms outbox: sent", "at_message_id", o.result.MessageID, "took", took)
		}
	case retryLater:
		w.retry(log, r, o.reason)
	case failedForGood:
		w.fail(log, r, failRefused, o.reason)
	case pauseSending:
		w.release(log, []crm.ClaimedNotification{r}, o.reason)
		w.pause(log, o.alert, o.err)
	}
}

// digest decides whether an alert goes on its own or in a digest, and when it is the latter
// settles it (merged, or waiting for the next digest) and reports true. An alert goes on
// its own unless the phone was sent DigestAfter alerts or digests in the last DigestWindow,
// counting going: the alerts of this batch to the phone that are to go before it.
// Then, unless a digest was sent in the window or waits to go, the alert, the phone's
// other queued alerts and those of this batch are merged into a new digest; otherwise the
// alert waits for the window to end, without counting an attempt. When the store cannot
// say, the alert goes on its own: a storm is better than silence.
func (w *Worker) digest(ctx context.Context, log *slog.Logger, r crm.ClaimedNotification, rest []crm.ClaimedNotification,
	merged map[int64]bool, going int) bool {
	now := w.cfg.Now()
	window := w.cfg.DigestWindow
	var h crm.AlertHistory
	err := w.conns.do(ctx, func(ctx context.Context) (err error) {
		h, err = w.store.AlertsSent(ctx, r.Phone, crm.DigestKinds, now.Add(-window))
		return err
	})
	if err != nil {
		log.Warn("sms outbox: reading the alerts sent; this alert goes on its own", "err", err)
		return false
	}
	if h.Sent+going < w.cfg.DigestAfter && !h.DigestWaiting {
		return false
	}
	wait := func() bool {
		until := now.Add(window)
		if !h.LastDigest.IsZero() && h.LastDigest.Add(window).Before(until) && h.LastDigest.Add(window).After(now) {
			until = h.LastDigest.Add(window)
		}
		if w.settle(log, r, "wait for the digest", func(ctx context.Context) error {
			return w.store.Postpone(ctx, r.Claim, until, "waiting for the next digest of alerts", now)
		}) {
			log.Debug("sms outbox: alert waits for the next digest", "until", until)
		}
		return true
	}
	if h.DigestWaiting || (!h.LastDigest.IsZero() && now.Before(h.LastDigest.Add(window))) {
		return wait()
	}
	var also []crm.Claim
	var alsoIDs []int64
	for _, o := range rest {
		if o.Phone == r.Phone && !merged[o.ID] && crm.Digestible(o.Notification) {
			also, alsoIDs = append(also, o.Claim), append(alsoIDs, o.ID)
		}
	}
	var digest int64
	var n int
	err = w.conns.do(ctx, func(ctx context.Context) (err error) {
		digest, n, err = w.store.FoldAlerts(ctx, r.Claim, also, crm.AlertFold{
			Kinds: crm.DigestKinds, Except: crm.IntegrityCategories(), URL: w.cfg.ConsoleURL,
		}, now)
		return err
	})
	switch {
	case errors.Is(err, crm.ErrClaimLost):
		w.m.lost.Inc()
		log.Warn("sms outbox: could not merge the alert into a digest: the row's claim was lost", "err", err)
		return true
	case err != nil:
		log.Warn("sms outbox: merging alerts into a digest failed; this alert goes on its own", "err", err)
		return false
	}
	if digest == 0 {
		return wait() // another worker's digest is on its way
	}
	for _, id := range alsoIDs {
		merged[id] = true
	}
	w.m.merged.Add(float64(n))
	log.Info("sms outbox: a storm of alerts to one person merged into a digest", "merged", n, "digest_id", digest,
		"sent_in_window", h.Sent, "window", window)
	return true
}

// postpone puts a row Africa's Talking could not be reached for back on the queue without
// counting the attempt: it goes out when the provider is back, however long that takes,
// unless it expires first. It logs at debug level only: the breaker logs the outage once,
// not once per row.
//
// The wait starts at ProbeWait, so that once the provider is back the rows the outage
// caught are due within seconds, and doubles with each time this row was put back so (its
// claims not counted as attempts: Claim.Token - Attempts), up to MaxBackoff: a message that
// alone meets a 5xx again and again, while others go, is never given up on but is tried
// less and less often rather than in a loop.
func (w *Worker) postpone(log *slog.Logger, r crm.ClaimedNotification, reason string) {
	now := w.cfg.Now()
	next := now.Add(w.postponeWait(r.Claim.Token - int64(r.Attempts)))
	if w.settle(log, r, "postpone", func(ctx context.Context) error {
		return w.store.Postpone(ctx, r.Claim, next, "Africa's Talking cannot be reached: "+reason, now)
	}) {
		w.m.postponed.Inc()
		log.Debug("sms outbox: Africa's Talking cannot be reached; the message waits", "reason", reason, "at", next)
	}
}

// postponeWait is how long a row put back for an outage waits, when it was put back so
// `before` times already: full jitter under a ceiling that starts at ProbeWait and doubles
// each time, up to MaxBackoff, never under a tenth of the ceiling.
func (w *Worker) postponeWait(before int64) time.Duration {
	ceiling := w.cfg.ProbeWait
	for i := int64(0); i < before && ceiling < w.cfg.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, w.cfg.MaxBackoff)
	return ceiling/10 + rand.N(ceiling-ceiling/10+1)
}

// retry puts the row back with a back-off, or fails it when it has had its attempts.
func (w *Worker) retry(log *slog.Logger, r crm.ClaimedNotification, reason string) {
	if r.Attempts >= w.cfg.MaxAttempts {
		w.fail(log, r, failExhausted, fmt.Sprintf("gave up after %d attempts; last: %s", r.Attempts, reason))
		return
	}
	now := w.cfg.Now()
	next := now.Add(w.backoff(r.Attempts))
	if w.settle(log, r, "retry", func(ctx context.Context) error {
		return w.store.MarkRetry(ctx, r.Claim, next, reason, now)
	}) {
		w.m.retried.Inc()
		log.Info("sms outbox: send failed for now; will retry", "reason", reason, "at", next)
	}
}

func (w *Worker) fail(log *slog.Logger, r crm.ClaimedNotification, why, reason string) {
	if w.settle(log, r, "mark failed", func(ctx context.Context) error {
		return w.store.MarkFailed(ctx, r.Claim, reason, w.cfg.Now())
	}) {
		w.m.failed.WithLabelValues(why).Inc()
		log.Warn("sms outbox: message failed", "reason", reason)
	}
}

// release gives rows back unsent without counting the attempt, due at once.
func (w *Worker) release(log *slog.Logger, rows []crm.ClaimedNotification, why string) {
	for _, r := range rows {
		if w.settle(log.With("outbox_id", r.ID), r, "release", func(ctx context.Context) error {
			now := w.cfg.Now()
			return w.store.Release(ctx, r.Claim, now, now)
		}) {
			w.m.released.Inc()
		}
	}
	log.Debug("sms outbox: released rows unsent", "rows", len(rows), "why", why)
}

// settle records an outcome of one row; see persist and settled. It reports whether the
// write was recorded.
func (w *Worker) settle(log *slog.Logger, r crm.ClaimedNotification, op string, write func(context.Context) error) bool {
	return w.settled(log, op, w.persist(log, r.LeaseUntil, op, write))
}

// persist runs a write that records outcomes, holding one of the outbox's store connections.
// A failed write is retried (a dropped connection, a database restarting) until leaseUntil
// is nearly reached: giving up early would let another worker claim the rows and, after a
// send, send them again. A lost claim is not retried.
func (w *Worker) persist(log *slog.Logger, leaseUntil time.Time, op string, write func(context.Context) error) error {
	deadline := time.Now().Add(leaseUntil.Sub(w.cfg.Now()))
	wait := 50 * time.Millisecond
	for {
		// Each try gets at least a few seconds: a row whose lease just ran out may not have
		// been claimed again yet.
		ctx, cancel := context.WithDeadline(context.Background(), later(deadline, time.Now().Add(5*time.Second)))
		err := w.conns.do(ctx, write)
		cancel()
		switch {
		case err == nil, errors.Is(err, crm.ErrClaimLost), errors.Is(err, crm.ErrNotFound):
			return err
		case time.Until(deadline) < wait:
			return fmt.Errorf("%w: %w", errLeaseOver, err)
		}
		log.Warn("sms outbox: recording the outcome failed; trying again", "op", op, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// errLeaseOver is persist's error when the lease ran out before a write got through.
var errLeaseOver = errors.New("the lease ran out before the outcome could be recorded")

// settled logs and counts what persist returned for a row, and reports whether the write
// was recorded.
func (w *Worker) settled(log *slog.Logger, op string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, crm.ErrClaimLost), errors.Is(err, crm.ErrNotFound):
		w.m.lost.Inc()
		log.Warn("sms outbox: could not record the outcome: the row's claim was lost (its lease ran out)", "op", op, "err", err)
	default:
		log.Error("sms outbox: could not record the outcome before the lease ran out; the row will be claimed again", "op", op, "err", err)
	}
	return false
}

// backoff is how long to wait before attempt+1: full jitter under a ceiling that doubles
// with each attempt, never less than a tenth of the base.
func (w *Worker) backoff(attempt int) time.Duration {
	ceiling := w.cfg.BaseBackoff
	for i := 1; i < attempt && ceiling < w.cfg.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, w.cfg.MaxBackoff)
	return max(w.cfg.BaseBackoff/10, rand.N(ceiling))
}

// quiet reports whether now falls in the quiet hours.
func (w *Worker) quiet(now time.Time) bool {
	if w.cfg.NoQuietHours || w.cfg.QuietFrom == w.cfg.QuietTo {
		return false
	}
	t := now.In(w.cfg.Location)
	tod := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	if w.cfg.QuietFrom < w.cfg.QuietTo {
		return tod >= w.cfg.QuietFrom && tod < w.cfg.QuietTo
	}
	return tod >= w.cfg.QuietFrom || tod < w.cfg.QuietTo // over midnight
}

// pause stops every goroutine of the worker for a while, longer each time.
func (w *Worker) pause(log *slog.Logger, msg string, err error) {
	w.pauseMu.Lock()
	if w.paused.Load() && time.Now().Before(w.pauseUntil) {
		// Another send of the same moment was refused too: one pause, logged once.
		w.pauseMu.Unlock()
		return
	}
	d := w.pauseNext
	w.pauseUntil = time.Now().Add(d)
	w.pauseNext = min(2*d, maxAccountPause)
	w.pauseMu.Unlock()
	w.paused.Store(true)
	w.m.paused.Set(1)
	attrs := []any{"paused_for", d}
	if err != nil {
		attrs = append(attrs, "err", err) // the client's errors never contain the key
	}
	log.Error("sms outbox: SENDING PAUSED: "+msg+"; messages stay queued", attrs...)
}

// resume ends the pauses after a send got through.
func (w *Worker) resume(log *slog.Logger) {
	if !w.paused.Load() {
		return
	}
	w.pauseMu.Lock()
	w.pauseNext = w.cfg.AccountPause
	w.pauseUntil = time.Time{}
	w.pauseMu.Unlock()
	if w.paused.CompareAndSwap(true, false) {
		w.m.paused.Set(0)
		log.Info("sms outbox: Africa's Talking accepts our messages again; sending resumed")
	}
}

// pausedFor is how long sending is still paused.
func (w *Worker) pausedFor() time.Duration {
	if !w.paused.Load() {
		return 0
	}
	w.pauseMu.Lock()
	defer w.pauseMu.Unlock()
	return time.Until(w.pauseUntil)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// jitter spreads d by up to a quarter, so idle goroutines do not poll in step.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + rand.N(d/4+1)
}
