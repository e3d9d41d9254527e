package ussd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults for the simulator. They match what a Safaricom subscriber dialling
// our shared code through Africa's Talking would send, so a bare `huduma dial`
// exercises the same path as production traffic.
const (
	SimDefaultURL     = "http://127.0.0.1:8080/at/ussd"
	SimDefaultPhone   = "+254712345678"
	SimDefaultCode    = "*384*50#"
	SimDefaultNetwork = "63902"

	// SimUserAgent is what Africa's Talking's USSD gateway sends; servers may
	// log or filter on it, so the simulator must look the same.
	SimUserAgent = "at-ussd-api/1.0"
)

// simHTTPTimeout mirrors Africa's Talking's budget: the aggregator gives up on
// an application after about 15 s, so a slower answer is a failure the
// simulator should surface rather than wait out.
const simHTTPTimeout = 15 * time.Second

// SimMaxBody bounds how much of an answer a hop reads: a real USSD screen is
// at most 182 characters, anything vastly bigger is a misrouted page. It is
// exported so a client of its own (the load generator's) reads what Hop reads.
const SimMaxBody = 64 << 10

// simScreenLimit is the hard screen size the gateway promises to respect
// (see docs/africastalking.md); the simulator flags screens beyond it because
// a handset would truncate or reject them.
const simScreenLimit = 182

// Simulator plays the part of Africa's Talking and a handset at once: it
// sends the same form POSTs the aggregator sends, one per hop, so a developer
// (or a load generator) can drive a running server without a phone or the AT
// sandbox. Empty fields fall back to the SimDefault* values.
type Simulator struct {
	URL, Phone, Code, Network string
	HTTP                      *http.Client
}

// Run drives one USSD session: it dials, shows each screen framed like a phone
// display, and answers every CON screen with one line read from in. It stops
// cleanly (nil error) on an END screen or when in reaches EOF — the latter is
// the terminal equivalent of the user cancelling the session on the handset.
// It returns ctx.Err() if ctx ends while waiting for the user.
func (s *Simulator) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	sessionID, err := NewSimSessionID()
	if err != nil {
		return err
	}

	// Read input on its own goroutine so a cancelled ctx (Ctrl-C) ends the
	// session even while the user has not pressed Enter. If in never returns
	// (a terminal) that goroutine stays blocked until the process exits, which
	// is acceptable for a command-line tool.
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr <- sc.Err() // nil on EOF
	}()

	// A terminal echoes what the user types; piped input (a script, a test)
	// does not, so echo it ourselves to keep the transcript readable.
	echo := !simIsTerminal(in)

	var inputs []string
	for {
		text := strings.Join(inputs, "*")
		reply, end, err := s.Hop(ctx, sessionID, text)
		if err != nil {
			return err
		}
		simPrintScreen(out, reply, end)
		if end {
			return nil
		}

		if _, err := io.WriteString(out, "> "); err != nil {
			return fmt.Errorf("ussd simulator: write prompt: %w", err)
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(out)
			return ctx.Err()
		case err := <-readErr:
			// The user walked away mid-session; Africa's Talking would time
			// the session out, and there is nothing more to send.
			fmt.Fprintln(out)
			if err != nil {
				return fmt.Errorf("ussd simulator: read input: %w", err)
			}
			return nil
		case line := <-lines:
			line = strings.TrimSpace(line)
			if echo {
				fmt.Fprintln(out, line)
			}
			inputs = append(inputs, line)
		}
	}
}

