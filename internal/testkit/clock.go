package testkit

import (
	"sync"
	"time"
)

// Clock is a fake clock that a test moves by hand. It is safe for concurrent use, so a
// component's goroutines (a janitor, a worker) may read it while the test moves it.
//
// Components take a clock as a func() time.Time; pass the method value c.Now.
// The time keeps the location it was set in, so a clock set in Nairobi reads in Nairobi.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until it is moved.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d (back, if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
