package crm

import (
	"testing"
	"time"
)

func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	data, err := DefaultRefData()
	if err != nil {
		t.Fatal(err)
	}
	return NewCatalog(data)
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestCalendarHours(t *testing.T) {
	cat := testCatalog(t)
	nairobi, _ := time.LoadLocation("Africa/Nairobi")
	weekdaysOnly := DefaultCalendar(nairobi)
	withSaturday := weekdaysOnly
	withSaturday.Saturday = Hours{Open: 8 * 60, Close: 13 * 60}
	tests := []struct {
		name  string
		cal   Calendar
		day   string
		slots int
		first int
	}{
		{"weekday: 08:00 to 17:00 in half hours", weekdaysOnly, "2026-11-25", 18, 8 * 60},
		{"Saturday closed by default", weekdaysOnly, "2026-11-28", 0, 0},
		{"Saturday when configured", withSaturday, "2026-11-28", 10, 8 * 60},
		{"Sunday always closed", withSaturday, "2026-11-29", 0, 0},
		{"Christmas, a Friday", weekdaysOnly, "2026-12-25", 0, 0},
		{"Jamhuri Day on a Saturday, even when Saturdays open", withSaturday, "2026-12-12", 0, 0},
		{"observed holiday on a Monday", weekdaysOnly, "2027-12-13", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			starts := tt.cal.SlotStarts(cat, date(tt.day))
			if len(starts) != tt.slots {
				t.Fatalf("%d slots, want %d", len(starts), tt.slots)
			}
			if tt.slots > 0 && starts[0] != tt.first {
				t.Fatalf("first slot %s", FormatMinute(starts[0]))
			}
			if tt.slots > 0 && !tt.cal.IsSlot(cat, date(tt.day), starts[len(starts)-1]) {
				t.Fatal("last start is not a slot")
			}
		})
	}
	if weekdaysOnly.IsSlot(cat, date("2026-11-25"), 8*60+15) || weekdaysOnly.IsSlot(cat, date("2026-11-25"), 17*60) {
		t.Fatal("off-grid or after-closing start accepted")
	}
}

func TestParseHours(t *testing.T) {
	for in, ok := range map[string]bool{"": true, "08:00-13:00": true, "13:00-08:00": false, "8-1": false, "08:00-25:00": false} {
		if _, err := ParseHours(in); (err == nil) != ok {
			t.Errorf("ParseHours(%q): err=%v", in, err)
		}
	}
}

func TestCatalog(t *testing.T) {
	cat := testCatalog(t)
	if n := len(cat.Counties()); n < 40 {
		t.Fatalf("%d counties", n)
	}
	if c := cat.CentresIn("Nairobi"); len(c) != 5 {
		t.Fatalf("Nairobi has %d centres", len(c))
	}
	national := 0
	data, _ := DefaultRefData()
	for _, s := range data.Services {
		if s.Scope == ScopeNational {
			national++
		}
	}
	for _, c := range data.Centres {
		if got := len(cat.ServicesAt(c.Code)); got <= national {
			t.Errorf("%s offers %d services; every centre offers the %d national ones and some county ones", c.Code, got, national)
		}
	}
	if !cat.Offers("KSM", "BIRTH-CERT") || !cat.Offers("KSM", "CG-PARKING") || cat.Offers("KBR", "CG-PARKING") {
		t.Fatal("offerings wrong")
	}
	if s, _ := cat.Service("BIRTH-CERT"); s.Label(Swahili) != "Cheti cha kuzaliwa" || s.Label(English) != "Birth certificate" {
		t.Fatalf("labels: %+v", s)
	}
}
