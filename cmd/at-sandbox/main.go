// Command at-sandbox runs a local stand-in for Africa's Talking: point the gateway's
// Africa's Talking address at it (HUDUMA_AT_API_URL=http://127.0.0.1:8090) and it accepts
// SMS and calls as Africa's Talking does, shows what was sent at http://127.0.0.1:8090/,
// posts delivery reports back to the gateway, forwards texts "sent to the shortcode" from
// its page, and fails on request (-fail-rate, -timeout-rate, ...). See package atsandbox.
//
//	go run ./cmd/at-sandbox [flags]
//	curl -X POST 127.0.0.1:8090/queued -d phoneNumber=+254711082000 -d queueName=agents-sw -d numCalls=3
//
// The second line makes the agents' queue status (GET /api/v1/voice/queues) show three
// callers waiting in the Kiswahili queue.
//
// Every flag can also be set by the environment variable shown by -h.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/huduma-connect/huduma/sms/atsandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.LookupEnv, nil)
	var u *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &u):
		fmt.Fprintf(os.Stderr, "at-sandbox: %v\nRun 'at-sandbox -h' to see how to use it.\n", err)
		stop()
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "at-sandbox:", err)
		stop()
		os.Exit(1)
	}
}

// run serves the sandbox until ctx ends. ready, if not nil, gets the address it listens on.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), ready chan<- string) error {
	cfg, err := parseConfig(args, lookupEnv)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: %w", cfg.LogLevel, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	sc := cfg.sandboxConfig()
	sc.Logger = log
	sb, err := atsandbox.New(sc)
	if err != nil {
		return err
	}
	defer sb.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	addr := "http://" + ln.Addr().String()
	log.Info("Africa's Talking sandbox listening",
		"page", addr+"/", "gateway", "HUDUMA_AT_API_URL="+addr,
		"username", cfg.Username, "delivery_url", cfg.DeliveryURL, "inbound_url", cfg.InboundURL)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sb.Close() // release requests held by the timeout fault before waiting for them
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
