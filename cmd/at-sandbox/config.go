package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/sms/atsandbox"
)

// config is everything the sandbox can be told. Each setting comes from a flag, else from
// its environment variable, else its default; the defaults match the gateway's own, so
// `go run ./cmd/at-sandbox` next to `go run ./cmd/huduma serve` works with nothing set.
type config struct {
	Addr              string
	Username          string
	APIKey            string
	DeliveryURL       string
	InboundURL        string
	Shortcode         string
	SenderIDs         string
	FailRate          float64
	TimeoutRate       float64
	RecipientFailRate float64
	DeliveryFailRate  float64
	DeliveryDelay     time.Duration
	Latency           time.Duration
	Hang              time.Duration
	LogLevel          string
}

// parseConfig reads flags over the environment. A malformed value is an error naming its
// variable or flag, never a silent default.
// A variable set to the empty string counts as set, so HUDUMA_SANDBOX_DELIVERY_URL= turns
// delivery reports off.
func parseConfig(args []string, lookupEnv func(string) (string, bool)) (config, error) {
	var c config
	fs := flag.NewFlagSet("at-sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints help or the error, as huduma does
	fs.Usage = func() {}
	var errs []error
	env := func(name, def string) string {
		if v, ok := lookupEnv(name); ok {
			return v
		}
		return def
	}
	str := func(p *string, flagName, envName, def, help string) {
		fs.StringVar(p, flagName, env(envName, def), help+" ("+envName+")")
	}
	rate := func(p *float64, flagName, envName, help string) {
		raw := env(envName, "")
		if raw == "" {
			raw = "0"
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: not a number", envName, raw))
		}
		fs.Float64Var(p, flagName, v, help+", 0 to 1 ("+envName+")")
	}
	dur := func(p *time.Duration, flagName, envName, def, help string) {
		raw := env(envName, "")
		if raw == "" {
			raw = def
		}
		v, err := time.ParseDuration(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: not a duration", envName, raw))
		}
		fs.DurationVar(p, flagName, v, help+" ("+envName+")")
	}
	str(&c.Addr, "addr", "HUDUMA_SANDBOX_ADDR", "127.0.0.1:8090", "address to listen on")
	str(&c.Username, "username", "HUDUMA_SANDBOX_USERNAME", "sandbox", "username requests must carry")
	str(&c.APIKey, "api-key", "HUDUMA_SANDBOX_API_KEY", "sandbox", "apiKey header requests must carry")
	str(&c.DeliveryURL, "delivery-url", "HUDUMA_SANDBOX_DELIVERY_URL", "http://127.0.0.1:8080/at/sms/delivery", "where delivery reports are posted; empty posts none")
	str(&c.InboundURL, "inbound-url", "HUDUMA_SANDBOX_INBOUND_URL", "http://127.0.0.1:8080/at/sms/inbound", "where texts to the shortcode are forwarded")
	str(&c.Shortcode, "shortcode", "HUDUMA_SANDBOX_SHORTCODE", "40404", "the shortcode inbound texts are sent to")
	str(&c.SenderIDs, "sender-ids", "HUDUMA_SANDBOX_SENDER_IDS", "", "comma-separated sender IDs accepted as from; empty accepts any")
	str(&c.LogLevel, "log-level", "HUDUMA_SANDBOX_LOG_LEVEL", "info", "debug, info, warn or error")
	rate(&c.FailRate, "fail-rate", "HUDUMA_SANDBOX_FAIL_RATE", "share of API requests answered HTTP 500")
	rate(&c.TimeoutRate, "timeout-rate", "HUDUMA_SANDBOX_TIMEOUT_RATE", "share of API requests left hanging past the client's timeout")
	rate(&c.RecipientFailRate, "recipient-fail-rate", "HUDUMA_SANDBOX_RECIPIENT_FAIL_RATE", "share of recipients refused with statusCode 500")
	rate(&c.DeliveryFailRate, "delivery-fail-rate", "HUDUMA_SANDBOX_DELIVERY_FAIL_RATE", "share of accepted messages reported Failed")
	dur(&c.DeliveryDelay, "delivery-delay", "HUDUMA_SANDBOX_DELIVERY_DELAY", "1s", "pause before a delivery report is posted")
	dur(&c.Hang, "hang", "HUDUMA_SANDBOX_HANG", "2m", "how long a timed-out request is held")
	dur(&c.Latency, "latency", "HUDUMA_SANDBOX_LATENCY", "0s", "how long every API request waits before its answer, as across a network")
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(os.Stdout, fs)
			return c, err
		}
		return c, &usageError{err}
	}
	if fs.NArg() > 0 {
		return c, &usageError{fmt.Errorf("unexpected arguments: %s (flags only)", strings.Join(fs.Args(), " "))}
	}
	return c, nil
}

// sandboxConfig turns the settings into the sandbox's own.
func (c config) sandboxConfig() atsandbox.Config {
	var senders []string
	for _, s := range strings.Split(c.SenderIDs, ",") {
		if s = strings.TrimSpace(s); s != "" {
			senders = append(senders, s)
		}
	}
	return atsandbox.Config{
		Username: c.Username, APIKey: c.APIKey, DeliveryURL: c.DeliveryURL, InboundURL: c.InboundURL,
		Shortcode: c.Shortcode, SenderIDs: senders,
		Faults: atsandbox.Faults{FailRate: c.FailRate, TimeoutRate: c.TimeoutRate,
			RecipientFailRate: c.RecipientFailRate, DeliveryFailRate: c.DeliveryFailRate},
		DeliveryDelay: c.DeliveryDelay, Hang: c.Hang, Latency: c.Latency,
	}
}

// usageError is a misuse of the command line: exit 2, with a pointer to -h.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// printHelp is at-sandbox -h, in the same form as huduma's commands.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "A stand-in for Africa's Talking's SMS and voice APIs on this machine: the gateway sends to it, it answers as Africa's Talking does\n"+
		"(with the failures asked for), posts delivery reports back, and shows what it got on a web page.\n\n"+
		"usage: at-sandbox [flags]\n\nexamples:\n  go run ./cmd/at-sandbox\n  go run ./cmd/at-sandbox -addr 127.0.0.1:8090 -fail-rate 0.2\n\n"+
		"flags (each can also be set by the environment variable shown with it):\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
}
