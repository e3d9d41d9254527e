package atsandbox

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Faults makes the sandbox misbehave the ways Africa's Talking can, each as a share of
// requests (0 never, 1 always), so the gateway's retry paths can be exercised.
type Faults struct {
	FailRate          float64 `json:"failRate"`          // requests answered HTTP 500
	TimeoutRate       float64 `json:"timeoutRate"`       // requests left hanging past the client's timeout
	RecipientFailRate float64 `json:"recipientFailRate"` // recipients refused with statusCode 500
	DeliveryFailRate  float64 `json:"deliveryFailRate"`  // accepted messages whose report says Failed
}

func (f Faults) validate() error {
	for name, v := range map[string]float64{"fail rate": f.FailRate, "timeout rate": f.TimeoutRate,
		"recipient fail rate": f.RecipientFailRate, "delivery fail rate": f.DeliveryFailRate} {
		if v < 0 || v > 1 || v != v {
			return fmt.Errorf("%s %v is not between 0 and 1", name, v)
		}
	}
	return nil
}

// Config is what New needs. Only Username and APIKey are required.
type Config struct {
	Username string // the username requests must carry
	APIKey   string // the apiKey header requests must carry
	// DeliveryURL gets a delivery report for every accepted message; empty sends none.
	DeliveryURL string
	// InboundURL gets the messages POSTed to /inbound, as Africa's Talking forwards texts to
	// our shortcode; empty makes /inbound refuse.
	InboundURL string
	// Shortcode is the number inbound messages were sent to. Default "40404".
	Shortcode string
	// SenderIDs, when set, are the only "from" values accepted; any other gets Africa's
	// Talking's InvalidSenderId answer (201 with no recipients).
	SenderIDs []string
	Faults
	// Hang is how long a request chosen to time out is held (it ends early when the client
	// gives up or the sandbox closes). Default 2 minutes.
	Hang time.Duration
	// DeliveryDelay is how long after sending a delivery report is posted. Default 1s.
	DeliveryDelay time.Duration
	// Latency is how long every API request waits before it is answered, as the real API
	// does from across the network (some 100-300 ms from Nairobi). Default 0.
	Latency time.Duration
	// Seed makes the fault dice repeatable; 0 draws a random seed.
	Seed uint64
	// HTTP posts the callbacks; nil means a client with a 10-second timeout that keeps
	// its connections to the gateway (callbackTransport).
	HTTP   *http.Client
	Logger *slog.Logger // nil means slog.Default()
	// MaxKept bounds the messages and calls kept in memory. Default 1000.
	MaxKept int
}

// Server is the sandbox, an http.Handler. Close it to stop the delivery reports it still
// has to post.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	store  store
	log    *slog.Logger
	hc     *http.Client
	ctx    context.Context // cancelled by Close: stops reports and releases hung requests
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards faults, rng, queued and closed
	closed bool
	faults Faults
	rng    *rand.Rand
	queued map[string]map[string]int // our number → queue name → callers waiting
}

