package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Connect opens a client for a redis:// (or rediss://) URL and pings it, so a wrong URL or a
// down server fails at startup rather than on the first citizen's dial. The caller owns the
// client and closes it.
func Connect(ctx context.Context, url string) (*goredis.Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		// The URL may carry a password, so it is not repeated in the error.
		return nil, fmt.Errorf("redis: parse url: %w", err)
	}
	if !strings.Contains(url, "protocol=") {
		// RESP2 unless the URL asks otherwise: the sessions need nothing of RESP3, and with it
		// the client checks every reply for server push notifications, a cost on every hop.
		opts.Protocol = 2
	}
	// A hop is on the operator's clock (about 10 s before the session is dropped, and the
	// gateway's own deadline of 5 s): a Redis that stops answering must fail a hop within
	// about two seconds, not the client's default of 5 s a try and 3 retries. The limits
	// apply on the socket, so they hold for commands sent through the automatic pipeline
	// too, which does not watch each caller's context. The URL's own settings win.
	if !strings.Contains(url, "read_timeout=") {
		opts.ReadTimeout = time.Second
	}
	if !strings.Contains(url, "write_timeout=") {
		opts.WriteTimeout = time.Second
	}
	if !strings.Contains(url, "max_retries=") {
		opts.MaxRetries = 1 // a retried save is safe: the script refuses a stale revision
	}
	// Commands sent on their own (HUDUMA_REDIS_AUTOPIPELINE=false) also end with the hop.
	opts.ContextTimeoutEnabled = true
	client := goredis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis: ping %s: %w", opts.Addr, err)
	}
	return client, nil
}
