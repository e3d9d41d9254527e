package loadgen

import (
	"net"
	"net/url"
	"strconv"

	"github.com/huduma-connect/huduma/ussd"
)

// target is a plain http:// callback URL as a phone's own client (phoneConn) sends to it. The
// request's head is the same for every hop of the run, so it is formatted once: a hop only
// appends its Content-Length and its form.
type target struct {
	addr string // host:port dialled
	head string // request line, Host, User-Agent, Content-Type, and "Content-Length: "
}

// leanTarget is raw as phoneConn sends to it. ok is false for a URL it leaves to net/http: not
// http://, with a user name (net/http turns it into an Authorization header), or with a host
// that net/http would rewrite (an IPv6 zone, a name that is not plain ASCII).
func leanTarget(raw string) (t target, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Host == "" || !plainHost(u.Host) {
		return target{}, false
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	// The same head as net/http's Request.Write, less Accept-Encoding (the phones have never
	// asked for compression) and with Content-Type before Content-Length.
	head := "POST " + u.RequestURI() + " HTTP/1.1\r\n" +
		"Host: " + u.Host + "\r\n" +
		"User-Agent: " + ussd.SimUserAgent + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: "
	return target{addr: net.JoinHostPort(u.Hostname(), port), head: head}, true
}

// plainHost reports whether a URL's host:port can go into the Host header as it is.
func plainHost(host string) bool {
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// appendRequest appends the whole request for one form body to dst, to be sent with one write.
func (t *target) appendRequest(dst, form []byte) []byte {
	dst = append(dst, t.head...)
	dst = strconv.AppendInt(dst, int64(len(form)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, form...)
}
