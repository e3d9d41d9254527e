package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/sms/africastalking"
)

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, envFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8090" || c.Username != "sandbox" || c.APIKey != "sandbox" ||
		c.DeliveryURL != "http://127.0.0.1:8080/at/sms/delivery" || c.FailRate != 0 || c.DeliveryDelay != time.Second {
		t.Errorf("defaults %+v", c)
	}
}

func TestConfigFlagsOverEnv(t *testing.T) {
	c, err := parseConfig([]string{"-addr", "127.0.0.1:9999", "-fail-rate", "0.2", "-sender-ids", "HUDUMA, HUDUMAKE"},
		envFrom(map[string]string{
			"HUDUMA_SANDBOX_ADDR": "127.0.0.1:1", "HUDUMA_SANDBOX_TIMEOUT_RATE": "0.1",
			"HUDUMA_SANDBOX_API_KEY": "k", "HUDUMA_SANDBOX_DELIVERY_URL": "",
		}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.FailRate != 0.2 || c.TimeoutRate != 0.1 || c.APIKey != "k" || c.DeliveryURL != "" {
		t.Errorf("config %+v", c)
	}
	if got := c.sandboxConfig().SenderIDs; len(got) != 2 || got[1] != "HUDUMAKE" {
		t.Errorf("sender IDs %q", got)
	}
}

func TestConfigRefusesMalformed(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"rate":     {"HUDUMA_SANDBOX_FAIL_RATE": "half"},
		"duration": {"HUDUMA_SANDBOX_HANG": "forever"},
	} {
		_, err := parseConfig(nil, envFrom(env))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for k := range env {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("%s: error %q does not name %s", name, err, k)
			}
		}
	}
	ctx := context.Background()
	if err := run(ctx, []string{"-fail-rate", "3"}, envFrom(nil), nil); err == nil {
		t.Error("fail rate 3 accepted")
	}
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-api-key", "k", "-delivery-url", "", "-log-level", "warn"}, envFrom(nil), ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	c := africastalking.New(africastalking.Config{Username: "sandbox", APIKey: "k", BaseURL: "http://" + addr,
		HTTP: &http.Client{Timeout: 2 * time.Second}})
	res, err := c.Send(ctx, africastalking.Message{To: []string{"+254712345678"}, Text: "Habari"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != africastalking.Accepted {
		t.Errorf("result %+v", res[0])
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
}
