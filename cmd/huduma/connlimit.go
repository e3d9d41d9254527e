package main

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// connLimit bounds the HTTP connections open at once. fasthttp's Concurrency bounds the
// connections it serves, but a connection past it is still accepted and answered by fasthttp
// itself; and nothing showed how many were open. The listener counts them: past the cap a
// new connection is answered 503 at once and closed, so a storm of connections costs one
// file descriptor for a moment each and the process never runs out of them; the counts are
// on /metrics.
//
// Idle keep-alive connections are closed by the server after HUDUMA_IDLE_TIMEOUT (fiber's
// IdleTimeout), which is what frees the places: a connection that sent one request and was
// left open no longer holds its place (and its 20 KB) for minutes.
type connLimit struct {
	max     int64
	open    atomic.Int64
	refused atomic.Uint64
}

func newConnLimit(max int) *connLimit { return &connLimit{max: int64(max)} }

// busyAnswer is what a connection past the cap is told before it is closed.
const busyAnswer = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 37\r\n\r\ntoo many connections; try again soon\n"

// wrap returns ln counting and bounding its connections.
func (l *connLimit) wrap(ln net.Listener) net.Listener { return &limitedListener{Listener: ln, l: l} }

// register puts the counts on /metrics.
func (l *connLimit) register(reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "huduma_http_connections_open",
			Help: "HTTP connections open now on this replica (keep-alive ones included).",
		}, func() float64 { return float64(l.open.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "huduma_http_connections_max",
			Help: "The cap on open HTTP connections (HUDUMA_MAX_CONNECTIONS).",
		}, func() float64 { return float64(l.max) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "huduma_http_connections_refused_total",
			Help: "New HTTP connections answered 503 and closed because the cap was reached.",
		}, func() float64 { return float64(l.refused.Load()) }),
	)
}

type limitedListener struct {
	net.Listener
	l *connLimit
}

// Accept returns the next connection under the cap; one past it is refused here and the
// listener goes on accepting.
func (ll *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ll.l.open.Add(1) > ll.l.max {
			ll.l.open.Add(-1)
			ll.l.refused.Add(1)
			go refuse(c)
			continue
		}
		return &countedConn{Conn: c, l: ll.l}, nil
	}
}

// refuse answers 503 and closes, without waiting on a client that does not read.
func refuse(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte(busyAnswer))
	_ = c.Close()
}

type countedConn struct {
	net.Conn
	l    *connLimit
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}
