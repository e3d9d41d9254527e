package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/huduma-connect/huduma/internal/callbackauth"
)

// callbackGuard builds the guard of the callback routes (/at/…) from the settings, and refuses
// to start a gateway that other machines can reach with no key: Africa's Talking does not
// sign its callbacks, so without a key anyone who finds the address can book, cancel or opt
// out any phone. HUDUMA_INSECURE_CALLBACKS=true overrides that, loudly.
func callbackGuard(cfg config, log *slog.Logger) (*callbackauth.Guard, error) {
	allow, err := callbackauth.ParsePrefixes(cfg.CallbackAllow)
	if err != nil {
		return nil, fmt.Errorf("HUDUMA_CALLBACK_ALLOW (-callback-allow): %w; want comma-separated networks, e.g. 196.201.214.0/24", err)
	}
	if cfg.CallbackKey == "" && cfg.CallbackKeyPrev != "" {
		return nil, fmt.Errorf("HUDUMA_CALLBACK_KEY_PREVIOUS is set but HUDUMA_CALLBACK_KEY is empty: set the new key in HUDUMA_CALLBACK_KEY and keep the old one in HUDUMA_CALLBACK_KEY_PREVIOUS while you rotate")
	}
	if cfg.CallbackKey == "" && !loopbackOnly(cfg.Addr) {
		if !cfg.InsecureCallback {
			return nil, fmt.Errorf("HUDUMA_ADDR=%s can be reached from other machines, and HUDUMA_CALLBACK_KEY is empty: "+
				"anyone could forge Africa's Talking's callbacks (book, cancel or opt out any phone). "+
				"Set HUDUMA_CALLBACK_KEY to a long random value (openssl rand -hex 24) and add ?key=<it> to every callback URL in Africa's Talking's dashboard "+
				"(https://<host>/at/ussd?key=…); or listen on 127.0.0.1; or, for a test bed only, HUDUMA_INSECURE_CALLBACKS=true", cfg.Addr)
		}
		log.Error("CALLBACKS ARE NOT AUTHENTICATED: HUDUMA_INSECURE_CALLBACKS=true on a reachable address; anyone can forge bookings, cancellations and opt-outs. Never run a gateway citizens use like this.",
			"addr", cfg.Addr)
	}
	return callbackauth.New(callbackauth.Config{Keys: []string{cfg.CallbackKey, cfg.CallbackKeyPrev}, Allow: allow, Logger: log}), nil
}

// trustedProxies reads HUDUMA_TRUSTED_PROXIES for fiber, which then takes a request's client
// address from X-Forwarded-For only when the request came from one of them.
func trustedProxies(cfg config) ([]string, error) {
	list, err := callbackauth.ParsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("HUDUMA_TRUSTED_PROXIES (-trusted-proxies): %w; want comma-separated addresses or networks, e.g. 10.0.0.5,10.1.0.0/16", err)
	}
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.String()
	}
	return out, nil
}

// loopbackOnly reports whether an address to listen on is reachable from this machine only:
// a loopback IP, or "localhost". No host (":8080") means every interface.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// registerCallbackMetrics counts the refused callbacks on /metrics: a rising count is someone
// probing the callback URLs, or a dashboard URL left with an old key after a rotation.
func registerCallbackMetrics(reg prometheus.Registerer, g *callbackauth.Guard) {
	for _, r := range []struct {
		reason string
		pick   func(byKey, byNetwork uint64) uint64
	}{
		{"key", func(k, _ uint64) uint64 { return k }},
		{"network", func(_, n uint64) uint64 { return n }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "huduma_callbacks_refused_total",
			Help:        "Callbacks to /at/… refused: without an accepted key (key), or from outside HUDUMA_CALLBACK_ALLOW (network).",
			ConstLabels: prometheus.Labels{"reason": r.reason},
		}, func() float64 { return float64(r.pick(g.Refused())) }))
	}
}

func proxyHeader(proxies []string) string {
	if len(proxies) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}
