package crm

import (
	"fmt"
	"time"
)

// Hours are a day's opening hours as minutes after midnight, local time: [Open, Close).
type Hours struct {
	Open, Close int
}

// ParseHours reads "08:00-13:00"; the empty string means closed (zero Hours).
func ParseHours(s string) (Hours, error) {
	if s == "" {
		return Hours{}, nil
	}
	var oh, om, ch, cm int
	if _, err := fmt.Sscanf(s, "%d:%d-%d:%d", &oh, &om, &ch, &cm); err != nil {
		return Hours{}, fmt.Errorf("opening hours %q: want HH:MM-HH:MM", s)
	}
	h := Hours{Open: oh*60 + om, Close: ch*60 + cm}
	if oh > 23 || ch > 24 || om > 59 || cm > 59 || h.Open >= h.Close {
		return Hours{}, fmt.Errorf("opening hours %q: closing must come after opening within the day", s)
	}
	return h, nil
}

// Closed reports whether these hours mean the centre does not open.
func (h Hours) Closed() bool { return h.Close <= h.Open }

// Calendar is when centres open: Monday to Friday on weekday hours, Saturday on its own
// (configurable, closed by default), never on Sunday or a public holiday. All times are in
// the configured zone (East Africa Time); dates are civil dates (see DateOf).
type Calendar struct {
	Location    *time.Location
	Weekday     Hours
	Saturday    Hours
	SlotMinutes int
}

// DefaultCalendar is the Huduma Centres' published timetable: 08:00–17:00 on weekdays,
// closed at weekends, half-hour appointment slots.
func DefaultCalendar(loc *time.Location) Calendar {
	return Calendar{Location: loc, Weekday: Hours{Open: 8 * 60, Close: 17 * 60}, SlotMinutes: 30}
}

// DateOf is the civil date of t (in t's own location) as midnight UTC: the one form dates take
// in the domain and the stores, so that comparing and keying them never depends on a zone.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// HoursOn gives the opening hours on a date, closed on Sundays and holidays.
func (c Calendar) HoursOn(cat *Catalog, day time.Time) Hours {
	if _, holiday := cat.Holiday(day); holiday {
		return Hours{}
	}
	switch day.Weekday() {
	case time.Sunday:
		return Hours{}
	case time.Saturday:
		return c.Saturday
	default:
		return c.Weekday
	}
}

// SlotStarts lists the appointment start times on a date, in minutes after midnight.
func (c Calendar) SlotStarts(cat *Catalog, day time.Time) []int {
	h := c.HoursOn(cat, day)
	var starts []int
	for m := h.Open; m+c.SlotMinutes <= h.Close; m += c.SlotMinutes {
		starts = append(starts, m)
	}
	return starts
}

// IsSlot reports whether start is an appointment start time on day.
func (c Calendar) IsSlot(cat *Catalog, day time.Time, start int) bool {
	h := c.HoursOn(cat, day)
	return !h.Closed() && start >= h.Open && start+c.SlotMinutes <= h.Close && (start-h.Open)%c.SlotMinutes == 0
}

// Instant is the moment a slot starts.
func (c Calendar) Instant(day time.Time, start int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), start/60, start%60, 0, 0, c.Location)
}

// FormatMinute renders minutes after midnight as 24-hour "09:30", the form Kenyan
// timetables use, and the form of times kept as data (notification params). What a citizen
// reads or hears goes through FormatTime, which gives Kiswahili its own count.
func FormatMinute(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
