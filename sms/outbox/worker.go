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
	// Batch is how many rows a goroutine claims at once. Default 10; with a Rate, fewer, so
	// a batch is sent within a quarter of the lease.
	Batch int
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
	limit   *rate.Limiter // nil: no rate limit
	margin  time.Duration // lease left after a send's deadline, to record its outcome

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
		margin: min(10*time.Second, cfg.Lease/6),
	}
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
func (w *Worker) loop(ctx context.Context, n int) {
	log := w.log.With("worker", n)
	storeErrors := 0
	for ctx.Err() == nil {
		if d := w.pausedFor(); d > 0 {
			sleep(ctx, d)
			continue
		}
		now := w.cfg.Now()
		rows, err := w.store.ClaimNotifications(ctx, now, w.cfg.Batch, w.cfg.Lease, w.quiet(now))
		if err != nil {
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
			sleep(ctx, jitter(w.cfg.PollInterval))
			continue
		}
		for i, r := range rows {
			if ctx.Err() != nil || w.pausedFor() > 0 {
				w.release(log, rows[i:], "stopping or paused")
				break
			}
			w.process(ctx, log, r)
		}
	}
}

// process sends one claimed row and records the outcome.
func (w *Worker) process(ctx context.Context, log *slog.Logger, r crm.ClaimedNotification) {
	log = log.With("outbox_id", r.ID, "kind", r.Kind, "phone", r.Phone, "attempt", r.Attempts)
	if r.Attempts == 1 && r.NextAttemptAt.IsZero() {
		w.m.queued.Inc() // the row's first claim: it was never retried nor released
	}
	if r.OptedOut && !r.Essential {
		w.suppress(log, r)
		return
	}
	if r.Attempts > w.cfg.MaxAttempts {
		// Only a worker that died holding the row claims it this often: do not send it again.
		w.fail(log, r, failExhausted, fmt.Sprintf("gave up after %d claims; last: %s", r.Attempts-1, r.FailureReason))
		return
	}
	text, ok := w.render(log, r)
	if !ok {
		return
	}
	timeout, ok := w.turn(ctx, log, r)
	if !ok {
		return
	}
	results, took, err := w.send(ctx, r, text, timeout)
	o := classify(results, err)
	w.m.latency.WithLabelValues(o.label).Observe(took.Seconds())
	w.record(log, r, o, took)
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

// turn waits for the rate limit and returns how long the send may take. Send only with time
// left on the lease for the send and for recording it: otherwise a second worker could claim
// the row while this send is still in flight. A row that cannot be sent now is released,
// and ok is false.
func (w *Worker) turn(ctx context.Context, log *slog.Logger, r crm.ClaimedNotification) (timeout time.Duration, ok bool) {
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
func (w *Worker) record(log *slog.Logger, r crm.ClaimedNotification, o outcome, took time.Duration) {
	switch o.verdict {
	case sent:
		w.resume(log)
		if w.settle(log, r, "mark sent", func(ctx context.Context) error {
			return w.store.MarkSent(ctx, r.Claim, o.result.MessageID, o.result.Cost, w.cfg.Now())
		}) {
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

// settle records an outcome. A failed write is retried (a dropped connection, a database
// restarting) until the row's lease is nearly over: giving up early would let another worker
// claim the row and, after a send, send it again. A lost claim is not retried. It reports
// whether the write was recorded.
func (w *Worker) settle(log *slog.Logger, r crm.ClaimedNotification, op string, write func(context.Context) error) bool {
	deadline := time.Now().Add(r.LeaseUntil.Sub(w.cfg.Now()))
	wait := 50 * time.Millisecond
	for {
		// Each try gets at least a few seconds: a row whose lease just ran out may not have
		// been claimed again yet.
		ctx, cancel := context.WithDeadline(context.Background(), later(deadline, time.Now().Add(5*time.Second)))
		err := write(ctx)
		cancel()
		switch {
		case err == nil:
			return true
		case errors.Is(err, crm.ErrClaimLost), errors.Is(err, crm.ErrNotFound):
			w.m.lost.Inc()
			log.Warn("sms outbox: could not record the outcome: the row's claim was lost (its lease ran out)", "op", op, "err", err)
			return false
		case time.Until(deadline) < wait:
			log.Error("sms outbox: could not record the outcome before the lease ran out; the row will be claimed again", "op", op, "err", err)
			return false
		}
		log.Warn("sms outbox: recording the outcome failed; trying again", "op", op, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
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
