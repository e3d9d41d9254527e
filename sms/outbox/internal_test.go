package outbox

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	cfg := Config{BaseBackoff: 30 * time.Second, MaxBackoff: time.Hour}
	cfg.defaults()
	w := &Worker{cfg: cfg}
	for attempt := 1; attempt <= 70; attempt++ {
		ceiling := min(time.Hour, 30*time.Second<<min(attempt-1, 20))
		var most time.Duration
		for range 500 {
			d := w.backoff(attempt)
			if d < 3*time.Second || d >= ceiling {
				t.Fatalf("attempt %d: back-off %v outside [3s, %v)", attempt, d, ceiling)
			}
			most = max(most, d)
		}
		// Full jitter spreads over the whole range, not near its bottom.
		if most < ceiling/2 {
			t.Fatalf("attempt %d: longest of 500 back-offs %v, want some above %v", attempt, most, ceiling/2)
		}
	}
}

func TestQuietWindow(t *testing.T) {
	nairobi := time.FixedZone("EAT", 3*60*60)
	at := func(h, m int) time.Time { return time.Date(2031, 2, 1, h, m, 0, 0, nairobi) }
	cfg := Config{Location: nairobi}
	cfg.defaults()
	w := &Worker{cfg: cfg}
	for _, tt := range []struct {
		t     time.Time
		quiet bool
	}{
		{at(19, 59), false}, {at(20, 0), true}, {at(23, 59), true}, {at(0, 0), true},
		{at(6, 59), true}, {at(7, 0), false}, {at(12, 0), false},
		{time.Date(2031, 2, 1, 17, 0, 0, 0, time.UTC), true}, // 17:00 UTC is 20:00 in Nairobi
	} {
		if got := w.quiet(tt.t); got != tt.quiet {
			t.Errorf("quiet(%s) = %t, want %t", tt.t.Format(time.RFC3339), got, tt.quiet)
		}
	}
	// A daytime window that does not cross midnight, and none at all.
	day := Config{Location: nairobi, QuietFrom: 13 * time.Hour, QuietTo: 14 * time.Hour}
	day.defaults()
	w = &Worker{cfg: day}
	if !w.quiet(at(13, 30)) || w.quiet(at(14, 0)) || w.quiet(at(12, 59)) {
		t.Error("13:00–14:00 window misread")
	}
	off := Config{Location: nairobi, NoQuietHours: true}
	off.defaults()
	if (&Worker{cfg: off}).quiet(at(23, 0)) {
		t.Error("NoQuietHours still quiet at 23:00")
	}
}

// With a rate limit, a batch is what the goroutine can send within a quarter of the lease,
// so rows do not wait out their lease in a slow worker's hands.
func TestBatchFollowsRate(t *testing.T) {
	for _, tt := range []struct {
		rate    float64
		workers int
		want    int
	}{
		{0, 4, 10}, {200, 4, 10}, {1, 4, 7}, {0.1, 4, 1}, {1, 1, 10},
	} {
		cfg := Config{Rate: tt.rate, Workers: tt.workers}
		cfg.defaults()
		if cfg.Batch != tt.want {
			t.Errorf("rate %v, %d workers: batch %d, want %d", tt.rate, tt.workers, cfg.Batch, tt.want)
		}
	}
	short := Config{Lease: 3 * time.Second}
	short.defaults()
	if short.SendTimeout != time.Second {
		t.Errorf("lease 3s: send timeout %v, want 1s (a third of the lease)", short.SendTimeout)
	}
}

// A row put back for an outage is due again within ProbeWait the first time, so the outage's
// rows go out within seconds of the provider's return; a row that meets a 5xx alone, again
// and again, waits twice as long each time, up to MaxBackoff, instead of looping.
func TestPostponeWaitGrows(t *testing.T) {
	cfg := Config{ProbeWait: time.Second, MaxBackoff: time.Hour}
	cfg.defaults()
	w := &Worker{cfg: cfg}
	for before, ceiling := range map[int64]time.Duration{0: time.Second, 1: 2 * time.Second, 5: 32 * time.Second, 30: time.Hour} {
		for range 200 {
			if d := w.postponeWait(before); d < ceiling/10 || d > ceiling {
				t.Fatalf("put back %d times before: wait %v outside [%v, %v]", before, d, ceiling/10, ceiling)
			}
		}
	}
}
