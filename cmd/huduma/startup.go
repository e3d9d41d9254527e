package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/huduma-connect/huduma/console/web"
)

// listen takes the gateway's port, with an error a person can act on when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("HUDUMA_ADDR (-addr) = %s: the port is taken by another program (another gateway?); stop it, or choose another port, e.g. -addr 127.0.0.1:8081", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("HUDUMA_ADDR (-addr) = %s: not allowed to listen there (ports below 1024 need privileges); choose a port above 1024, e.g. -addr 127.0.0.1:8080", addr)
	case err != nil:
		return nil, fmt.Errorf("HUDUMA_ADDR (-addr) = %s: %w", addr, err)
	}
	return ln, nil
}

// startupBlock is what serve says once it is listening: in one short block, where to dial,
// where the console is, and what is not configured, each with the setting that enables it.
// Long lists (the prompts without a recording) are counted here and listed by `huduma check`.
func startupBlock(cfg config, gw *gateway, noUsers bool) string {
	var b strings.Builder
	base := "http://" + browsable(cfg.Addr)
	fmt.Fprintf(&b, "\nHuduma Connect is listening on %s (%s, %s)\n", base, gw.storeName, gw.sessionsName)
	dial := "go run ./cmd/huduma dial"
	if cfg.Addr != "127.0.0.1:8080" {
		dial += " -url " + base + "/at/ussd"
	}
	fmt.Fprintf(&b, "  Dial %s:   %s\n", cfg.USSDCode, dial)
	fmt.Fprintf(&b, "  Console:         %s%s/\n", base, web.Prefix)
	if noUsers {
		fmt.Fprintf(&b, "                   no users yet: go run ./cmd/huduma agent add -username admin -role admin (prints a password), or serve -demo\n")
	}
	if cfg.AdminAddr != "" {
		fmt.Fprintf(&b, "  Metrics:         http://%s/metrics\n", browsable(cfg.AdminAddr))
	}
	if len(gw.notes) > 0 {
		fmt.Fprintf(&b, "  Not configured:\n")
		for _, n := range gw.notes {
			fmt.Fprintf(&b, "    %s\n", n)
		}
	}
	return b.String()
}

// browsable is a listen address as a browser can open it: ":8080" is every interface, and
// this machine reaches it as 127.0.0.1.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
