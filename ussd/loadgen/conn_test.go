package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/ussd"
)

// rawReply is what rawServer writes for one request, byte for byte.
type rawReply struct {
	raw   string
	close bool // then close the connection, whatever raw said
	reset bool // then reset the connection (RST, not FIN)
	hang  bool // then wait, answering nothing more, until the test ends
}

// rawServer is an HTTP server on a bare net.Listener, for answers net/http's server never
// writes (bare LF, cut short, closed without a word). The n-th request it reads, counted over
// all its connections, gets replies[n], or the last one past the end. It counts the
// connections it accepted and the requests it read.
type rawServer struct {
	url          string
	conns, reqs  atomic.Int32
	replies      []rawReply
	stop         chan struct{}
	mu           sync.Mutex
	open         []net.Conn
	lastReqBytes atomic.Int64
}

func newRawServer(t *testing.T, replies ...rawReply) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{url: "http://" + ln.Addr().String() + "/ussd?key=s3cret", replies: replies, stop: make(chan struct{})}
	t.Cleanup(func() {
		close(s.stop)
		ln.Close()
		s.mu.Lock()
		for _, c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, c)
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
	return s
}

func (s *rawServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, req.Body)
		s.lastReqBytes.Store(n)
		i := int(s.reqs.Add(1)) - 1
		r := s.replies[min(i, len(s.replies)-1)]
		if _, err := io.WriteString(c, r.raw); err != nil {
			return
		}
		if r.hang {
			<-s.stop
			return
		}
		if r.reset {
			c.(*net.TCPConn).SetLinger(0)
			return
		}
		if r.close {
			return
		}
	}
}

// ok200 is a 200 with a Content-Length.
func ok200(body string) rawReply {
	return rawReply{raw: fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s", len(body), body)}
}

// chunked writes body in chunks of size n, with an extension on the first and a trailer.
func chunked(body string, n int) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
	for i := 0; i < len(body); i += n {
		part := body[i:min(i+n, len(body))]
		ext := ""
		if i == 0 {
			ext = ";name=value"
		}
		fmt.Fprintf(&b, "%x%s\r\n%s\r\n", len(part), ext, part)
	}
	b.WriteString("0\r\nX-Checksum: none\r\n\r\n")
	return b.String()
}

// hostOf is the host:port of a URL of the form http://host:port/….
func hostOf(url string) string {
	host, _, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	return host
}

// hopWant is what one hop must return.
type hopWant struct {
	reply  string
	end    bool
	status int
	err    string // a part of the error; empty for none
}

