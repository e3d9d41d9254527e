package outbox

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/huduma-connect/huduma/crm"
)

// Metrics are the outbox's Prometheus metrics, in a registry of their own (with the Go
// runtime's and the process's), served by Handler. Counters count this replica's work; the
// depth gauges read the whole outbox, so every replica shows the same depth.
type Metrics struct {
	reg *prometheus.Registry

	sent          prometheus.Counter
	failed        *prometheus.CounterVec
	retried       prometheus.Counter
	queued        prometheus.Counter
	suppressed    prometheus.Counter
	released      prometheus.Counter
	lost          prometheus.Counter
	paused        prometheus.Gauge
	expired       *prometheus.CounterVec
	postponed     prometheus.Counter
	merged        prometheus.Counter
	breaker       prometheus.Gauge
	breakerOpened prometheus.Counter
	depth         *prometheus.GaugeVec
	oldest        prometheus.Gauge
	latency       *prometheus.HistogramVec
	recordBatch   prometheus.Histogram
	pace          prometheus.Gauge
	hopNormal     prometheus.Gauge
}

// Reasons on huduma_sms_failed_total.
const (
	failRefused      = "refused"      // Africa's Talking refused the message for good
	failExhausted    = "exhausted"    // MaxAttempts tries, each refused for now
	failUnrenderable = "unrenderable" // the row's params cannot make a message
)

// NewMetrics builds the metrics in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_sent_total",
			Help: "Messages Africa's Talking accepted.",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "huduma_sms_failed_total",
			Help: "Messages given up on (status failed): refused for good, out of attempts, or unrenderable.",
		}, []string{"reason"}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_retried_total",
			Help: "Send attempts that failed for now and were put back with a back-off.",
		}),
		queued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_queued_total",
			Help: "Outbox rows taken from the queue for their first attempt: each enqueued message is counted once, by the replica that first claimed it.",
		}),
		suppressed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_suppressed_total",
			Help: "Non-essential messages not sent because the phone opted out.",
		}),
		released: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_released_total",
			Help: "Claimed messages put back unsent without counting an attempt (credentials or account refused, lease too short, shutting down).",
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_claims_lost_total",
			Help: "Results that could not be recorded because the row's lease ran out and another worker claimed it.",
		}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "huduma_sms_paused",
			Help: "1 while sending is paused because Africa's Talking refused the credentials or the account (alert on this).",
		}),
		expired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "huduma_sms_expired_total",
			Help: "Messages not sent because they outlived their use (status expired), by kind: a confirmation after its appointment, an acknowledgement days late.",
		}, []string{"kind"}),
		postponed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_postponed_total",
			Help: "Sends that could not reach Africa's Talking (no connection, a timeout, a 5xx), put back without counting an attempt.",
		}),
		merged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "huduma_sms_alerts_merged_total",
			Help: "Alerts to staff merged into a digest in a storm (status merged) instead of sent on their own.",
		}),
		breaker: prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        "huduma_sms_breaker_state",
			Help:        "The circuit breaker of the SMS provider: 0 closed (sending), 1 open (cannot be reached: paused, waiting to probe), 2 half-open (a probe in flight).",
			ConstLabels: prometheus.Labels{"provider": "africastalking"},
		}),
		breakerOpened: prometheus.NewCounter(prometheus.CounterOpts{
			Name:        "huduma_sms_breaker_opened_total",
			Help:        "Outages of the SMS provider: times its circuit breaker opened.",
			ConstLabels: prometheus.Labels{"provider": "africastalking"},
		}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "huduma_sms_outbox_depth",
			Help: "Outbox rows by status: queued (including retries not yet due), sending, failed (ever).",
		}, []string{"status"}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "huduma_sms_outbox_oldest_queued_seconds",
			Help: "Age of the oldest queued outbox row; 0 when none is queued.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "huduma_sms_send_duration_seconds",
			Help:    "Time one send to Africa's Talking took, by outcome.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20},
		}, []string{"outcome"}),
		pace: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "huduma_sms_pace_per_second",
			Help: "Messages a second this replica's outbox allows itself so that the citizens' hops keep their normal time; +Inf when it does not need to hold back.",
		}),
		hopNormal: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "huduma_sms_hop_normal_seconds",
			Help: "The citizens' hops' mean time while the outbox last held back to measure it: the time the outbox keeps them near (within 1.25x) while it sends.",
		}),
		recordBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "huduma_sms_sent_recorded_per_write",
			Help:    "Sends recorded by one write to the store: 1 when sends are few, more while a backlog drains (the sends that finished during the previous write).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
	}
	m.reg.MustRegister(m.sent, m.failed, m.retried, m.queued, m.suppressed, m.released, m.lost,
		m.paused, m.expired, m.postponed, m.merged, m.breaker, m.breakerOpened, m.depth, m.oldest, m.latency, m.recordBatch, m.pace, m.hopNormal,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{failRefused, failExhausted, failUnrenderable} {
		m.failed.WithLabelValues(r) // show every reason from the start, at 0
	}
	for _, st := range []string{crm.OutboxQueued, crm.OutboxSending, crm.OutboxFailed} {
		m.depth.WithLabelValues(st) // every status from the start, before the first read of the outbox
	}
	return m
}

// Registry is the metrics' registry, for other parts of the SMS channel (delivery reports)
// to register theirs in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text format, for /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// WatchDepth reads the outbox's depth into the gauges now and every interval until ctx ends.
func (m *Metrics) WatchDepth(ctx context.Context, store crm.SendingStore, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		m.readDepth(ctx, store, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Metrics) readDepth(ctx context.Context, store crm.SendingStore, log *slog.Logger) {
	st, err := store.OutboxStats(ctx)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			log.Warn("sms outbox: reading the outbox depth", "err", err)
		}
		return
	}
	m.depth.WithLabelValues(crm.OutboxQueued).Set(float64(st.Queued))
	m.depth.WithLabelValues(crm.OutboxSending).Set(float64(st.Sending))
	m.depth.WithLabelValues(crm.OutboxFailed).Set(float64(st.Failed))
	age := 0.0
	if !st.OldestQueued.IsZero() {
		age = max(0, time.Since(st.OldestQueued).Seconds())
	}
	m.oldest.Set(age)
}
