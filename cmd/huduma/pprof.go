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

// startPprof serves Go's profiles (net/http/pprof under /debug/pprof/) on a listener of its
// own, never on the callback port: profiles show the program's insides and a CPU profile
// costs CPU, so they belong on an admin address (loopback, or a private interface) that
// Africa's Talking and the public cannot reach. An empty addr serves nothing.
//
//	go tool pprof -seconds 20 http://127.0.0.1:6060/debug/pprof/profile
//
// stop closes the listener; it may be called more than once.
func startPprof(addr string, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
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
			log.Error("pprof server stopped", "err", err)
		}
	}()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("pprof is served on a non-loopback address; keep it off public networks", "addr", ln.Addr().String())
	} else {
		log.Info("pprof is served", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
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
