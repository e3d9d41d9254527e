package testkit

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// fakeT records what the kit reports, so the kit's own failures can be asserted.
type fakeT struct {
	testing.TB // nil: a method the kit should not call panics
	mu         sync.Mutex
	errors     []string
	fatal      bool
	cleanups   []func()
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatal = true
}

func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// end runs the cleanups, as the end of a test does.
func (f *fakeT) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func (f *fakeT) failed() bool { return len(f.errors) > 0 }

func (f *fakeT) report() string { return strings.Join(f.errors, "\n") }