func TestPhoneConnAnswers(t *testing.T) {
	long := "CON " + strings.Repeat("x", ussd.SimMaxBody+5000)
	cut := long[4:ussd.SimMaxBody]
	welcome := hopWant{reply: "Welcome", status: 200}
	tests := []struct {
		name    string
		replies []rawReply
		timeout time.Duration // the hop timeout; zero keeps hopTimeout
		pause   time.Duration // between hops, as a caller reading the screen
		hops    []hopWant
		// conns and reqs are what the server saw.
		conns, reqs int32
		// netHTTP compares each hop with Simulator.Hop over net/http on the same answers.
		netHTTP bool
	}{
		{
			name:    "content length, kept alive",
			replies: []rawReply{ok200("CON Welcome")},
			hops:    []hopWant{welcome, welcome},
			conns:   1, reqs: 2, netHTTP: true,
		},
		{
			name:    "lower-case headers, bare LF",
			replies: []rawReply{{raw: "HTTP/1.1 200 OK\ncontent-length: 12\nconnection: Keep-Alive\n\nEND Goodbye\n"}},
			hops:    []hopWant{{reply: "Goodbye", end: true, status: 200}, {reply: "Goodbye", end: true, status: 200}},
			conns:   1, reqs: 2, netHTTP: true,
		},
		{
			name:    "chunked, with an extension and a trailer",
			replies: []rawReply{{raw: chunked("CON Welcome\n1. Book", 4)}},
			hops:    []hopWant{{reply: "Welcome\n1. Book", status: 200}, {reply: "Welcome\n1. Book", status: 200}},
			conns:   1, reqs: 2, netHTTP: true,
		},
		{
			name:    "Connection: close",
			replies: []rawReply{{raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\nCON Welcome", close: true}},
			hops:    []hopWant{welcome, welcome},
			conns:   2, reqs: 2, netHTTP: true,
		},
		{
			name:    "HTTP/1.0, body until close",
			replies: []rawReply{{raw: "HTTP/1.0 200 OK\r\n\r\nCON Welcome", close: true}},
			hops:    []hopWant{welcome, welcome},
			conns:   2, reqs: 2, netHTTP: true,
		},
		{
			// The server drops the kept connection without saying so; the second hop is sent
			// once more on a new connection, and the server reads it once. (net/http does not
			// send a POST again when the connection was reset, so it is not compared.)
			name:    "server closes an idle connection between hops",
			replies: []rawReply{{raw: ok200("CON Welcome").raw, close: true}},
			hops:    []hopWant{welcome, welcome, welcome},
			conns:   3, reqs: 3,
		},
		{
			// The same, once the server's FIN has arrived: the write succeeds, the read ends.
			name:    "server closed the connection while the phone was idle",
			replies: []rawReply{{raw: ok200("CON Welcome").raw, close: true}},
			pause:   50 * time.Millisecond,
			hops:    []hopWant{welcome, welcome},
			conns:   2, reqs: 2,
		},
		{
			// A reset with nothing of an answer is sent again, as an idle close is.
			name:    "reset before an answer",
			replies: []rawReply{ok200("CON Welcome"), {reset: true}, ok200("CON Welcome")},
			hops:    []hopWant{welcome, welcome},
			conns:   2, reqs: 3,
		},
		{
			// Part of an answer came: the request reached the server, so it is not sent again.
			name:    "answer cut short is not sent again",
			replies: []rawReply{ok200("CON Welcome"), {raw: "HTTP/1.1 200 OK\r\nContent-Le", close: true}, ok200("CON Welcome")},
			hops:    []hopWant{welcome, {err: "ussd hop: POST http://127.0.0.1"}, welcome},
			conns:   2, reqs: 3,
		},
		{
			name:    "body cut short",
			replies: []rawReply{{raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nCON Welc", close: true}},
			hops:    []hopWant{{status: 200, err: "read answer from http://127.0.0.1"}},
			conns:   1, reqs: 1, netHTTP: true,
		},
		{
			name:    "interim 100 Continue before the answer",
			replies: []rawReply{{raw: "HTTP/1.1 100 Continue\r\n\r\n" + ok200("CON Welcome").raw}},
			hops:    []hopWant{welcome, welcome},
			conns:   1, reqs: 2, netHTTP: true,
		},
		{
			name:    "bad Content-Length",
			replies: []rawReply{{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\nCON Welcome"}},
			hops:    []hopWant{{err: "ussd hop: POST http://127.0.0.1"}},
			conns:   1, reqs: 1,
		},
		{
			name:    "non-200 status",
			replies: []rawReply{{raw: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom"}},
			hops: []hopWant{
				{status: 500, err: `answered 500 Internal Server Error: "boom"`},
				{status: 500, err: `answered 500 Internal Server Error: "boom"`},
			},
			conns: 1, reqs: 2, netHTTP: true,
		},
		{
			name:    "non-200 without a body",
			replies: []rawReply{{raw: "HTTP/1.1 204 No Content\r\n\r\n"}, ok200("CON Welcome")},
			hops:    []hopWant{{status: 204, err: `answered 204 No Content: ""`}, welcome},
			conns:   1, reqs: 2, netHTTP: true,
		},
		{
			name:    "no CON or END",
			replies: []rawReply{ok200("<html>Not here</html>")},
			hops:    []hopWant{{status: 200, err: `answered neither CON nor END: "<html>Not here</html>"`}},
			conns:   1, reqs: 1, netHTTP: true,
		},
		{
			// Read as far as Simulator.Hop reads; the rest costs the connection.
			name:    "over-long body with a length",
			replies: []rawReply{ok200(long), ok200("CON Welcome")},
			hops:    []hopWant{{reply: cut, status: 200}, welcome},
			conns:   2, reqs: 2, netHTTP: true,
		},
		{
			name:    "over-long chunked body",
			replies: []rawReply{{raw: chunked(long, 16<<10)}, ok200("CON Welcome")},
			hops:    []hopWant{{reply: cut, status: 200}, welcome},
			conns:   2, reqs: 2, netHTTP: true,
		},
		{
			name:    "over-long body until close",
			replies: []rawReply{{raw: "HTTP/1.1 200 OK\r\n\r\n" + long, close: true}, ok200("CON Welcome")},
			hops:    []hopWant{{reply: cut, status: 200}, welcome},
			conns:   2, reqs: 2, netHTTP: true,
		},
		{
			name:    "timeout",
			replies: []rawReply{{raw: "HTTP/1.1 200 OK\r\n", hang: true}},
			timeout: 200 * time.Millisecond,
			hops:    []hopWant{{err: "i/o timeout"}},
			conns:   1, reqs: 1,
		},
		{
			name:    "not HTTP",
			replies: []rawReply{{raw: "SSH-2.0-OpenSSH_9.6\r\n", close: true}},
			hops:    []hopWant{{err: "ussd hop: POST http://127.0.0.1"}},
			conns:   1, reqs: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, tc.replies...)
			tgt, ok := leanTarget(srv.url)
			if !ok {
				t.Fatalf("leanTarget(%q) refused", srv.url)
			}
			sim := &ussd.Simulator{URL: srv.url}
			p := newPhoneConn(tgt, sim)
			if tc.timeout > 0 {
				p.timeout = tc.timeout
			}
			defer p.close()
			var got []sent
			for i, want := range tc.hops {
				if i > 0 {
					time.Sleep(tc.pause)
				}
				h := p.hop(context.Background(), "ATUid_test", strings.Repeat("1*", i)+"1")
				got = append(got, h)
				if h.reply != want.reply || h.end != want.end || h.status != want.status {
					t.Errorf("hop %d = (%.40q, end %v, status %d), want (%.40q, %v, %d)", i, h.reply, h.end, h.status, want.reply, want.end, want.status)
				}
				if (h.err == nil) != (want.err == "") || h.err != nil && !strings.Contains(h.err.Error(), want.err) {
					t.Errorf("hop %d: error %v, want one saying %q", i, h.err, want.err)
				}
				if h.err != nil && strings.Contains(h.err.Error(), "s3cret") {
					t.Errorf("hop %d: error leaks the callback key: %v", i, h.err)
				}
				if h.status != 0 && h.took <= 0 { // an answer's latency is recorded
					t.Errorf("hop %d took %v", i, h.took)
				}
			}
			if c, r := srv.conns.Load(), srv.reqs.Load(); c != tc.conns || r != tc.reqs {
				t.Errorf("server saw %d connections and %d requests, want %d and %d", c, r, tc.conns, tc.reqs)
			}
			if !tc.netHTTP {
				return
			}
			// Simulator.Hop over net/http, on a server of its own with the same answers.
			ref := newRawServer(t, tc.replies...)
			refSim := &ussd.Simulator{URL: ref.url, HTTP: &http.Client{Transport: &http.Transport{}}}
			for i, h := range got {
				reply, end, err := refSim.Hop(context.Background(), "ATUid_test", strings.Repeat("1*", i)+"1")
				if reply != h.reply || end != h.end || (err == nil) != (h.err == nil) {
					t.Errorf("hop %d: Simulator.Hop = (%.40q, %v, %v); phoneConn = (%.40q, %v, %v)", i, reply, end, err, h.reply, h.end, h.err)
				}
				if err != nil && h.err != nil && strings.ReplaceAll(err.Error(), hostOf(ref.url), hostOf(srv.url)) != h.err.Error() {
					t.Errorf("hop %d: Simulator.Hop says\n%v\nphoneConn says\n%v", i, err, h.err)
				}
			}
		})
	}
}

// A hop waiting for an answer ends as soon as the run is cancelled, not at its timeout.
func TestPhoneConnCancel(t *testing.T) {
	srv := newRawServer(t, ok200("CON Welcome"), rawReply{hang: true})
	tgt, _ := leanTarget(srv.url)
	p := newPhoneConn(tgt, &ussd.Simulator{URL: srv.url})
	defer p.close()
	ctx, cancel := context.WithCancel(context.Background())
	if h := p.hop(ctx, "ATUid_test", ""); h.err != nil {
		t.Fatal(h.err)
	}
	time.AfterFunc(100*time.Millisecond, cancel)
	h := p.hop(ctx, "ATUid_test", "1")
	if !errors.Is(h.err, context.Canceled) || h.status != 0 {
		t.Errorf("cancelled hop: status %d, error %v; want context.Canceled", h.status, h.err)
	}
	if h := p.hop(ctx, "ATUid_test", "1"); !errors.Is(h.err, context.Canceled) {
		t.Errorf("hop after the cancel: %v", h.err)
	}
	if n := srv.reqs.Load(); n != 2 {
		t.Errorf("server read %d requests, want 2", n)
	}
}

// phoneConn sends what Simulator.Hop sends: the same request line, Host, User-Agent,
// Content-Type and form, byte for byte.
func TestPhoneConnRequest(t *testing.T) {
	type seen struct {
		method, uri, host, agent, ctype, body string
		length                                int64
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.RequestURI, r.Host, r.UserAgent(), r.Header.Get("Content-Type"), string(body), r.ContentLength})
		mu.Unlock()
		io.WriteString(w, "CON ok")
	}))
	defer srv.Close()
	url := srv.URL + "/at/ussd?key=s3cret"
	sim := &ussd.Simulator{URL: url, Phone: "+254700000042", Code: "*384*50#", Network: "63902"}
	text := "1*Queue too long & staff rude; 100% true"
	if _, _, err := (&ussd.Simulator{URL: url, Phone: sim.Phone, Code: sim.Code, Network: sim.Network, HTTP: srv.Client()}).Hop(context.Background(), "ATUid_abc", text); err != nil {
		t.Fatal(err)
	}
	tgt, ok := leanTarget(url)
	if !ok {
		t.Fatal("leanTarget refused", url)
	}
	p := newPhoneConn(tgt, sim)
	defer p.close()
	if h := p.hop(context.Background(), "ATUid_abc", text); h.err != nil || h.reply != "ok" {
		t.Fatalf("hop = %+v", h)
	}
	if len(got) != 2 || got[0] != got[1] {
		t.Fatalf("Simulator.Hop sent %+v\nphoneConn sent %+v", got[0], got[len(got)-1])
	}
	if got[1].agent != ussd.SimUserAgent || got[1].uri != "/at/ussd?key=s3cret" || got[1].length != int64(len(got[1].body)) {
		t.Errorf("phoneConn sent %+v", got[1])
	}
}

func TestLeanTarget(t *testing.T) {
	tests := []struct {
		url, addr, head string
		ok              bool
	}{
		{url: "http://127.0.0.1:3200/ussd", addr: "127.0.0.1:3200", head: "POST /ussd HTTP/1.1\r\nHost: 127.0.0.1:3200\r\n", ok: true},
		{url: "http://gateway.local/at/ussd?key=k", addr: "gateway.local:80", head: "POST /at/ussd?key=k HTTP/1.1\r\nHost: gateway.local\r\n", ok: true},
		{url: "http://[::1]:8080", addr: "[::1]:8080", head: "POST / HTTP/1.1\r\nHost: [::1]:8080\r\n", ok: true},
		{url: "https://127.0.0.1/ussd"},
		{url: "http://user:pass@127.0.0.1/ussd"},
		{url: "http://[fe80::1%25eth0]:80/ussd"},
		{url: "http://bücher.example/ussd"},
		{url: "http://%zz"},
	}
	for _, tc := range tests {
		got, ok := leanTarget(tc.url)
		if ok != tc.ok || ok && (got.addr != tc.addr || !strings.HasPrefix(got.head, tc.head)) {
			t.Errorf("leanTarget(%q) = %q, %q, %v; want %q, %q…, %v", tc.url, got.addr, got.head, ok, tc.addr, tc.head, tc.ok)
		}
	}
}
