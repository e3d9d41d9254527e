package redis

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"
)

// LogThrough sends go-redis's own log lines (a pool that cannot dial, a reconnect) to log at
// debug level. Left alone they go to stderr in go-redis's format ahead of the gateway's own
// message about the same fault, which is the one a person should read. It sets a
// process-wide logger: go-redis has no other.
func LogThrough(log *slog.Logger) { goredis.SetLogger(debugLogs{log}) }

type debugLogs struct{ log *slog.Logger }

func (d debugLogs) Printf(ctx context.Context, format string, v ...any) {
	d.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
