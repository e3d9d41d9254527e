// Package groupcommit lets many goroutines' small writes share one: while a write runs, the
// calls that arrive wait, and the next write takes them all. When calls are few each write
// holds one and waits for nothing; when they are many, a commit (a disk flush) serves dozens
// of them. The SMS outbox records the messages Africa's Talking accepted this way, and the
// delivery callback the reports it posts: while a backlog drains each comes a thousand times
// a second, and a flush each would make the database, not the provider, the limit.
//
// No goroutine runs while nothing waits: the first call of a busy spell starts one, and it
// ends when no call is left.
package groupcommit

import (
	"fmt"
	"sync"
)

// Writer batches calls of Do into calls of its write function.
type Writer[T, R any] struct {
	max   int
	write func(batch []T) ([]R, error)

	mu      sync.Mutex
	queue   []*call[T, R]
	running bool
}

type call[T, R any] struct {
	v    T
	r    R
	err  error
	done chan struct{}
}

// New makes a Writer whose write takes at most most values at a time. write returns one
// result per value, in order, or an error that every value of the batch gets.
func New[T, R any](most int, write func(batch []T) ([]R, error)) *Writer[T, R] {
	return &Writer[T, R]{max: max(1, most), write: write}
}

// Do has v written with whatever else is waiting and returns its result once the write that
// took it has returned.
func (w *Writer[T, R]) Do(v T) (R, error) {
	c := &call[T, R]{v: v, done: make(chan struct{})}
	w.mu.Lock()
	w.queue = append(w.queue, c)
	if !w.running {
		w.running = true
		go w.drain()
	}
	w.mu.Unlock()
	<-c.done
	return c.r, c.err
}

// Waiting is how many calls wait for a write to take them (not those being written).
func (w *Writer[T, R]) Waiting() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// drain writes what waits, a batch at a time, until nothing does.
func (w *Writer[T, R]) drain() {
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		n := min(len(w.queue), w.max)
		batch := w.queue[:n:n]
		w.queue = append([]*call[T, R](nil), w.queue[n:]...)
		w.mu.Unlock()
		w.flush(batch)
	}
}

func (w *Writer[T, R]) flush(batch []*call[T, R]) {
	values := make([]T, len(batch))
	for i, c := range batch {
		values[i] = c.v
	}
	rs, err := w.write(values)
	if err == nil && len(rs) != len(batch) {
		err = fmt.Errorf("groupcommit: %d results for %d values", len(rs), len(batch))
	}
	for i, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.r = rs[i]
		}
		close(c.done)
	}
}
