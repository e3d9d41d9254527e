package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/huduma-connect/huduma/ussd"
)

// answer is as much of an HTTP/1.x answer as a hop needs. Reading only this, with no header
// map and no body reader, is most of what phoneConn saves over net/http.
type answer struct {
	code int
	// status is the code and reason as http.Response.Status has them ("500 Internal Server
	// Error"); only filled in for a code other than 200, the only case that shows it.
	status string
	// body is at most ussd.SimMaxBody bytes of the body, the part Simulator.Hop reads.
	body []byte
	// last says the connection cannot carry another request: the server said so, the body
	// ended with the connection, or more of it was left unread than was wanted.
	last bool
}

// readAnswer reads one answer from br, appending its body to body. got says whether any of it
// arrived; when not, the server closed (or reset) the connection without answering, and the
// request may be sent again.
func readAnswer(br *bufio.Reader, body []byte) (a answer, got bool, err error) {
	a.body = body
	h, got, err := readHead(br)
	// An interim answer (100 Continue, 103 Early Hints) comes before the real one; net/http
	// reads past it, and so does a hop.
	for err == nil && h.code/100 == 1 && h.code != 101 {
		h, _, err = readHead(br)
	}
	if err != nil {
		return a, got, err
	}
	// Only an answer whose head was read whole is one (as for http.ReadResponse).
	a.code, a.status, a.last = h.code, h.status, h.last

	whole := true
	switch {
	case h.code/100 == 1 || h.code == 204 || h.code == 304:
		// No body, whatever the headers say (as net/http reads it).
		a.last = a.last || h.code == 101
	case h.chunked:
		a.body, whole, err = readChunked(br, a.body)
	case h.length >= 0:
		a.body, err = readFull(br, a.body, min(h.length, ussd.SimMaxBody))
		whole = h.length <= ussd.SimMaxBody
	default:
		// Neither a length nor chunks: the body ends with the connection.
		a.body, err = readToEOF(br, a.body)
		a.last = true
	}
	if err != nil {
		// Left bare: Simulator.ReadError says it was the answer's body, as for Hop.
		return a, true, err
	}
	a.last = a.last || !whole
	return a, true, nil
}

// head is an answer's status line and what its headers say about the body and the connection.
type head struct {
	code    int
	status  string // as answer.status
	length  int64  // Content-Length; -1 when not given
	chunked bool
	last    bool // Connection: close, or HTTP/1.0 without keep-alive
}

// readHead reads a status line and the headers after it, keeping only those a hop needs. got
// says whether any byte of it arrived.
func readHead(br *bufio.Reader) (h head, got bool, err error) {
	line, err := readLine(br)
	if len(line) == 0 && err != nil {
		return h, false, fmt.Errorf("read status line: %w", err)
	}
	if err != nil {
		return h, true, fmt.Errorf("read status line: %w", unexpectedEOF(err))
	}
	code, status, http10, err := parseStatusLine(line)
	if err != nil {
		return h, true, err
	}
	if code != 200 {
		h.status = string(status) // copied now: status points into br's buffer
	}

	h.length = -1
	closes, keepAlive := false, false
	for {
		line, err := readLine(br)
		if err != nil {
			return h, true, fmt.Errorf("read header: %w", unexpectedEOF(err))
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return h, true, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.Trim(value, " \t")
		switch {
		case headerIs(name, "content-length"):
			n, ok := parseDecimal(value)
			if !ok || h.length >= 0 && n != h.length {
				return h, true, fmt.Errorf("bad Content-Length %q", value)
			}
			h.length = n
		case headerIs(name, "transfer-encoding"):
			if !headerIs(value, "chunked") {
				return h, true, fmt.Errorf("unsupported Transfer-Encoding %q", value)
			}
			h.chunked = true
		case headerIs(name, "connection"):
			closes = closes || hasToken(value, "close")
			keepAlive = keepAlive || hasToken(value, "keep-alive")
		}
	}
	h.code = code
	h.last = closes || http10 && !keepAlive
	return h, true, nil
}

// parseStatusLine takes "HTTP/1.1 200 OK" apart as http.ReadResponse does: status is what
// follows the version ("200 OK").
func parseStatusLine(line []byte) (code int, status []byte, http10 bool, err error) {
	proto, status, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return 0, nil, false, fmt.Errorf("malformed HTTP response %q", line)
	}
	if len(proto) != 8 || string(proto[:7]) != "HTTP/1." || proto[7] < '0' || proto[7] > '9' {
		return 0, nil, false, fmt.Errorf("unsupported HTTP version %q", proto)
	}
	status = bytes.TrimLeft(status, " ")
	digits, _, _ := bytes.Cut(status, []byte(" "))
	n, ok := parseDecimal(digits)
	if len(digits) != 3 || !ok {
		return 0, nil, false, fmt.Errorf("malformed HTTP status code %q", digits)
	}
	return int(n), status, proto[7] == '0', nil
}

