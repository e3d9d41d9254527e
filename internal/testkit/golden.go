package testkit

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Update is the -update flag of every test binary that imports testkit: golden and journey
// files are rewritten from what the code produces instead of compared.
//
//	go test ./... -update
var Update = flag.Bool("update", false, "rewrite golden/journey files")

// Golden compares got with the file at path exactly, and fails the test with a line diff
// if they differ. With -update it writes got to path instead (creating its directory).
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("golden file %s does not exist; run the test with -update to write it", path)
	}
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (- want, + got; rerun with -update if the change is meant):\n%s", path, Diff(string(want), string(got)))
	}
}

// Diff returns a line diff of a and b: lines only in a start with "- ", lines only in b
// with "+ ", and unchanged lines with "  ", with up to three lines of context around each
// change; equal texts give "". It is for showing a failure, not for patching.
func Diff(a, b string) string {
	if a == b {
		return ""
	}
	x, y := splitLines(a), splitLines(b)
	// Trim the common head and tail so the quadratic part only sees the change.
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	mid := lcsDiff(x[head:len(x)-tail], y[head:len(y)-tail])
	var ops []diffLine
	for _, l := range x[:head] {
		ops = append(ops, diffLine{' ', l})
	}
	ops = append(ops, mid...)
	for _, l := range x[len(x)-tail:] {
		ops = append(ops, diffLine{' ', l})
	}
	return render(ops, 3)
}

type diffLine struct {
	op   byte // ' ', '-' or '+'
	text string
}

// splitLines splits s into lines, marking a last line without a newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = strings.TrimSuffix(l, "\n")
		} else {
			lines[i] = l + " (no newline at end)"
		}
	}
	return lines
}

// lcsDiff diffs two short line lists by their longest common subsequence. Beyond a few
// thousand lines each it gives up on alignment and shows all of x removed, all of y added.
func lcsDiff(x, y []string) []diffLine {
	var out []diffLine
	if len(x)*len(y) > 4_000_000 {
		for _, l := range x {
			out = append(out, diffLine{'-', l})
		}
		for _, l := range y {
			out = append(out, diffLine{'+', l})
		}
		return out
	}
	// n[i][j] is the length of the LCS of x[i:] and y[j:].
	n := make([][]int, len(x)+1)
	for i := range n {
		n[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				n[i][j] = n[i+1][j+1] + 1
			} else {
				n[i][j] = max(n[i+1][j], n[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, diffLine{' ', x[i]})
			i, j = i+1, j+1
		case n[i+1][j] >= n[i][j+1]:
			out = append(out, diffLine{'-', x[i]})
			i++
		default:
			out = append(out, diffLine{'+', y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, diffLine{'-', x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, diffLine{'+', y[j]})
	}
	return out
}

// render prints the changed lines with context lines of context, and "…" where unchanged
// lines are left out.
func render(ops []diffLine, context int) string {
	show := make([]bool, len(ops))
	for i, o := range ops {
		if o.op == ' ' {
			continue
		}
		for k := max(0, i-context); k <= min(len(ops)-1, i+context); k++ {
			show[k] = true
		}
	}
	var b strings.Builder
	skipped := false
	for i, o := range ops {
		if !show[i] {
			skipped = true
			continue
		}
		if skipped {
			b.WriteString("  …\n")
			skipped = false
		}
		fmt.Fprintf(&b, "%c %s\n", o.op, o.text)
	}
	if skipped {
		b.WriteString("  …\n")
	}
	return b.String()
}
