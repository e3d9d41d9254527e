package crm

import (
	"fmt"
	"testing"
)

// Every half hour of the day in the Swahili count, as a screen shows it and as a caller hears
// it (docs: the table in the Kiswahili guide; 00:00 is saa sita usiku, 06:00 saa kumi na mbili
// asubuhi, 19:00 saa moja usiku).
func TestSwahiliTimeEveryHalfHour(t *testing.T) {
	tests := []struct {
		at, screen, spoken string
	}{
		{"00:00", "6:00 usiku", "sita usiku"},
		{"00:30", "6:30 usiku", "sita na nusu usiku"},
		{"01:00", "7:00 usiku", "saba usiku"},
		{"01:30", "7:30 usiku", "saba na nusu usiku"},
		{"02:00", "8:00 usiku", "nane usiku"},
		{"02:30", "8:30 usiku", "nane na nusu usiku"},
		{"03:00", "9:00 usiku", "tisa usiku"},
		{"03:30", "9:30 usiku", "tisa na nusu usiku"},
		{"04:00", "10:00 alfajiri", "kumi alfajiri"},
		{"04:30", "10:30 alfajiri", "kumi na nusu alfajiri"},
		{"05:00", "11:00 alfajiri", "kumi na moja alfajiri"},
		{"05:30", "11:30 alfajiri", "kumi na moja na nusu alfajiri"},
		{"06:00", "12:00 asubuhi", "kumi na mbili asubuhi"},
		{"06:30", "12:30 asubuhi", "kumi na mbili na nusu asubuhi"},
		{"07:00", "1:00 asubuhi", "moja asubuhi"},
		{"07:30", "1:30 asubuhi", "moja na nusu asubuhi"},
		{"08:00", "2:00 asubuhi", "mbili asubuhi"},
		{"08:30", "2:30 asubuhi", "mbili na nusu asubuhi"},
		{"09:00", "3:00 asubuhi", "tatu asubuhi"},
		{"09:30", "3:30 asubuhi", "tatu na nusu asubuhi"},
		{"10:00", "4:00 asubuhi", "nne asubuhi"},
		{"10:30", "4:30 asubuhi", "nne na nusu asubuhi"},
		{"11:00", "5:00 asubuhi", "tano asubuhi"},
		{"11:30", "5:30 asubuhi", "tano na nusu asubuhi"},
		{"12:00", "6:00 mchana", "sita mchana"},
		{"12:30", "6:30 mchana", "sita na nusu mchana"},
		{"13:00", "7:00 mchana", "saba mchana"},
		{"13:30", "7:30 mchana", "saba na nusu mchana"},
		{"14:00", "8:00 mchana", "nane mchana"},
		{"14:30", "8:30 mchana", "nane na nusu mchana"},
		{"15:00", "9:00 alasiri", "tisa alasiri"},
		{"15:30", "9:30 alasiri", "tisa na nusu alasiri"},
		{"16:00", "10:00 alasiri", "kumi alasiri"},
		{"16:30", "10:30 alasiri", "kumi na nusu alasiri"},
		{"17:00", "11:00 jioni", "kumi na moja jioni"},
		{"17:30", "11:30 jioni", "kumi na moja na nusu jioni"},
		{"18:00", "12:00 jioni", "kumi na mbili jioni"},
		{"18:30", "12:30 jioni", "kumi na mbili na nusu jioni"},
		{"19:00", "1:00 usiku", "moja usiku"},
		{"19:30", "1:30 usiku", "moja na nusu usiku"},
		{"20:00", "2:00 usiku", "mbili usiku"},
		{"20:30", "2:30 usiku", "mbili na nusu usiku"},
		{"21:00", "3:00 usiku", "tatu usiku"},
		{"21:30", "3:30 usiku", "tatu na nusu usiku"},
		{"22:00", "4:00 usiku", "nne usiku"},
		{"22:30", "4:30 usiku", "nne na nusu usiku"},
		{"23:00", "5:00 usiku", "tano usiku"},
		{"23:30", "5:30 usiku", "tano na nusu usiku"},
	}
	if len(tests) != 48 {
		t.Fatalf("%d rows, want every half hour (48)", len(tests))
	}
	for i, tc := range tests {
		m := i * 30
		if FormatMinute(m) != tc.at {
			t.Fatalf("row %d is %s, want %s: keep the rows in order", i, tc.at, FormatMinute(m))
		}
		if got := FormatTime(Swahili, m, TimeShort); got != tc.screen {
			t.Errorf("%s on a screen: %q, want %q", tc.at, got, tc.screen)
		}
		if got, want := FormatTime(Swahili, m, TimeLong), tc.screen+" ("+tc.at+")"; got != want {
			t.Errorf("%s in a confirmation: %q, want %q", tc.at, got, want)
		}
		if got := FormatTime(Swahili, m, TimeSpoken); got != tc.spoken {
			t.Errorf("%s spoken: %q, want %q", tc.at, got, tc.spoken)
		}
		for _, form := range []TimeForm{TimeShort, TimeLong, TimeSpoken} {
			if got := FormatTime(English, m, form); got != tc.at {
				t.Errorf("%s in English (form %d): %q", tc.at, form, got)
			}
		}
	}
}