// Hop sends one USSD request exactly as Africa's Talking does and returns the
// screen text without its "CON "/"END " marker, and whether the server ended
// the session. text is the whole session's input so far joined by "*" (empty
// on the first hop); sessionID must stay the same for every hop of a session,
// since that is how the server finds its state. It is exported so a load
// generator can drive many sessions without the terminal loop; one with an
// HTTP client of its own sends AppendForm's body and judges the answer with
// Answer, SendError and ReadError, so its hops end exactly as Hop's do.
func (s *Simulator) Hop(ctx context.Context, sessionID, text string) (reply string, end bool, err error) {
	target := simOr(s.URL, SimDefaultURL)
	form := s.AppendForm(nil, sessionID, text)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(form))
	if err != nil {
		return "", false, fmt.Errorf("ussd hop: build request for %s: %w", simRedact(target), err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", SimUserAgent)

	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: simHTTPTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", false, s.SendError(err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(io.LimitReader(resp.Body, SimMaxBody))
	if err != nil {
		return "", false, s.ReadError(err)
	}
	return s.Answer(resp.StatusCode, resp.Status, raw)
}

// AppendForm appends a hop's form body to dst, byte for byte what
// url.Values.Encode makes of Hop's form (keys sorted, values query-escaped).
// It allocates nothing beyond dst, so a load generator can encode every hop
// into one buffer it keeps.
func (s *Simulator) AppendForm(dst []byte, sessionID, text string) []byte {
	dst = append(dst, "networkCode="...)
	dst = simAppendEscaped(dst, simOr(s.Network, SimDefaultNetwork))
	dst = append(dst, "&phoneNumber="...)
	dst = simAppendEscaped(dst, simOr(s.Phone, SimDefaultPhone))
	dst = append(dst, "&serviceCode="...)
	dst = simAppendEscaped(dst, simOr(s.Code, SimDefaultCode))
	dst = append(dst, "&sessionId="...)
	dst = simAppendEscaped(dst, sessionID)
	dst = append(dst, "&text="...)
	return simAppendEscaped(dst, text)
}

// Answer is what Hop makes of an answer that arrived: code and status are its
// HTTP status (status as http.Response.Status, e.g. "500 Internal Server
// Error", and shown only when code is not 200), raw its body cut at
// SimMaxBody. Anything but a 200 whose body starts with CON or END is an error.
func (s *Simulator) Answer(code int, status string, raw []byte) (reply string, end bool, err error) {
	target := simOr(s.URL, SimDefaultURL)
	body := string(raw)
	if code != http.StatusOK {
		return "", false, fmt.Errorf("ussd hop: %s answered %s: %q", simRedact(target), status, simSnippet(body))
	}

	// Africa's Talking accepts only "CON …" or "END …"; anything else ends
	// the session with an error on the handset, so it is an error here too.
	switch {
	case simHasMarker(body, "CON"):
		return simStripMarker(body), false, nil
	case simHasMarker(body, "END"):
		return simStripMarker(body), true, nil
	default:
		return "", false, fmt.Errorf("ussd hop: %s answered neither CON nor END: %q", simRedact(target), simSnippet(body))
	}
}

// SendError is Hop's error for a request that got no answer (refused, reset,
// timed out).
func (s *Simulator) SendError(err error) error {
	// *url.Error prints the full URL, which may carry the callback key;
	// say where we went without it.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Errorf("ussd hop: POST %s: %w", simRedact(simOr(s.URL, SimDefaultURL)), err)
}

// ReadError is Hop's error for an answer whose body could not be read to its
// end (or to SimMaxBody).
func (s *Simulator) ReadError(err error) error {
	return fmt.Errorf("ussd hop: read answer from %s: %w", simRedact(simOr(s.URL, SimDefaultURL)), err)
}

// simAppendEscaped appends v escaped as url.QueryEscape does: letters, digits
// and "-_.~" as they are, a space as "+", every other byte as %XX.
func simAppendEscaped(dst []byte, v string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// NewSimSessionID returns a session id shaped like Africa's Talking's
// ("ATUid_" + hex). It is random so sessions from several simulators (or a
// load generator) never share server-side state.
func NewSimSessionID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("ussd simulator: session id: %w", err)
	}
	return "ATUid_" + hex.EncodeToString(b[:]), nil
}

// simHasMarker reports whether body starts with the marker as a whole word:
// "CON Menu" and a bare "END" qualify, "CONTINUE" does not.
func simHasMarker(body, marker string) bool {
	if !strings.HasPrefix(body, marker) {
		return false
	}
	rest := body[len(marker):]
	return rest == "" || rest[0] == ' ' || rest[0] == '\n' || rest[0] == '\r'
}

// simStripMarker drops the three-letter marker and the one separator after it,
// keeping the screen exactly as the handset would show it.
func simStripMarker(body string) string {
	rest := body[3:]
	if strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\n") {
		rest = rest[1:]
	} else if strings.HasPrefix(rest, "\r\n") {
		rest = rest[2:]
	}
	return strings.TrimRight(rest, "\r\n")
}

// simPrintScreen frames a screen with dashes so it reads like a handset
// display, and warns when it is longer than a handset would accept — the
// simulator is where such a screen should be caught, not in the field.
func simPrintScreen(out io.Writer, screen string, end bool) {
	lines := strings.Split(strings.ReplaceAll(screen, "\r\n", "\n"), "\n")
	width := 24
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > width {
			width = n
		}
	}
	border := strings.Repeat("-", width)
	var b strings.Builder
	b.WriteString(border + "\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString(border + "\n")
	if n := utf8.RuneCountInString(screen); n > simScreenLimit {
		fmt.Fprintf(&b, "! screen is %d characters; the limit is %d\n", n, simScreenLimit)
	}
	if end {
		b.WriteString("(session ended)\n")
	}
	io.WriteString(out, b.String())
}

// simIsTerminal reports whether r is an interactive terminal (a character
// device such as os.Stdin at a prompt).
func simIsTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Stat() (os.FileInfo, error) })
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// simRedact hides the callback key in a URL we print: error messages end up
// in terminals, logs and bug reports.
func simRedact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	if q.Has("key") {
		q.Set("key", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// simSnippet keeps error messages readable when a server answers with a whole
// HTML error page.
func simSnippet(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func simOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
