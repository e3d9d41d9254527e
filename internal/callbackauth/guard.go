// Package callbackauth decides, in one place, whether a request to the callback routes
// (/at/…) comes from Africa's Talking. Its callbacks carry no signature: the gateway's only
// proof is a secret key in the callback URL (?key=…), set in Africa's Talking's dashboard,
// and optionally the network the request comes from. Without the check anyone who can reach
// the gateway can book, cancel or opt out any phone's appointments and messages.
package callbackauth

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// Config is what a Guard admits.
type Config struct {
	// Keys are the accepted keys: the current one, and during a rotation the previous one
	// too, so the dashboard's URLs can be changed one at a time without refusing a callback.
	// No key at all admits every request (HUDUMA_INSECURE_CALLBACKS, or loopback).
	Keys []string
	// Allow, when not empty, admits only requests from these networks (the client address
	// as fiber reads it: behind a trusted proxy, its X-Forwarded-For).
	Allow  []netip.Prefix
	Logger *slog.Logger
}

// Guard admits or refuses callbacks. It is a fiber handler for the callback routes.
type Guard struct {
	keys      [][]byte
	allow     []netip.Prefix
	log       *slog.Logger
	byKey     atomic.Uint64
	byNetwork atomic.Uint64
}

// New builds a guard. Empty keys are dropped; an empty key would admit "?key=".
func New(cfg Config) *Guard {
	g := &Guard{allow: cfg.Allow, log: cfg.Logger}
	if g.log == nil {
		g.log = slog.Default()
	}
	for _, k := range cfg.Keys {
		if k = strings.TrimSpace(k); k != "" {
			g.keys = append(g.keys, []byte(k))
		}
	}
	return g
}

// Open reports whether the guard admits callbacks without a key.
func (g *Guard) Open() bool { return len(g.keys) == 0 }

// Handler refuses a callback from outside the allowed networks, or without an accepted key,
// with 403 and nothing else; the refusal is counted and logged without the key or the query.
func (g *Guard) Handler(c *fiber.Ctx) error {
	if len(g.allow) > 0 {
		addr, err := netip.ParseAddr(c.IP())
		if err != nil || !g.allowed(addr.Unmap()) {
			g.byNetwork.Add(1)
			g.log.Warn("callback refused: not from an allowed network", "path", c.Path(), "client", c.IP())
			return c.Status(fiber.StatusForbidden).SendString("forbidden\n")
		}
	}
	if len(g.keys) > 0 && !g.known([]byte(c.Query("key"))) {
		g.byKey.Add(1)
		g.log.Warn("callback refused: missing or wrong key", "path", c.Path(), "client", c.IP())
		return c.Status(fiber.StatusForbidden).SendString("forbidden\n")
	}
	return c.Next()
}

// known compares the given key with every accepted one in constant time, and all of them
// always, so the time taken tells nothing of which matched or how much of one.
func (g *Guard) known(given []byte) bool {
	match := 0
	for _, k := range g.keys {
		match |= subtle.ConstantTimeCompare(given, k)
	}
	return match == 1
}

func (g *Guard) allowed(a netip.Addr) bool {
	for _, p := range g.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Refused counts the callbacks refused so far: for the key, and for the network.
func (g *Guard) Refused() (byKey, byNetwork uint64) { return g.byKey.Load(), g.byNetwork.Load() }

// ParsePrefixes reads a comma-separated list of networks (CIDRs) or single addresses, as
// HUDUMA_CALLBACK_ALLOW and HUDUMA_TRUSTED_PROXIES take them.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a network (196.201.214.0/24) nor an address", item)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
