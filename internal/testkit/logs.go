package testkit

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
)

// Logs is what a component logged during a test, one text line per record (slog's text
// format, without the time, at every level from DEBUG up). It is safe for concurrent use.
//
// An ERROR record fails the test when it ends, unless the test said it expects one
// (ExpectError), may see one (AllowError) or does not mind (AllowErrors): an error nobody
// looks at is otherwise a failure that passes. The check runs at Cleanup rather than at the
// write, because the write may come from a goroutine, and because a test usually says what
// it expects after provoking it.
//
// Set HUDUMA_TEST_LOGS=1 to also see every line on stderr.
type Logs struct {
	t    testing.TB
	echo io.Writer // stderr with HUDUMA_TEST_LOGS, or nil

	mu       sync.Mutex
	lines    []string
	errors   []string // the lines of ERROR records
	allowAll bool
	allowed  []string        // substrings an ERROR line may contain
	expected map[string]bool // substrings an ERROR line must contain, and whether one did
}

// Logger returns a logger whose records go to the returned Logs.
func Logger(t testing.TB) (*slog.Logger, *Logs) {
	t.Helper()
	l := &Logs{t: t, expected: map[string]bool{}}
	if os.Getenv("HUDUMA_TEST_LOGS") != "" {
		l.echo = os.Stderr
	}
	t.Cleanup(l.check)
	return slog.New(&logHandler{logs: l}), l
}

// String returns every line logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "")
}

// Lines returns the lines logged so far, each with its newline.
func (l *Logs) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// Contains reports whether any line logged so far contains substr.
func (l *Logs) Contains(substr string) bool { return l.Count(substr) > 0 }

// Count returns how many lines logged so far contain substr.
func (l *Logs) Count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// AssertAbsent fails the test (t.Errorf) for each of values that appears in the log: a
// secret, or a phone number that should only ever be logged masked.
func (l *Logs) AssertAbsent(values ...string) {
	l.t.Helper()
	all := l.String()
	for _, v := range values {
		if v != "" && strings.Contains(all, v) {
			l.t.Errorf("the log shows %q:\n%s", v, all)
		}
	}
}

// AllowErrors lets the test log ERROR records of any kind.
func (l *Logs) AllowErrors() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.allowAll = true
}

// AllowError lets the test log ERROR records whose line contains substr, without requiring
// one (for an error a race may or may not produce).
func (l *Logs) AllowError(substr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.allowed = append(l.allowed, substr)
}

// ExpectError lets the test log ERROR records whose line contains substr, and fails it at
// Cleanup if none was logged by then.
func (l *Logs) ExpectError(substr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.expected[substr]; !ok {
		l.expected[substr] = false
	}
}

// check fails the test for each ERROR line nobody allowed, and for each expected error
// that never came. It runs at Cleanup.
func (l *Logs) check() {
	l.t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.errors {
		ok := l.allowAll
		for substr := range l.expected {
			if strings.Contains(line, substr) {
				l.expected[substr], ok = true, true
			}
		}
		for _, substr := range l.allowed {
			ok = ok || strings.Contains(line, substr)
		}
		if !ok {
			l.t.Errorf("unexpected ERROR in the log (call ExpectError or AllowError if it is meant):\n%s", line)
		}
	}
	for substr, seen := range l.expected {
		if !seen {
			l.t.Errorf("no ERROR containing %q was logged; the log:\n%s", substr, strings.Join(l.lines, ""))
		}
	}
}

func (l *Logs) record(level slog.Level, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	if level >= slog.LevelError {
		l.errors = append(l.errors, line)
	}
	if l.echo != nil {
		io.WriteString(l.echo, line)
	}
}

// logHandler formats each record on its own with slog's text handler, so that Logs knows
// each line's level without parsing it. The attributes and groups added with WithAttrs and
// WithGroup are replayed onto a fresh text handler for every record.
type logHandler struct {
	logs *Logs
	with []func(slog.Handler) slog.Handler
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	var buf bytes.Buffer
	var th slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	for _, f := range h.with {
		th = f(th)
	}
	if err := th.Handle(ctx, r); err != nil {
		return err
	}
	h.logs.record(r.Level, buf.String())
	return nil
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.and(func(th slog.Handler) slog.Handler { return th.WithAttrs(attrs) })
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return h.and(func(th slog.Handler) slog.Handler { return th.WithGroup(name) })
}

func (h *logHandler) and(f func(slog.Handler) slog.Handler) slog.Handler {
	with := append(h.with[:len(h.with):len(h.with)], f)
	return &logHandler{logs: h.logs, with: with}
}
