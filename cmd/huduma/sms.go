package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/console/web"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/delivery"
	"github.com/huduma-connect/huduma/sms/outbox"
	"github.com/huduma-connect/huduma/sms/templates"
)

// smsConfig is the SMS channel's settings, read from the environment.
type smsConfig struct {
	Username string // HUDUMA_AT_USERNAME: the Africa's Talking application's username
	APIKey   string // HUDUMA_AT_API_KEY: never logged, never in an error
	APIURL   string // HUDUMA_AT_API_URL: empty means Africa's Talking (its sandbox for "sandbox")
	Sender   string // HUDUMA_SMS_SENDER: sender ID or shortcode; empty is the account's default
	Rate     float64
	Workers  int
	// AckExpiry (HUDUMA_SMS_ACK_EXPIRY) is how long an acknowledgement stays worth sending
	// while Africa's Talking cannot be reached; 0 is crm.DefaultAcknowledgementExpiry.
	AckExpiry time.Duration
	// DigestAfter and DigestWindow (HUDUMA_SMS_DIGEST, "3/15m"): a member of staff sent
	// more than DigestAfter alerts in DigestWindow gets the rest as one digest.
	DigestAfter  int
	DigestWindow time.Duration
}

// smsDrainTimeout bounds how long shutting down waits for the sends in flight to finish and
// be recorded.
const smsDrainTimeout = 30 * time.Second

// readSMSConfig reads the SMS settings from the environment. A malformed value is an error
// naming its variable, as for every other setting.
func readSMSConfig() (smsConfig, error) {
	c := smsConfig{
		Username: strings.TrimSpace(os.Getenv("HUDUMA_AT_USERNAME")),
		APIKey:   strings.TrimSpace(os.Getenv("HUDUMA_AT_API_KEY")),
		APIURL:   strings.TrimSpace(os.Getenv("HUDUMA_AT_API_URL")),
		Sender:   strings.TrimSpace(os.Getenv("HUDUMA_SMS_SENDER")),
		Workers:  4,
	}
	var errs []error
	if raw := strings.TrimSpace(os.Getenv("HUDUMA_SMS_RATE")); raw != "" {
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || v < 0 || v != v || v > 1e6 {
			errs = append(errs, fmt.Errorf("HUDUMA_SMS_RATE=%q: want messages per second, 0 for no limit", raw))
		}
		c.Rate = v
	}
	if raw := strings.TrimSpace(os.Getenv("HUDUMA_SMS_WORKERS")); raw != "" {
		v, err := strconv.Atoi(raw)
		if err != nil || v < 1 || v > 256 {
			errs = append(errs, fmt.Errorf("HUDUMA_SMS_WORKERS=%q: want a number of sending goroutines from 1 to 256", raw))
		}
		c.Workers = v
	}
	if raw := strings.TrimSpace(os.Getenv("HUDUMA_SMS_ACK_EXPIRY")); raw != "" {
		v, err := time.ParseDuration(raw)
		if err == nil {
			err = crm.ExpiryPolicy{Acknowledgement: v}.Check()
		}
		if err != nil || v == 0 {
			errs = append(errs, fmt.Errorf("HUDUMA_SMS_ACK_EXPIRY=%q: want a duration from 1h to %v, e.g. 96h", raw, crm.MaxAcknowledgementExpiry))
		}
		c.AckExpiry = v
	}
	if raw := strings.TrimSpace(os.Getenv("HUDUMA_SMS_DIGEST")); raw != "" {
		n, w, ok := strings.Cut(raw, "/")
		after, err1 := strconv.Atoi(strings.TrimSpace(n))
		window, err2 := time.ParseDuration(strings.TrimSpace(w))
		if !ok || err1 != nil || err2 != nil || after < 1 || after > 1000 || window < time.Minute || window > 24*time.Hour {
			errs = append(errs, fmt.Errorf("HUDUMA_SMS_DIGEST=%q: want alerts/window, e.g. 3/15m (1 to 1000 alerts, a window from 1m to 24h)", raw))
		}
		c.DigestAfter, c.DigestWindow = after, window
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("HUDUMA_AT_API_URL=%q: want an http(s) URL", redactURL(c.APIURL)))
		}
	}
	switch {
	case c.Username != "" && c.APIKey == "":
		errs = append(errs, errors.New("HUDUMA_AT_USERNAME is set but HUDUMA_AT_API_KEY is not"))
	case c.Username == "" && c.APIKey != "":
		errs = append(errs, errors.New("HUDUMA_AT_API_KEY is set but HUDUMA_AT_USERNAME is not"))
	}
	return c, errors.Join(errs...)
}

