package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/huduma-connect/huduma/ussd"
)

// phoneConn is one phone's own HTTP/1.1 client for a plain http:// target: one keep-alive
// connection, each request formatted into a buffer it keeps and sent with one write, the
// answer read on the phone's goroutine and parsed only as far as a hop needs (see answer).
// The load generator shares the cores of the server under test, and net/http (its request and
// response objects, header maps, body readers) cost it about 40% of its CPU per hop: against
// the floor, a hop took 25 µs of generator CPU through net/http and takes 15 µs here, most of
// it the write and the read. The form and the verdict on the answer are ussd.Simulator's, so
// a hop sends and ends exactly as Simulator.Hop would.
type phoneConn struct {
	target  target
	sim     *ussd.Simulator
	timeout time.Duration // how long a hop may take: hopTimeout, shorter in tests
	dialer  net.Dialer

	// mu guards conn against interrupt, which runs on the goroutine that ends the context.
	// Only the phone's goroutine changes conn, so it reads it without mu.
	mu   sync.Mutex
	conn net.Conn
	br   *bufio.Reader
	// form, req and body are reused from hop to hop.
	form, req, body []byte

	// watched is the context whose end interrupts the hop in flight; unwatch disarms that.
	watched context.Context
	unwatch func() bool
}

func newPhoneConn(t target, sim *ussd.Simulator) *phoneConn {
	return &phoneConn{
		target: t, sim: sim, timeout: hopTimeout,
		dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
	}
}

// sent is how one hop went: what Simulator.Hop returns, and what the run counts it as.
type sent struct {
	reply string
	end   bool
	err   error
	// status is the answer's HTTP status; zero when none came (refused, reset, timed out).
	status int
	// took is from just before the request was sent to when its answer was read; it is
	// meaningful only when status is not zero.
	took time.Duration
}

// hop sends one hop of a session and reads its answer.
func (p *phoneConn) hop(ctx context.Context, sessionID, text string) sent {
	p.form = p.sim.AppendForm(p.form[:0], sessionID, text)
	p.req = p.target.appendRequest(p.req[:0], p.form)
	p.watch(ctx)
	began := time.Now()
	a, err := p.roundTrip(ctx, began.Add(p.timeout))
	took := time.Since(began)
	p.body = a.body[:0]
	switch {
	case err != nil && a.code == 0:
		return sent{err: p.sim.SendError(err)}
	case err != nil:
		return sent{err: p.sim.ReadError(err), status: a.code, took: took}
	}
	reply, end, err := p.sim.Answer(a.code, a.status, a.body)
	return sent{reply: reply, end: end, err: err, status: a.code, took: took}
}

// roundTrip sends p.req and reads its answer by deadline, on the kept connection when there
// is one.
func (p *phoneConn) roundTrip(ctx context.Context, deadline time.Time) (answer, error) {
	if err := ctx.Err(); err != nil {
		return answer{body: p.body}, err
	}
	reused := p.conn != nil
	if !reused {
		if err := p.dial(ctx); err != nil {
			return answer{body: p.body}, err
		}
	}
	a, got, err := p.exchange(ctx, deadline)
	if err != nil && reused && !got && ctx.Err() == nil && !isTimeout(err) {
		// The server may have closed the idle connection between two hops (an idle timeout)
		// before the request reached it. Nothing of an answer came, so it is sent once more
		// on a new connection. Unlike net/http, which does not send a POST again once written,
		// this also resends after a server that took the request and then reset the
		// connection: a gateway answers the repeat from the session (the same text as the last
		// hop), so nothing is done twice, but such a crash is counted as a slower hop rather
		// than an error.
		p.drop()
		if err := p.dial(ctx); err != nil {
			return answer{body: a.body}, err
		}
		a, _, err = p.exchange(ctx, deadline)
	}
	if err != nil || a.last {
		p.drop()
	}
	if err != nil && ctx.Err() != nil {
		return a, ctx.Err()
	}
	return a, err
}

// exchange writes the request and reads the answer on the current connection; got says
// whether any of the answer arrived.
func (p *phoneConn) exchange(ctx context.Context, deadline time.Time) (a answer, got bool, err error) {
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := p.conn.SetDeadline(deadline); err != nil {
		return answer{body: p.body}, false, fmt.Errorf("set deadline: %w", err)
	}
	// Had the context ended before the deadline above was set, interrupt's deadline in the
	// past would have been overwritten; from here on, it comes after.
	if err := ctx.Err(); err != nil {
		return answer{body: p.body}, false, err
	}
	if _, err := p.conn.Write(p.req); err != nil {
		return answer{body: p.body}, false, err
	}
	return readAnswer(p.br, p.body)
}

// watch makes the end of ctx interrupt the hop in flight, so that a cancelled run does not
// wait out a slow answer. It stays armed from hop to hop while the context is the same (the
// run's): arming it for every hop cost about 3% of the generator's CPU.
func (p *phoneConn) watch(ctx context.Context) {
	if ctx == p.watched {
		return
	}
	if p.unwatch != nil {
		p.unwatch()
	}
	p.watched, p.unwatch = ctx, context.AfterFunc(ctx, p.interrupt)
}

// interrupt ends the current connection's wait at once.
func (p *phoneConn) interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		p.conn.SetDeadline(time.Unix(1, 0))
	}
}

func (p *phoneConn) dial(ctx context.Context) error {
	c, err := p.dialer.DialContext(ctx, "tcp", p.target.addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.conn = c
	p.mu.Unlock()
	if p.br == nil {
		p.br = bufio.NewReaderSize(c, 4096)
	} else {
		p.br.Reset(c)
	}
	return nil
}

// drop closes the connection; the next hop dials a new one.
func (p *phoneConn) drop() {
	if p.conn == nil {
		return
	}
	p.conn.Close()
	p.mu.Lock()
	p.conn = nil
	p.mu.Unlock()
}

// close ends the phone's client for good.
func (p *phoneConn) close() {
	p.drop()
	if p.unwatch != nil {
		p.unwatch()
		p.watched, p.unwatch = nil, nil
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
