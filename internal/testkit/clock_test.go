package testkit

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	nairobi := time.FixedZone("EAT", 3*60*60)
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, nairobi)
	cases := []struct {
		name string
		move func(c *Clock)
		want time.Time
	}{
		{"unmoved", func(*Clock) {}, t0},
		{"advance", func(c *Clock) { c.Advance(90 * time.Minute) }, t0.Add(90 * time.Minute)},
		{"advance back", func(c *Clock) { c.Advance(-time.Hour) }, t0.Add(-time.Hour)},
		{"set", func(c *Clock) { c.Set(t0.AddDate(0, 0, 1)) }, t0.AddDate(0, 0, 1)},
		{"set then advance", func(c *Clock) { c.Set(t0.Add(time.Hour)); c.Advance(time.Second) }, t0.Add(time.Hour + time.Second)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock(t0)
			tc.move(c)
			got := c.Now()
			if !got.Equal(tc.want) {
				t.Errorf("Now() = %v, want %v", got, tc.want)
			}
			if got.Location() != nairobi {
				t.Errorf("Now() is in %v, want the location it was set in", got.Location())
			}
		})
	}
}

// The clock is read by a component's goroutines while the test moves it (run with -race).
func TestClockConcurrent(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	now := c.Now // as a component takes it
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), time.Unix(400, 0); !got.Equal(want) {
		t.Fatalf("after 400 advances of a second: %v, want %v", got, want)
	}
}