// readChunked reads a chunked body to its end, trailers included, keeping at most
// ussd.SimMaxBody bytes of it; whole is false when it stopped there with chunks left unread.
func readChunked(br *bufio.Reader, body []byte) (_ []byte, whole bool, err error) {
	for {
		line, err := readLine(br)
		if err != nil {
			return body, false, fmt.Errorf("read chunk size: %w", unexpectedEOF(err))
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return body, false, fmt.Errorf("malformed chunk size %q", line)
		}
		if size == 0 {
			return body, true, skipTrailer(br)
		}
		keep := min(size, int64(ussd.SimMaxBody-len(body)))
		if body, err = readFull(br, body, keep); err != nil {
			return body, false, err
		}
		if keep < size {
			return body, false, nil
		}
		if line, err = readLine(br); err != nil {
			return body, false, fmt.Errorf("read chunk end: %w", unexpectedEOF(err))
		}
		if len(line) != 0 {
			return body, false, fmt.Errorf("chunk followed by %q, not CRLF", line)
		}
	}
}

// parseChunkSize reads the hex size at the start of a chunk line, before any extension.
func parseChunkSize(line []byte) (int64, bool) {
	line, _, _ = bytes.Cut(line, []byte(";"))
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		switch {
		case '0' <= c && c <= '9':
			n = n<<4 | int64(c-'0')
		case 'a' <= c && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// skipTrailer reads the trailer fields after the last chunk, up to the empty line.
func skipTrailer(br *bufio.Reader) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return fmt.Errorf("read trailer: %w", unexpectedEOF(err))
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// readFull appends the next n bytes of br to body.
func readFull(br *bufio.Reader, body []byte, n int64) ([]byte, error) {
	start := len(body)
	body = grow(body, int(n))
	if _, err := io.ReadFull(br, body[start:]); err != nil {
		return body[:start], unexpectedEOF(err)
	}
	return body, nil
}

// readToEOF appends what br holds until the server closes, at most ussd.SimMaxBody bytes.
func readToEOF(br *bufio.Reader, body []byte) ([]byte, error) {
	for len(body) < ussd.SimMaxBody {
		n := len(body)
		body = grow(body, min(4096, ussd.SimMaxBody-n))
		m, err := br.Read(body[n:])
		body = body[:n+m]
		if errors.Is(err, io.EOF) {
			return body, nil
		}
		if err != nil {
			return body, err
		}
	}
	return body, nil
}

// grow extends b by n bytes, reusing its array when it is big enough.
func grow(b []byte, n int) []byte {
	if len(b)+n <= cap(b) {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, max(2*cap(b), len(b)+n, 512))
	copy(nb, b)
	return nb
}

// readLine reads one line without its CRLF (or bare LF); the line is valid until br's next
// read. A line longer than br's buffer (a big cookie) keeps its beginning, enough for any
// header a hop reads, and the rest is skipped.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		line = append([]byte(nil), line...) // the skip below overwrites br's buffer
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		line = append(line, '\n')
	}
	if err != nil {
		return line, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// headerIs compares a header name or token with lower-case want, ignoring ASCII case.
func headerIs(b []byte, want string) bool {
	if len(b) != len(want) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether a comma-separated header value holds token (lower case).
func hasToken(value []byte, token string) bool {
	for len(value) > 0 {
		var item []byte
		item, value, _ = bytes.Cut(value, []byte(","))
		if headerIs(bytes.Trim(item, " \t"), token) {
			return true
		}
	}
	return false
}

// parseDecimal reads a non-negative decimal number of at most 18 digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// unexpectedEOF is io.ErrUnexpectedEOF for an answer cut short, as net/http reports it.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
