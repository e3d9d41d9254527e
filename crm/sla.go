package crm

import (
	"fmt"
	"strings"
	"time"
)

// BusinessClock measures SLA time: only the hours the contact centre works count (08:00–17:00
// East Africa Time, Monday to Friday, never on a public holiday). It reads holidays from the
// current catalogue, so a gazetted holiday the operator adds moves deadlines computed after it.
type BusinessClock struct {
	Location *time.Location
	Hours    Hours
	Catalog  func() *Catalog
}

// maxBusinessDays bounds the clock's walks: a calendar with no working day must not loop.
const maxBusinessDays = 3660

func (b BusinessClock) open(day time.Time) (from, to time.Time, ok bool) {
	switch day.Weekday() {
	case time.Saturday, time.Sunday:
		return time.Time{}, time.Time{}, false
	}
	if _, holiday := b.Catalog().Holiday(day); holiday {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := day.Date()
	from = time.Date(y, m, d, b.Hours.Open/60, b.Hours.Open%60, 0, 0, b.Location)
	to = time.Date(y, m, d, b.Hours.Close/60, b.Hours.Close%60, 0, 0, b.Location)
	return from, to, true
}

// Add is the moment d of business time after t. A deadline that falls exactly at closing
// time stays there rather than moving to the next opening.
func (b BusinessClock) Add(t time.Time, d time.Duration) time.Time {
	cur := t.In(b.Location)
	if d <= 0 {
		return cur
	}
	for i := 0; i < maxBusinessDays; i++ {
		day := DateOf(cur)
		if from, to, ok := b.open(day); ok {
			if cur.Before(from) {
				cur = from
			}
			if cur.Before(to) {
				if left := to.Sub(cur); d <= left {
					return cur.Add(d)
				} else {
					d -= left
				}
			}
		}
		y, m, dd := day.Date()
		cur = time.Date(y, m, dd+1, 0, 0, 0, 0, b.Location)
	}
	return cur
}

// Between is the business time in [from, to); zero when to is not after from.
func (b BusinessClock) Between(from, to time.Time) time.Duration {
	from, to = from.In(b.Location), to.In(b.Location)
	var sum time.Duration
	for i := 0; i < maxBusinessDays && from.Before(to); i++ {
		day := DateOf(from)
		if open, shut, ok := b.open(day); ok {
			lo, hi := maxTime(from, open), minTime(to, shut)
			if lo.Before(hi) {
				sum += hi.Sub(lo)
			}
		}
		y, m, d := day.Date()
		from = time.Date(y, m, d+1, 0, 0, 0, 0, b.Location)
	}
	return sum
}

// IsOpen reports whether t falls in business hours.
func (b BusinessClock) IsOpen(t time.Time) bool {
	t = t.In(b.Location)
	from, to, ok := b.open(DateOf(t))
	return ok && !t.Before(from) && t.Before(to)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SLAPolicy is a category's targets, in business time. Step is how long each level a case
// escalates to has before it climbs again.
type SLAPolicy struct {
	FirstResponse time.Duration
	Resolution    time.Duration
	Step          time.Duration
}

// businessDay is one working day of business time.
const businessDay = 9 * time.Hour

// SLAPolicies are the targets per category; categories without an entry take Default.
type SLAPolicies struct {
	Default    SLAPolicy
	ByCategory map[Category]SLAPolicy
}

// DefaultSLAPolicies are the One-Stop-Shop targets: a first response within 4 business hours
// and resolution within 5 business days; a corruption report must be picked up within 1
// business hour. A level an overdue case climbs to has as long as a first response to act.
func DefaultSLAPolicies() SLAPolicies {
	return SLAPolicies{
		Default: SLAPolicy{FirstResponse: 4 * time.Hour, Resolution: 5 * businessDay, Step: 4 * time.Hour},
		ByCategory: map[Category]SLAPolicy{
			CategoryCorruption: {FirstResponse: time.Hour, Resolution: 5 * businessDay, Step: time.Hour},
		},
	}
}

// For is the policy of a category.
func (p SLAPolicies) For(c Category) SLAPolicy {
	if pol, ok := p.ByCategory[c]; ok {
		return pol
	}
	return p.Default
}

// maxSLATarget bounds every target of a policy: a year of business time is already no
// promise at all, and a larger value is a typo (1000000h) that would stop a category ever
// escalating.
const maxSLATarget = 365 * 24 * time.Hour

// ParseSLAPolicies reads overrides of the defaults, for configuration:
// "corruption=1h/45h/1h,long_wait=2h/27h/2h" (first response / resolution / step, business
// time; "default=" sets the default). An empty string gives the defaults.
//
// What cannot be meant is refused rather than guessed at: an empty item (a doubled or
// trailing comma), a category given twice (which one wins?), a first response due after
// the resolution, and a target over a year.
func ParseSLAPolicies(s string) (SLAPolicies, error) {
	p := DefaultSLAPolicies()
	if strings.TrimSpace(s) == "" {
		return p, nil
	}
	seen := map[string]bool{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return SLAPolicies{}, fmt.Errorf("SLA policy %d is empty (a doubled or trailing comma?)", i+1)
		}
		name, spec, ok := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if seen[name] {
			return SLAPolicies{}, fmt.Errorf("SLA policy %q: %s is given twice", item, name)
		}
		seen[name] = true
		parts := strings.Split(spec, "/")
		if !ok || len(parts) != 3 {
			return SLAPolicies{}, fmt.Errorf("SLA policy %q: want category=first/resolution/step", item)
		}
		var d [3]time.Duration
		for i, part := range parts {
			v, err := time.ParseDuration(strings.TrimSpace(part))
			if err != nil || v <= 0 {
				return SLAPolicies{}, fmt.Errorf("SLA policy %q: %q is not a positive duration", item, part)
			}
			if v > maxSLATarget {
				return SLAPolicies{}, fmt.Errorf("SLA policy %q: %q is more than a year (%v at most)", item, part, maxSLATarget)
			}
			d[i] = v
		}
		pol := SLAPolicy{FirstResponse: d[0], Resolution: d[1], Step: d[2]}
		if pol.FirstResponse > pol.Resolution {
			return SLAPolicies{}, fmt.Errorf("SLA policy %q: the first response (%v) is due after the resolution (%v)", item, pol.FirstResponse, pol.Resolution)
		}
		switch c := Category(name); {
		case name == "default":
			p.Default = pol
		case c.Valid():
			p.ByCategory[c] = pol
		default:
			return SLAPolicies{}, fmt.Errorf("SLA policy %q: unknown category %q", item, name)
		}
	}
	return p, nil
}
