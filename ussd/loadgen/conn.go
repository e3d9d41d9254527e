package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// phoneConn is an http.RoundTripper for one phone: one HTTP/1.1 keep-alive connection, the
// request written and the answer read on the phone's own goroutine. A phone waits for each
// answer anyway, so net/http's connection pool and its reader and writer goroutines would
// only spend, on the cores the server under test shares, CPU that a hop does not need (about
// half of the generator's cost per hop, measured against the floor). Plain http:// only; the
// run uses net/http for anything else.
type phoneConn struct {
	dialer net.Dialer
	addr   string
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	// body is the answer being read; its connection is reused only once it was read to the end.
	body *answerBody
}

func newPhoneConn() *phoneConn {
	return &phoneConn{dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}}
}

func (p *phoneConn) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("loadgen: %s:// is not supported by the phone connection", req.URL.Scheme)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	if p.body != nil && !p.body.done {
		p.close() // the last answer was not read to the end: the connection is out of step
	}
	reused := p.conn != nil && p.addr == addr
	if !reused {
		p.close()
		if err := p.dial(req.Context(), addr); err != nil {
			return nil, err
		}
	}
	resp, err := p.exchange(req)
	if err != nil && reused && req.GetBody != nil {
		// The server may have closed the idle connection between two hops (an idle timeout):
		// the request never reached it, so it is sent once more on a new connection.
		p.close()
		body, gerr := req.GetBody()
		if gerr != nil {
			return nil, err
		}
		req.Body = body
		if err = p.dial(req.Context(), addr); err != nil {
			return nil, err
		}
		resp, err = p.exchange(req)
	}
	if err != nil {
		p.close()
		return nil, err
	}
	return resp, nil
}

func (p *phoneConn) dial(ctx context.Context, addr string) error {
	c, err := p.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	p.conn, p.addr = c, addr
	if p.br == nil {
		p.br, p.bw = bufio.NewReaderSize(c, 4096), bufio.NewWriterSize(c, 4096)
	} else {
		p.br.Reset(c)
		p.bw.Reset(c)
	}
	return nil
}

func (p *phoneConn) exchange(req *http.Request) (*http.Response, error) {
	deadline, ok := req.Context().Deadline()
	if !ok {
		deadline = time.Now().Add(hopTimeout)
	}
	if err := p.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// A cancelled run must not wait out a slow answer.
	stop := context.AfterFunc(req.Context(), func() { p.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := req.Write(p.bw); err != nil {
		return nil, err
	}
	if err := p.bw.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(p.br, req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	p.body = &answerBody{r: resp.Body, keep: !resp.Close, p: p, conn: p.conn}
	resp.Body = p.body
	return resp, nil
}

func (p *phoneConn) close() {
	if p.conn != nil {
		p.conn.Close()
	}
	p.conn, p.addr, p.body = nil, "", nil
}

// answerBody marks the connection reusable once the answer was read to its end.
type answerBody struct {
	r    io.ReadCloser
	keep bool
	done bool
	p    *phoneConn
	conn net.Conn
}

func (b *answerBody) Read(buf []byte) (int, error) {
	n, err := b.r.Read(buf)
	if errors.Is(err, io.EOF) {
		b.done = true
	}
	return n, err
}

func (b *answerBody) Close() error {
	if !b.done {
		// Drain a little (a short body not yet read to EOF); anything longer costs the
		// connection.
		if _, err := io.CopyN(io.Discard, b.r, 64<<10); errors.Is(err, io.EOF) {
			b.done = true
		}
	}
	err := b.r.Close()
	if (!b.done || !b.keep) && b.p.conn == b.conn {
		b.p.close()
	}
	return err
}
