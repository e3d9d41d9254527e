package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/internal/testkit"
)

// Past the cap a new connection is answered 503 and closed at once, however many come: the
// open count never passes the cap, so a storm of connections cannot run the process out of
// file descriptors; and a place that comes free is taken by the next connection.
func TestConnectionCap(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimit(2)
	ln := l.wrap(raw)
	t.Cleanup(func() { ln.Close() })
	served := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			served <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	dial()
	dial()
	a := <-served
	<-served
	const storm = 200
	for range storm {
		c := dial()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil || !strings.HasPrefix(string(got), "HTTP/1.1 503 ") {
			t.Fatalf("a connection past the cap read %q, %v; want a 503 and the connection closed", got, err)
		}
	}
	if open, refused := l.open.Load(), l.refused.Load(); open != 2 || refused != storm {
		t.Fatalf("open %d refused %d, want 2 and %d", open, refused, storm)
	}
	// The server closes a connection (an idle one, say): its place is free for the next.
	a.Close()
	a.Close() // twice: counted once
	if open := l.open.Load(); open != 1 {
		t.Fatalf("open %d after the server closed one, want 1", open)
	}
	dial()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection after a place came free was not served")
	}
}

// A connection that sent one request and went quiet is closed by the gateway after the idle
// timeout, freeing its place. The test waits for the close itself.
func TestIdleConnectionIsClosed(t *testing.T) {
	base, gw := startGatewayWith(t, "-db", "sqlite:"+filepath.Join(t.TempDir(), "huduma.db"), "-idle-timeout", "200ms")
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: huduma\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on a kept-alive connection: %v %v", resp, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if open := gw.conns.open.Load(); open != 1 {
		t.Fatalf("%d connections open, want 1", open)
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the idle connection read %d bytes, %v; want it closed by the server (EOF)", n, err)
	}
	testkit.Eventually(t, func() bool { return gw.conns.open.Load() == 0 }, 10*time.Second, "the idle connection's place freed")
}
