package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// captured runs a command line as main does and returns its exit code, standard output and
// standard error.
func captured(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = outW, errW
	code := run(context.Background(), args)
	os.Stdout, os.Stderr = stdout, stderr
	outW.Close()
	errW.Close()
	out, _ := io.ReadAll(outR)
	errs, _ := io.ReadAll(errR)
	return code, string(out), string(errs)
}

// Every command speaks alike: -h prints its summary, usage, examples and only its own flags,
// and exits 0; a misuse prints the error and one line pointing to -h, and exits 2; a group
// without its subcommand lists them and exits 2.
func TestOneUsageStyle(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	for _, tt := range []struct {
		args     []string
		code     int
		want     []string // in the output
		not      []string
		onStdout bool
	}{
		{[]string{}, 2, []string{"usage: huduma <command>"}, nil, false},
		{[]string{"nonsense"}, 2, []string{`no command "nonsense"`}, nil, false},
		{[]string{"help"}, 0, []string{"commands:", "check"}, nil, true},
		{[]string{"serve", "-h"}, 0, []string{"Runs the gateway", "usage: huduma serve", "examples:", "-callback-key"}, []string{"Usage of serve"}, true},
		{[]string{"migrate", "-h"}, 0, []string{"usage: huduma migrate", "-db"}, []string{"-sla", "-agent-cap", "-tz", "-login-ttl"}, true},
		{[]string{"seed", "-h"}, 0, []string{"usage: huduma seed"}, []string{"-sla", "-agent-cap"}, true},
		{[]string{"agent", "add", "-h"}, 0, []string{"usage: huduma agent add", "-username", "-password-stdin"}, []string{"-sla", "-agent-cap", "-login-ttl"}, true},
		{[]string{"agency", "add", "-h"}, 0, []string{"-institution"}, []string{"-sla"}, true},
		{[]string{"import", "requests", "-h"}, 0, []string{"check digit"}, []string{"-sla"}, true},
		{[]string{"dial", "-h"}, 0, []string{"usage: huduma dial", "examples:"}, nil, true},
		{[]string{"check", "-h"}, 0, []string{"usage: huduma check"}, nil, true},
		{[]string{"agent"}, 2, []string{"needs one of these subcommands", "reset-password"}, nil, false},
		{[]string{"agency"}, 2, []string{"needs one of these subcommands", "add"}, nil, false},
		{[]string{"import"}, 2, []string{"requests"}, nil, false},
		{[]string{"serve", "-nope"}, 2, []string{"-nope", "Run 'huduma serve -h'"}, []string{"-callback-key"}, false},
		{[]string{"migrate", "-sla", "x", "-db", db}, 2, []string{"-sla does not apply to migrate"}, nil, false},
		{[]string{"dial", "extra"}, 2, []string{"unexpected arguments"}, nil, false},
		{[]string{"agent", "add", "-db", db}, 2, []string{"-username is required"}, nil, false},
		{[]string{"serve", "-addr", "8097"}, 1, []string{"HUDUMA_ADDR (-addr)", "host:port"}, nil, false},
	} {
		code, out, errs := captured(t, tt.args...)
		text := errs
		if tt.onStdout {
			text = out
		}
		if code != tt.code {
			t.Errorf("huduma %s: exit %d, want %d\n%s%s", strings.Join(tt.args, " "), code, tt.code, out, errs)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("huduma %s: no %q in:\n%s", strings.Join(tt.args, " "), w, text)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(text, w) {
				t.Errorf("huduma %s: %q should not be there:\n%s", strings.Join(tt.args, " "), w, text)
			}
		}
		if code == 2 && len(tt.args) > 1 && strings.Count(text, "\n") > 12 {
			t.Errorf("huduma %s: a misuse printed %d lines, not the error and a pointer to -h:\n%s", strings.Join(tt.args, " "), strings.Count(text, "\n"), text)
		}
	}
}

// check says what works and what does not, and fails (exit 1) only when serve could not run.
func TestCheckCommand(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	for _, tt := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"check", "-db", db}, 0, []string{"ok    database", "ok    sessions", "warn  sms", "ok    callbacks", "warn  recordings"}},
		{[]string{"check", "-db", db, "-addr", "0.0.0.0:8080"}, 1, []string{"FAIL  callbacks", "warn  public url"}},
		{[]string{"check", "-db", db, "-addr", "0.0.0.0:8080", "-callback-key", "short"}, 0, []string{"warn  callbacks", "24 or more"}},
		{[]string{"check", "-db", db, "-tz", "Nairobi"}, 1, []string{"FAIL  setting", "HUDUMA_TIMEZONE (-tz)"}},
		{[]string{"check", "-db", "postgres://nobody@127.0.0.1:1/none"}, 1, []string{"FAIL  database"}},
		{[]string{"check", "-db", db, "-redis", "redis://127.0.0.1:1/0"}, 1, []string{"FAIL  sessions"}},
	} {
		code, out, errs := captured(t, tt.args...)
		if code != tt.code {
			t.Errorf("huduma %s: exit %d, want %d\n%s%s", strings.Join(tt.args, " "), code, tt.code, out, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("huduma %s: no %q in:\n%s", strings.Join(tt.args, " "), w, out)
			}
		}
	}
}