// New checks cfg and builds a sandbox.
func New(cfg Config) (*Server, error) {
	if cfg.Username == "" || cfg.APIKey == "" {
		return nil, errors.New("atsandbox: a username and an API key are required")
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, fmt.Errorf("atsandbox: %w", err)
	}
	for name, u := range map[string]string{"delivery URL": cfg.DeliveryURL, "inbound URL": cfg.InboundURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("atsandbox: %s %q is not an http(s) URL", name, u)
		}
	}
	if cfg.Shortcode == "" {
		cfg.Shortcode = "40404"
	}
	if cfg.Hang <= 0 {
		cfg.Hang = 2 * time.Minute
	}
	if cfg.DeliveryDelay < 0 {
		cfg.DeliveryDelay = 0
	} else if cfg.DeliveryDelay == 0 {
		cfg.DeliveryDelay = time.Second
	}
	if cfg.MaxKept <= 0 {
		cfg.MaxKept = 1000
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Server{
		cfg:    cfg,
		mux:    http.NewServeMux(),
		store:  store{max: cfg.MaxKept},
		log:    cfg.Logger,
		hc:     cfg.HTTP,
		faults: cfg.Faults,
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		queued: map[string]map[string]int{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second, Transport: callbackTransport()}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST /version1/messaging", s.api(s.handleMessaging))
	s.mux.HandleFunc("POST /call", s.api(s.handleCall))
	s.mux.HandleFunc("POST /queueStatus", s.api(s.handleQueueStatus))
	s.mux.HandleFunc("POST /inbound", s.handleInbound)
	s.mux.HandleFunc("GET /messages", s.handleMessages)
	s.mux.HandleFunc("DELETE /messages", s.handleReset)
	s.mux.HandleFunc("GET /calls", s.handleCalls)
	s.mux.HandleFunc("GET /faults", s.handleGetFaults)
	s.mux.HandleFunc("POST /faults", s.handleSetFaults)
	s.mux.HandleFunc("POST /queued", s.handleSetQueued)
	s.mux.HandleFunc("GET /{$}", s.handlePage)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases hung requests and waits for the delivery reports in flight to give up.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// track counts a background task Close must wait for; false once closed.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Messages lists what the sandbox handled, newest first.
func (s *Server) Messages() []Message { return s.store.list() }

// Calls lists the calls placed, newest first.
func (s *Server) Calls() []Call { return s.store.listCalls() }

// Reset forgets every message and call.
func (s *Server) Reset() { s.store.reset() }

// Faults are the failure shares in force.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetFaults changes the failure shares while the sandbox runs.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	return nil
}

// SetQueued sets how many callers /queueStatus reports waiting on one of our numbers,
// without a queue name.
func (s *Server) SetQueued(phoneNumber string, n int) { s.SetQueuedIn(phoneNumber, "", n) }

// SetQueuedIn sets how many callers /queueStatus reports waiting in one named queue
// ("agents-sw") of one of our numbers.
func (s *Server) SetQueuedIn(phoneNumber, queueName string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queued[phoneNumber] == nil {
		s.queued[phoneNumber] = map[string]int{}
	}
	s.queued[phoneNumber][queueName] = n
}

// roll is true with probability p.
func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

// maxForm bounds an API request's body, as a real API would.
const maxForm = 1 << 20

// api wraps an Africa's Talking endpoint: read the form, check the credentials as Africa's
// Talking does (401 with a plain-text body), then play the configured faults.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Could not read the request form", http.StatusBadRequest)
			return
		}
		user := r.PostForm.Get("username")
		key := r.Header.Get("apiKey")
		if user != s.cfg.Username || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey)) != 1 {
			s.log.Warn("atsandbox refused credentials", "path", r.URL.Path, "username", user)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("The supplied authentication is invalid"))
			return
		}
		if s.cfg.Latency > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-s.ctx.Done():
				return
			case <-time.After(s.cfg.Latency):
			}
		}
		f := s.Faults()
		if s.roll(f.TimeoutRate) {
			s.log.Info("atsandbox hanging a request (timeout fault)", "path", r.URL.Path)
			select {
			case <-r.Context().Done():
			case <-s.ctx.Done():
			case <-time.After(s.cfg.Hang):
			}
			http.Error(w, "Gateway Timeout", http.StatusGatewayTimeout)
			return
		}
		if s.roll(f.FailRate) {
			s.log.Info("atsandbox failing a request (fail fault)", "path", r.URL.Path)
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		h(w, r)
	}
}

// callbackTransport is Go's default transport keeping 64 idle connections to the gateway
// rather than 2: a drain of a thousand messages a second brings as many delivery reports,
// and with 2 kept each report past the second opened (and closed) a connection of its own,
// which cost the sandbox and the gateway more than the reports themselves.
func callbackTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.MaxIdleConns = max(t.MaxIdleConns, 64)
	return t
}
