package redis

import (
	"context"
	"fmt"
	"strings"

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
	client := goredis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis: ping %s: %w", opts.Addr, err)
	}
	return client, nil
}