func TestSwahiliTimeBetweenTheHalfHours(t *testing.T) {
	tests := []struct {
		minute         int
		screen, spoken string
	}{
		{8*60 + 15, "2:15 asubuhi", "mbili na robo asubuhi"},
		{8*60 + 45, "2:45 asubuhi", "tatu kasoro robo asubuhi"},
		{17*60 + 45, "11:45 jioni", "kumi na mbili kasoro robo jioni"},
		{18*60 + 45, "12:45 jioni", "moja kasoro robo jioni"},
		{10*60 + 1, "4:01 asubuhi", "nne na dakika moja asubuhi"},
		{10*60 + 37, "4:37 asubuhi", "nne na dakika thelathini na saba asubuhi"},
		{14*60 + 10, "8:10 mchana", "nane na dakika kumi mchana"},
	}
	for _, tc := range tests {
		if got := FormatTime(Swahili, tc.minute, TimeShort); got != tc.screen {
			t.Errorf("%s on a screen: %q, want %q", FormatMinute(tc.minute), got, tc.screen)
		}
		if got := FormatTime(Swahili, tc.minute, TimeSpoken); got != tc.spoken {
			t.Errorf("%s spoken: %q, want %q", FormatMinute(tc.minute), got, tc.spoken)
		}
	}
}

// A span names the day part once when both ends share it.
func TestSwahiliSpans(t *testing.T) {
	tests := []struct {
		lang     Lang
		from, to int
		form     TimeForm
		want     string
	}{
		{Swahili, 15 * 60, 16*60 + 30, TimeShort, "9:00|10:30 alasiri"},
		{Swahili, 14 * 60, 16 * 60, TimeShort, "8:00 mchana|10:00 alasiri"},
		{Swahili, 13 * 60, 14*60 + 30, TimeShort, "7:00|8:30 mchana"},
		{Swahili, 13 * 60, 14*60 + 30, TimeLong, "7:00|8:30 mchana (13:00-14:30)"},
		{Swahili, 13 * 60, 14*60 + 30, TimeSpoken, "saba|nane na nusu mchana"},
		{Swahili, 8 * 60, 12 * 60, TimeShort, "2:00 asubuhi|6:00 mchana"},
		{Swahili, 8 * 60, 12 * 60, TimeLong, "2:00 asubuhi|6:00 mchana (08:00-12:00)"},
		{Swahili, 8 * 60, 12 * 60, TimeSpoken, "mbili asubuhi|sita mchana"},
		{English, 8 * 60, 12 * 60, TimeLong, "08:00|12:00"},
	}
	for _, tc := range tests {
		a, b := FormatSpan(tc.lang, tc.from, tc.to, tc.form)
		if got := a + "|" + b; got != tc.want {
			t.Errorf("%s %s-%s (form %d): %q, want %q", tc.lang, FormatMinute(tc.from), FormatMinute(tc.to), tc.form, got, tc.want)
		}
	}
}

func ExampleFormatTime() {
	fmt.Println(FormatTime(Swahili, 9*60+30, TimeLong))
	fmt.Println("saa " + FormatTime(Swahili, 9*60+30, TimeSpoken))
	// Output:
	// 3:30 asubuhi (09:30)
	// saa tatu na nusu asubuhi
}
