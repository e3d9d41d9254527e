package crm

import (
	"strings"
	"testing"
	"time"
)

func businessClock(t *testing.T) BusinessClock {
	nairobi, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		t.Fatal(err)
	}
	cat := testCatalog(t)
	return BusinessClock{Location: nairobi, Hours: Hours{Open: 8 * 60, Close: 17 * 60}, Catalog: func() *Catalog { return cat }}
}

func TestBusinessClockAdd(t *testing.T) {
	b := businessClock(t)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, b.Location)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		from string
		d    time.Duration
		want string
	}{
		{"within the day", "2026-11-24 09:00", 4 * time.Hour, "2026-11-24 13:00"},
		{"ends at closing, stays there", "2026-11-24 13:00", 4 * time.Hour, "2026-11-24 17:00"},
		{"runs into the next morning", "2026-11-24 15:00", 4 * time.Hour, "2026-11-25 10:00"},
		{"before opening starts at 08:00", "2026-11-24 06:30", time.Hour, "2026-11-24 09:00"},
		{"after closing starts next morning", "2026-11-24 19:00", time.Hour, "2026-11-25 09:00"},
		{"Friday afternoon into Monday", "2026-11-27 16:00", 4 * time.Hour, "2026-11-30 11:00"},
		{"lodged on a Sunday", "2026-11-29 12:00", time.Hour, "2026-11-30 09:00"},
		{"Christmas Eve over Christmas and the weekend", "2026-12-24 15:00", 4 * time.Hour, "2026-12-28 10:00"},
		{"five business days", "2026-11-24 10:00", 5 * businessDay, "2026-12-01 10:00"},
		{"Thursday over the weekend", "2026-12-10 10:00", 2 * businessDay, "2026-12-14 10:00"},
		{"zero", "2026-11-24 19:00", 0, "2026-11-24 19:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.Add(at(tt.from), tt.d)
			if !got.Equal(at(tt.want)) {
				t.Errorf("Add(%s, %v) = %s, want %s", tt.from, tt.d, got.Format("Mon 2006-01-02 15:04"), tt.want)
			}
			if tt.d > 0 {
				if back := b.Between(at(tt.from), got); back != tt.d {
					t.Errorf("Between(%s, Add(…)) = %v, want %v", tt.from, back, tt.d)
				}
			}
		})
	}
}

func TestBusinessClockBetweenSkipsNights(t *testing.T) {
	b := businessClock(t)
	from := time.Date(2026, 11, 27, 12, 0, 0, 0, b.Location) // Friday noon
	to := time.Date(2026, 11, 30, 12, 0, 0, 0, b.Location)   // Monday noon
	if got, want := b.Between(from, to), 9*time.Hour; got != want {
		t.Errorf("Friday noon to Monday noon = %v of business time, want %v", got, want)
	}
	if got := b.Between(to, from); got != 0 {
		t.Errorf("backwards = %v, want 0", got)
	}
}

func TestParseSLAPolicies(t *testing.T) {
	p, err := ParseSLAPolicies("long_wait=2h/18h/1h, default=3h/27h/3h")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.For(CategoryLongWait); got != (SLAPolicy{2 * time.Hour, 18 * time.Hour, time.Hour}) {
		t.Errorf("long_wait = %+v", got)
	}
	if got := p.For(CategoryOther); got.FirstResponse != 3*time.Hour {
		t.Errorf("default not overridden: %+v", got)
	}
	if got := p.For(CategoryCorruption); got.FirstResponse != time.Hour {
		t.Errorf("corruption default lost: %+v", got)
	}
	for _, empty := range []string{"", "  "} {
		if got, err := ParseSLAPolicies(empty); err != nil || got.For(CategoryLongWait) != DefaultSLAPolicies().Default {
			t.Errorf("ParseSLAPolicies(%q) = %+v, %v; want the defaults", empty, got.For(CategoryLongWait), err)
		}
	}
	for _, tt := range []struct{ bad, why string }{
		{"bribes=1h/2h/3h", "unknown category"},
		{"long_wait=1h/2h", "want category=first/resolution/step"},
		{"long_wait=1h/-2h/1h", "not a positive duration"},
		{"long_wait", "want category=first/resolution/step"},
		{"long_wait=2h/18h/1h,long_wait=3h/18h/1h", "long_wait is given twice"},
		{"default=4h/45h/4h, default=4h/45h/4h", "default is given twice"},
		{"long_wait=20h/18h/1h", "the first response (20h0m0s) is due after the resolution (18h0m0s)"},
		{"long_wait=2h/1000000h/1h", "more than a year"},
		{"long_wait=2h/18h/9000h", "more than a year"},
		{"long_wait=2h/18h/1h,", "SLA policy 2 is empty"},
		{",long_wait=2h/18h/1h", "SLA policy 1 is empty"},
		{"long_wait=2h/18h/1h,,default=3h/27h/3h", "SLA policy 2 is empty"},
	} {
		_, err := ParseSLAPolicies(tt.bad)
		if err == nil || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseSLAPolicies(%q): %v, want it refused: %s", tt.bad, err, tt.why)
		}
	}
}
