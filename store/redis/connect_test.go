package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/store/storetest"
)

// Connect's defaults keep a hop inside the operator's clock when Redis stops answering (about
// two seconds at most, not the client's 5 s a try and 3 retries) and skip RESP3's push checks;
// a setting in the URL wins over each.
func TestConnectDefaults(t *testing.T) {
	base := storetest.RedisURL(t)
	with := func(q string) string {
		if q == "" {
			return base
		}
		if strings.Contains(base, "?") {
			return base + "&" + q
		}
		return base + "?" + q
	}
	for _, tc := range []struct {
		name            string
		query           string
		read, write     time.Duration
		retries, protoc int
	}{
		{"defaults", "", time.Second, time.Second, 1, 2},
		{"the URL's own", "read_timeout=3s&write_timeout=4s&max_retries=5&protocol=3", 3 * time.Second, 4 * time.Second, 5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, err := Connect(storetest.Context(t), with(tc.query))
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			defer client.Close()
			o := client.Options()
			if o.ReadTimeout != tc.read || o.WriteTimeout != tc.write || o.MaxRetries != tc.retries || o.Protocol != tc.protoc || !o.ContextTimeoutEnabled {
				t.Fatalf("read %v write %v retries %d protocol %d context timeouts %v; want %v %v %d %d true",
					o.ReadTimeout, o.WriteTimeout, o.MaxRetries, o.Protocol, o.ContextTimeoutEnabled, tc.read, tc.write, tc.retries, tc.protoc)
			}
		})
	}
}
