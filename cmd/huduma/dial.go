package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/huduma-connect/huduma/ussd"
)

// dialCommand runs `huduma dial`: a terminal stand-in for a handset plus
// Africa's Talking, so the USSD menus can be walked against a running server
// (`huduma serve`) without a phone or the AT sandbox. It reads the same
// HUDUMA_ADDR and HUDUMA_CALLBACK_KEY as the server, so in a shell set up for
// `serve` a bare `huduma dial` reaches it.
func dialCommand(ctx context.Context, args []string) error {
	help := command{name: "dial", usage: "huduma dial [flags]",
		summary:  "Walks the USSD menus of a running gateway the way Africa's Talking calls it. Type a choice and Enter at each prompt; Ctrl-D hangs up.",
		examples: []string{"huduma dial", "huduma dial -phone +254722000123", "huduma dial -url http://127.0.0.1:8081/at/ussd"}}
	fs := help.flags()
	// The default URL is shown without the key so `-h` never prints a secret.
	target := fs.String("url", "", "USSD callback URL (default "+dialDefaultURLHelp()+")")
	phone := fs.String("phone", ussd.SimDefaultPhone, "caller's phone number (E.164)")
	// Follow the server's HUDUMA_USSD_CODE so both ends agree on the code.
	defCode := ussd.SimDefaultCode
	if v := strings.TrimSpace(os.Getenv("HUDUMA_USSD_CODE")); v != "" {
		defCode = v
	}
	code := fs.String("code", defCode, "USSD service code dialled (HUDUMA_USSD_CODE)")
	network := fs.String("network", ussd.SimDefaultNetwork, "network code (63902 Safaricom, 63903 Airtel, 63907 Telkom, 99999 AT sandbox)")
	if err := help.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return misuse("dial", "unexpected arguments %q (flags only, e.g. -phone +254712345678)", fs.Args())
	}

	u := *target
	if u == "" {
		u = dialDefaultURL(strings.TrimSpace(os.Getenv("HUDUMA_ADDR")), strings.TrimSpace(os.Getenv("HUDUMA_CALLBACK_KEY")))
	}
	sim := &ussd.Simulator{URL: u, Phone: *phone, Code: *code, Network: *network}
	err := sim.Run(ctx, os.Stdin, os.Stdout)
	if errors.Is(err, context.Canceled) {
		// Ctrl-C is how a user hangs up; it is not a failure.
		return nil
	}
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	return nil
}

// dialDefaultURL derives the callback URL from the server's listen address.
// A listen address such as ":8080" or "0.0.0.0:8080" is not something to
// connect to, so it becomes loopback. The callback key, when the server is
// configured with one, goes in the query string as `key`, which is how
// Africa's Talking is set up to call us (it cannot send custom headers).
// The key is added only to this default: an explicit -url is used as given,
// so a key is never sent to a host the user did not mean to trust with it.
func dialDefaultURL(addr, key string) string {
	base := "http://127.0.0.1:8080"
	switch {
	case addr == "":
	case strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://"):
		base = strings.TrimRight(addr, "/")
	default:
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			// Not host:port; take it as a bare host and let the request say
			// what is wrong with it.
			host, port = addr, "8080"
		}
		switch host {
		case "", "0.0.0.0":
			host = "127.0.0.1"
		case "::":
			host = "::1"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	u := base + "/at/ussd"
	if key != "" {
		u += "?key=" + url.QueryEscape(key)
	}
	return u
}

// dialDefaultURLHelp is the default URL as shown in -h, key redacted.
func dialDefaultURLHelp() string {
	u := dialDefaultURL(strings.TrimSpace(os.Getenv("HUDUMA_ADDR")), "")
	if strings.TrimSpace(os.Getenv("HUDUMA_CALLBACK_KEY")) != "" {
		u += "?key=$HUDUMA_CALLBACK_KEY"
	}
	return u + ", from $HUDUMA_ADDR"
}
