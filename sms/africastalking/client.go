package africastalking

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Africa's Talking's endpoints. The SMS API has a sandbox; voice has none.
const (
	SandboxURL   = "https://api.sandbox.africastalking.com"
	LiveURL      = "https://api.africastalking.com"
	VoiceLiveURL = "https://voice.africastalking.com"
)

// DefaultTimeout bounds a request when Config.HTTP is nil. Africa's Talking usually answers
// in well under a second; a request still open after this is treated as retryable.
const DefaultTimeout = 15 * time.Second

// maxBody bounds how much of a response is read: a send to a few recipients is a few KB.
const maxBody = 1 << 20

// Config is what New needs.
type Config struct {
	Username string // the application's username; "sandbox" in the sandbox
	APIKey   string
	// BaseURL replaces the SMS API's address, for tests and our local stand-in (cmd/at-sandbox).
	// Empty means SandboxURL for the username "sandbox" and LiveURL otherwise.
	BaseURL string
	// VoiceURL replaces the voice API's address. Empty means BaseURL when BaseURL was given
	// (so one setting points everything at the stand-in) and VoiceLiveURL otherwise.
	VoiceURL string
	// HTTP sends the requests; nil means a client with DefaultTimeout. Redirects are never
	// followed whatever the client says, so the apiKey header is never replayed to another
	// host.
	HTTP   *http.Client
	Logger *slog.Logger // nil means slog.Default()
}

// Client talks to Africa's Talking. It is safe for concurrent use.
type Client struct {
	username string
	apiKey   string
	smsURL   string
	voiceURL string
	http     *http.Client
	log      *slog.Logger
}

// New builds a Client. It does not contact Africa's Talking.
func New(cfg Config) *Client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	voice := strings.TrimRight(cfg.VoiceURL, "/")
	switch {
	case voice != "":
	case base != "":
		voice = base
	default:
		voice = VoiceLiveURL
	}
	if base == "" {
		base = LiveURL
		if cfg.Username == "sandbox" {
			base = SandboxURL
		}
	}
	hc := &http.Client{Timeout: DefaultTimeout}
	if cfg.HTTP != nil {
		copied := *cfg.HTTP
		hc = &copied
	}
	if hc.Transport == nil {
		hc.Transport = newTransport()
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{username: cfg.Username, apiKey: cfg.APIKey, smsURL: base, voiceURL: voice, http: hc, log: log}
}

// IdleConnsPerHost is how many idle connections to Africa's Talking the client keeps. Go's
// default transport keeps 2, so the outbox's concurrent sends would open (and leave in
// TIME_WAIT) a new connection for nearly every message while draining a backlog.
const IdleConnsPerHost = 64

// newTransport is Go's default transport keeping IdleConnsPerHost idle connections a host.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, 2*IdleConnsPerHost)
	return t
}

// post sends a form and returns the body of a 2xx answer. Anything else is an *Error of the
// right kind. The request itself is never formatted into an error or a log, because its
// header holds the key.
func (c *Client) post(ctx context.Context, op, endpoint string, form url.Values) (int, []byte, error) {
	form.Set("username", c.username)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, c.newError(op, ErrPermanent, 0, "bad endpoint", err)
	}
	req.Header.Set("apiKey", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "huduma-gateway")
	resp, err := c.http.Do(req)
	if err != nil {
		// Timeouts, refused and reset connections, DNS failures and a cancelled context all
		// leave the outcome unknown or the request unsent: retry later.
		return 0, nil, c.newError(op, ErrRetryable, 0, "no answer", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, nil, c.newError(op, ErrRetryable, resp.StatusCode, fmt.Sprintf("HTTP %d, body cut off", resp.StatusCode), err)
	}
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return code, body, nil
	case code == http.StatusUnauthorized:
		return code, nil, c.newError(op, ErrUnauthorized, code, "HTTP 401: "+excerpt(body), nil)
	case code >= 500, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return code, nil, c.newError(op, ErrRetryable, code, fmt.Sprintf("HTTP %d: %s", code, excerpt(body)), nil)
	case code >= 300 && code < 400:
		return code, nil, c.newError(op, ErrPermanent, code, fmt.Sprintf("HTTP %d redirect to %q (check the API address)", code, resp.Header.Get("Location")), nil)
	default:
		return code, nil, c.newError(op, ErrPermanent, code, fmt.Sprintf("HTTP %d: %s", code, excerpt(body)), nil)
	}
}

// badResponse is a 2xx answer we cannot read. It is classed retryable: such answers come
// from proxies and captive portals in front of the API more often than from the API itself.
func (c *Client) badResponse(op string, status int, body []byte, err error) error {
	return c.newError(op, ErrRetryable, status, fmt.Sprintf("HTTP %d, unreadable answer %s", status, excerpt(body)), err)
}
