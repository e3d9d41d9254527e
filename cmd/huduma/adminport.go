package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"
)

// DefaultAdminAddr is where /metrics and the profiles are served unless configured: loopback,
// so that only the machine itself (a Prometheus agent on it, an operator over SSH) reaches them.
const DefaultAdminAddr = "127.0.0.1:9090"

// startAdmin serves the admin handlers (mux: /metrics, registered by the parts that have
// metrics) and Go's profiles (net/http/pprof under /debug/pprof/) on a listener of its own,
// never on the callback port: metrics tell an outsider the outbox depth and the traffic,
// profiles show the program's insides and a CPU profile costs CPU, so they belong on an
// admin address (loopback, or a private interface) that Africa's Talking and the public
// cannot reach. An empty addr serves nothing.
//
//	go tool pprof -seconds 20 http://127.0.0.1:9090/debug/pprof/profile
//
// stop closes the listener; it may be called more than once.
func startAdmin(addr string, mux *http.ServeMux, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener (HUDUMA_ADMIN_ADDR, /metrics and /debug/pprof/): listen on %s: %w; set another address, or an empty one to turn it off", addr, err)
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// A CPU profile or a trace streams for as long as asked (?seconds=N).
		WriteTimeout: 5 * time.Minute,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin server stopped", "err", err)
		}
	}()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("/metrics and the profiles are served on a non-loopback address; keep it off public networks", "addr", ln.Addr().String())
	} else {
		log.Debug("admin listener: metrics and profiles", "metrics", "http://"+ln.Addr().String()+"/metrics", "pprof", "http://"+ln.Addr().String()+"/debug/pprof/")
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
		})
	}, nil
}
