package groupcommit

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/internal/testkit"
)

// held is a write that blocks its first call until released, recording every batch.
type held struct {
	mu      sync.Mutex
	batches [][]int
	first   chan struct{} // closed when the first write has begun
	release chan struct{}
	fail    error
}

func newHeld() *held { return &held{first: make(chan struct{}), release: make(chan struct{})} }

func (h *held) write(batch []int) ([]string, error) {
	h.mu.Lock()
	h.batches = append(h.batches, slices.Clone(batch))
	n := len(h.batches)
	h.mu.Unlock()
	if n == 1 {
		close(h.first)
		<-h.release
	}
	if h.fail != nil {
		return nil, h.fail
	}
	out := make([]string, len(batch))
	for i, v := range batch {
		out[i] = fmt.Sprint("v", v)
	}
	return out, nil
}

func (h *held) sizes() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []int
	for _, b := range h.batches {
		s = append(s, len(b))
	}
	return s
}

// TestCallsDuringAWriteShareTheNext: while one write runs, the calls that arrive wait and go
// together, at most `most` a write, each getting its own result.
func TestCallsDuringAWriteShareTheNext(t *testing.T) {
	for _, tt := range []struct {
		most  int
		sizes []int
	}{
		{most: 64, sizes: []int{1, 20}},
		{most: 8, sizes: []int{1, 8, 8, 4}},
	} {
		t.Run(fmt.Sprint("most=", tt.most), func(t *testing.T) {
			h := newHeld()
			w := New(tt.most, h.write)
			var wg sync.WaitGroup
			got := make([]string, 21)
			wg.Go(func() { got[0], _ = w.Do(0) })
			<-h.first
			for i := 1; i <= 20; i++ {
				wg.Go(func() {
					r, err := w.Do(i)
					if err != nil {
						t.Errorf("Do(%d): %v", i, err)
					}
					got[i] = r
				})
			}
			testkit.Eventually(t, func() bool { return w.Waiting() == 20 }, 10*time.Second, "20 calls waiting")
			close(h.release)
			wg.Wait()
			if s := h.sizes(); !slices.Equal(s, tt.sizes) {
				t.Fatalf("batches of %v, want %v", s, tt.sizes)
			}
			for i, r := range got {
				if r != fmt.Sprint("v", i) {
					t.Fatalf("Do(%d) = %q, want v%d", i, r, i)
				}
			}
			testkit.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return !w.running },
				10*time.Second, "the goroutine ends once nothing waits")
		})
	}
}

// TestAWriteErrorReachesEveryCallOfItsBatch.
func TestAWriteErrorReachesEveryCallOfItsBatch(t *testing.T) {
	h := newHeld()
	h.fail = errors.New("database gone")
	w := New(64, h.write)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	wg.Go(func() { _, errs[0] = w.Do(0) })
	<-h.first
	for i := 1; i < 5; i++ {
		wg.Go(func() { _, errs[i] = w.Do(i) })
	}
	testkit.Eventually(t, func() bool { return w.Waiting() == 4 }, 10*time.Second, "4 calls waiting")
	close(h.release)
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, h.fail) {
			t.Fatalf("Do(%d): %v, want %v", i, err, h.fail)
		}
	}
}

// TestAWriteReturningTheWrongCountIsAnError rather than a result given to the wrong call.
func TestAWriteReturningTheWrongCountIsAnError(t *testing.T) {
	w := New(4, func(batch []int) ([]int, error) { return nil, nil })
	if _, err := w.Do(1); err == nil {
		t.Fatal("Do with a write that returned no results: no error")
	}
}
