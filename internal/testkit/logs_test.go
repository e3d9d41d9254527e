package testkit

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestLogsRecordLines(t *testing.T) {
	ft := &fakeT{}
	log, logs := Logger(ft)
	log.Debug("lookup", "n", 1)
	log.With("component", "outbox").WithGroup("row").Info("sent", "id", 7)
	log.Warn("slow", slog.Group("hop", "ms", 40))
	ft.end()
	if ft.failed() {
		t.Fatalf("failed without an ERROR: %s", ft.report())
	}
	want := []string{
		"level=DEBUG msg=lookup n=1\n",
		"level=INFO msg=sent component=outbox row.id=7\n",
		"level=WARN msg=slow hop.ms=40\n",
	}
	if got := logs.Lines(); strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, ""), strings.Join(want, ""))
	}
	if logs.String() != strings.Join(want, "") {
		t.Errorf("String() = %q", logs.String())
	}
	for substr, n := range map[string]int{"msg=": 3, "outbox": 1, "absent": 0} {
		if got := logs.Count(substr); got != n {
			t.Errorf("Count(%q) = %d, want %d", substr, got, n)
		}
		if got := logs.Contains(substr); got != (n > 0) {
			t.Errorf("Contains(%q) = %t", substr, got)
		}
	}
}

// An ERROR fails the test unless the test said it is meant; an expected one must come.
func TestLogsErrors(t *testing.T) {
	cases := []struct {
		name   string
		before func(*Logs) // before the records
		errs   []string    // the ERROR records' messages
		after  func(*Logs) // after them, as a test usually says what it expected
		fails  []string    // substrings of the failures, in order; none to pass
	}{
		{"no error", nil, nil, nil, nil},
		{"unexpected error", nil, []string{"claiming rows failed"}, nil,
			[]string{"unexpected ERROR in the log (call ExpectError or AllowError if it is meant):\nlevel=ERROR msg=\"claiming rows failed\" err=boom\n"}},
		{"allow all", (*Logs).AllowErrors, []string{"a", "b"}, nil, nil},
		{"allow all, after", nil, []string{"a"}, (*Logs).AllowErrors, nil},
		{"allow one", func(l *Logs) { l.AllowError("claiming") }, []string{"claiming rows failed"}, nil, nil},
		{"allowed but absent", func(l *Logs) { l.AllowError("claiming") }, nil, nil, nil},
		{"allow one, another comes", func(l *Logs) { l.AllowError("claiming") },
			[]string{"claiming rows failed", "recording the outcome failed"}, nil,
			[]string{"recording the outcome failed"}},
		{"expected", nil, []string{"voice load session failed"},
			func(l *Logs) { l.ExpectError("load session") }, nil},
		{"expected twice", nil, []string{"voice load session failed"},
			func(l *Logs) { l.ExpectError("load session"); l.ExpectError("load session") }, nil},
		{"expected, absent", func(l *Logs) { l.ExpectError("load session") }, nil, nil,
			[]string{`no ERROR containing "load session"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{}
			log, logs := Logger(ft)
			if tc.before != nil {
				tc.before(logs)
			}
			log.Info("fine")
			for _, m := range tc.errs {
				log.Error(m, "err", "boom")
			}
			if tc.after != nil {
				tc.after(logs)
			}
			if ft.failed() {
				t.Fatalf("failed before the test ended: %s", ft.report())
			}
			ft.end()
			if len(ft.errors) != len(tc.fails) {
				t.Fatalf("failures:\n%s\nwant %d containing %q", ft.report(), len(tc.fails), tc.fails)
			}
			for i, want := range tc.fails {
				if !strings.Contains(ft.errors[i], want) {
					t.Errorf("failure %d = %q, want it to contain %q", i, ft.errors[i], want)
				}
			}
		})
	}
}

func TestLogsAssertAbsent(t *testing.T) {
	ft := &fakeT{}
	log, logs := Logger(ft)
	log.Info("hop", "phone", "+2547****678", "key", "s3cret")
	logs.AssertAbsent("+254712345678", "")
	if ft.failed() {
		t.Fatalf("a masked phone failed the check: %s", ft.report())
	}
	logs.AssertAbsent("s3cret")
	if !ft.failed() || !strings.Contains(ft.report(), `the log shows "s3cret"`) {
		t.Fatalf("a secret in the log passed: %q", ft.report())
	}
}

// Goroutines log while the test reads (run with -race).
func TestLogsConcurrent(t *testing.T) {
	log, logs := Logger(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				log.Info("tick")
				_ = logs.Contains("tick")
			}
		})
	}
	wg.Wait()
	if got := logs.Count("msg=tick"); got != 200 {
		t.Fatalf("%d lines, want 200", got)
	}
}