// apiHost names the API the client talks to, for the start-up log: scheme and host only.
func (c smsConfig) apiHost() string {
	raw := c.APIURL
	if raw == "" {
		raw = africastalking.LiveURL
		if c.Username == "sandbox" {
			raw = africastalking.SandboxURL
		}
	}
	if u, err := url.Parse(raw); err == nil {
		return u.Scheme + "://" + u.Host
	}
	return redactURL(raw)
}

// startSMS mounts the SMS routes (delivery reports; /metrics on the admin listener) and, when
// Africa's Talking credentials are set, starts the outbox worker. The worker stops when ctx
// ends or the gateway closes, finishing and recording the sends in flight first. Call it
// before the app starts listening.
func startSMS(ctx context.Context, cfg config, gw *gateway, log *slog.Logger) error {
	sc, err := readSMSConfig()
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return fmt.Errorf("timezone %q: %w", cfg.Timezone, err)
	}
	tmpl, err := templates.Load()
	if err != nil {
		return err
	}
	tmpl = tmpl.In(loc).WithUSSDCode(cfg.USSDCode)
	metrics := outbox.NewMetrics()
	registerHopMetrics(metrics.Registry(), gw.admission)
	gw.conns.register(metrics.Registry())
	registerCallbackMetrics(metrics.Registry(), gw.guard)
	gw.admin.Handle("/metrics", metrics.Handler())
	delivery.New(gw.store, delivery.Config{Logger: log, Registerer: metrics.Registry(), Now: gw.desk.Now}).Mount(gw.app)

	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	gw.closers = append(gw.closers, func() {
		// Closers run in reverse order, so this runs before the store closes.
		cancel()
		select {
		case <-done:
		case <-time.After(smsDrainTimeout):
			log.Warn("SMS worker still busy at shutdown; rows it holds go out after their lease")
		}
	})
	if sc.Username == "" {
		gw.notes = append(gw.notes, "SMS:           messages stay queued until HUDUMA_AT_USERNAME and HUDUMA_AT_API_KEY are set")
		go func() {
			defer close(done)
			metrics.WatchDepth(ctx, gw.store, 15*time.Second, log)
		}()
		return nil
	}
	client := africastalking.New(africastalking.Config{
		Username: sc.Username, APIKey: sc.APIKey, BaseURL: sc.APIURL, Logger: log,
	})
	w := outbox.New(gw.store, client, tmpl, gw.desk.Catalog, outbox.Config{
		Workers: sc.Workers, Rate: sc.Rate, From: sc.Sender, Location: loc, Logger: log, Metrics: metrics,
		Now: gw.desk.Now, Expiry: crm.ExpiryPolicy{Acknowledgement: sc.AckExpiry, Location: loc},
		DigestAfter: sc.DigestAfter, DigestWindow: sc.DigestWindow, ConsoleURL: consoleURL(cfg.Voice.PublicURL),
		Hops: gw.admission.Served,
	})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	rate := "unlimited"
	if sc.Rate > 0 {
		rate = strconv.FormatFloat(sc.Rate, 'f', -1, 64) + "/s"
	}
	log.Info("SMS sending through Africa's Talking", "username", sc.Username, "api", sc.apiHost(),
		"sender", sc.Sender, "rate", rate, "workers", sc.Workers)
	return nil
}

// consoleURL is the staff console's address under HUDUMA_PUBLIC_URL, for the digests of
// alerts to link to; "" when the gateway's public address is not set.
func consoleURL(public string) string {
	if public == "" {
		return ""
	}
	return strings.TrimRight(public, "/") + web.Prefix + "/"
}
