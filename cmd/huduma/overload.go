package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/internal/loop"
)

// registerHopMetrics puts the bound on hops in flight on /metrics: how many run, how many
// wait for a place, and how many were answered busy. A shed count that grows is the sign that
// the replica is at its limit and more replicas (or a faster database) are needed.
func registerHopMetrics(reg prometheus.Registerer, a *flows.Admission) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "huduma_hops_in_flight",
			Help: "USSD hops running now on this replica.",
		}, func() float64 { return float64(a.InFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "huduma_hops_waiting",
			Help: "USSD hops waiting for a place among those in flight.",
		}, func() float64 { return float64(a.Waiting()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "huduma_hops_max_in_flight",
			Help: "The bound on USSD hops in flight (HUDUMA_MAX_HOPS).",
		}, func() float64 { return float64(a.Max()) }),
	)
	for _, p := range []struct {
		label string
		p     flows.Priority
	}{{"new", flows.New}, {"continuing", flows.Continuing}} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "huduma_hops_shed_total",
			Help:        "USSD hops answered busy because no place among those in flight came free in time: a session's first hop (new) or a later one (continuing).",
			ConstLabels: prometheus.Labels{"session": p.label},
		}, func() float64 { return float64(a.Shed(p.p)) }))
	}
}

// watchOverload logs, once an interval, how many hops were answered busy in it, if any: the
// busy answers themselves are not logged, since under overload they come by the thousand.
//
// When an overload is over (an interval without a busy answer after one with), it gives the
// memory the burst took back to the system. Go returns freed memory only after a collection,
// and an idle gateway allocates too little to start one for minutes: without this, a replica
// would sit at its peak size long after the peak.
func watchOverload(ctx context.Context, a *flows.Admission, every time.Duration, log *slog.Logger) {
	var lastNew, lastCont uint64
	overloaded := false
	loop.EveryAfter(ctx, every, func(context.Context) {
		newShed, contShed := a.Shed(flows.New), a.Shed(flows.Continuing)
		if newShed == lastNew && contShed == lastCont {
			if overloaded {
				overloaded = false
				debug.FreeOSMemory()
				log.Info("overload over: no USSD hop answered busy", "in", every)
			}
			return
		}
		overloaded = true
		log.Warn("overloaded: USSD hops answered busy", "new_sessions", newShed-lastNew,
			"continuing", contShed-lastCont, "in", every, "in_flight", a.InFlight(), "max", a.Max())
		lastNew, lastCont = newShed, contShed
	})
}
