package testkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journeys", "book.json")
	cases := []struct {
		name   string
		update bool
		got    string
		fails  string // a substring of the failure; "" to pass
	}{
		{"missing file", false, "a\n", "run the test with -update"},
		{"update writes it", true, "menu\n1. Book\n2. Cancel\n", ""},
		{"same", false, "menu\n1. Book\n2. Cancel\n", ""},
		{"changed", false, "menu\n1. Book now\n2. Cancel\n", "- 1. Book\n+ 1. Book now\n"},
		{"update rewrites it", true, "menu\n1. Book now\n2. Cancel\n", ""},
		{"same again", false, "menu\n1. Book now\n2. Cancel\n", ""},
		{"trailing newline counts", false, "menu\n1. Book now\n2. Cancel", "+ 2. Cancel (no newline at end)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func(was bool) { *Update = was }(*Update)
			*Update = tc.update
			ft := &fakeT{}
			Golden(ft, path, []byte(tc.got))
			if tc.fails == "" && ft.failed() {
				t.Fatalf("failed: %s", ft.report())
			}
			if tc.fails != "" && !strings.Contains(ft.report(), tc.fails) {
				t.Fatalf("failure = %q, want it to contain %q", ft.report(), tc.fails)
			}
			if tc.update {
				if b, err := os.ReadFile(path); err != nil || string(b) != tc.got {
					t.Fatalf("file after -update = %q, %v; want %q", b, err, tc.got)
				}
			}
		})
	}
}

func TestDiff(t *testing.T) {
	cases := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one changed", "a\nb\nc\n", "a\nB\nc\n", "  a\n- b\n+ B\n  c\n"},
		{"added at end", "a\n", "a\nb\n", "  a\n+ b\n"},
		{"removed at start", "a\nb\n", "b\n", "- a\n  b\n"},
		{"empty to one", "", "a\n", "+ a\n"},
		{"context is three lines", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\n6\n7\n8\nnine\n",
			"  …\n  6\n  7\n  8\n- 9\n+ nine\n"},
		{"two changes far apart", "x\n1\n2\n3\n4\n5\n6\n7\n8\ny\n", "X\n1\n2\n3\n4\n5\n6\n7\n8\nY\n",
			"- x\n+ X\n  1\n  2\n  3\n  …\n  6\n  7\n  8\n- y\n+ Y\n"},
		{"moved line", "a\nb\nc\n", "b\nc\na\n", "- a\n  b\n  c\n+ a\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Diff(tc.a, tc.b); got != tc.want {
				t.Errorf("Diff:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
