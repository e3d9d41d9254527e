package crm

import (
	"fmt"
	"strconv"
)

// Swahili time. Many Kiswahili speakers count the hours of the day from dawn (06:00 is
// "saa 12", 07:00 "saa 1") and name the part of the day, so "saa 09:30" (a 24-hour figure after
// "saa") reads to them as 15:30, and a speech synthesiser says it as "saa tisa thelathini",
// which is 15:30 too. Every time a Kiswahili citizen reads or hears is therefore written in
// the Swahili count with its day part; screens and SMS add the 24-hour figure where there is
// room, because timetables, tickets and the other half of the country read that one.
//
// None of the forms includes the word "saa": the catalogue sentence says it where Kiswahili
// needs it ("Jumanne 24 Nov saa %s"), and a list of times under "Chagua saa" does without.

// TimeForm is how a time of day is written for a citizen.
type TimeForm int

const (
	// TimeShort is for lists and tight lines: "09:30", "3:30 asubuhi".
	TimeShort TimeForm = iota
	// TimeLong is for confirmations and SMS: "09:30", "3:30 asubuhi (09:30)".
	TimeLong
	// TimeSpoken is for voice: "09:30", "tatu na nusu asubuhi" (the caller hears words, never
	// figures a synthesiser would read in the 24-hour count).
	TimeSpoken
)

// DayPart names the part of the day a time falls in, the word that tells saa 2 asubuhi
// (08:00) from saa 2 usiku (20:00).
func DayPart(minute int) string {
	switch h := (minute / 60) % 24; {
	case h >= 4 && h < 6:
		return "alfajiri"
	case h >= 6 && h < 12:
		return "asubuhi"
	case h >= 12 && h < 15:
		return "mchana"
	case h >= 15 && h < 17:
		return "alasiri"
	case h >= 17 && h < 19:
		return "jioni"
	default:
		return "usiku"
	}
}

// SwahiliHour is the hour of minute in the Swahili count: (24-hour hour − 6) mod 12, 0 read as
// 12.
func SwahiliHour(minute int) int {
	h := ((minute/60)%24 - 6 + 24) % 12
	if h == 0 {
		h = 12
	}
	return h
}

// FormatTime writes minutes after midnight as a citizen of language l reads or hears them.
// English keeps the 24-hour figure in every form.
func FormatTime(l Lang, minute int, form TimeForm) string {
	if l != Swahili {
		return FormatMinute(minute)
	}
	part := DayPart(minute)
	switch form {
	case TimeSpoken:
		return spokenClock(minute) + " " + part
	case TimeLong:
		return swahiliClock(minute) + " " + part + " (" + FormatMinute(minute) + ")"
	default:
		return swahiliClock(minute) + " " + part
	}
}

// FormatSpan writes the two ends of a span within one day ("between from and to"). In
// Kiswahili the day part is said once, after the end, when both ends share it: "8:00" and
// "10:00 mchana", not "8:00 mchana" and "10:00 mchana". TimeLong puts the 24-hour figures
// after the end: "10:00 mchana (14:00-16:00)".
func FormatSpan(l Lang, from, to int, form TimeForm) (string, string) {
	if l != Swahili {
		return FormatMinute(from), FormatMinute(to)
	}
	short := form
	if short == TimeLong {
		short = TimeShort
	}
	a, b := FormatTime(l, from, short), FormatTime(l, to, short)
	if DayPart(from) == DayPart(to) {
		if form == TimeSpoken {
			a = spokenClock(from)
		} else {
			a = swahiliClock(from)
		}
	}
	if form == TimeLong {
		b += " (" + FormatMinute(from) + "-" + FormatMinute(to) + ")"
	}
	return a, b
}

// swahiliClock is the Swahili count as figures: "3:30".
func swahiliClock(minute int) string {
	return strconv.Itoa(SwahiliHour(minute)) + fmt.Sprintf(":%02d", minute%60)
}

// spokenClock is the Swahili count in words, without the day part: 09:00 "tatu", 09:15 "tatu
// na robo", 09:30 "tatu na nusu", 09:45 "nne kasoro robo" (a quarter to saa nne), 09:10
// "tatu na dakika kumi".
func spokenClock(minute int) string {
	h, m := SwahiliHour(minute), minute%60
	switch m {
	case 0:
		return swahiliNumber(h)
	case 15:
		return swahiliNumber(h) + " na robo"
	case 30:
		return swahiliNumber(h) + " na nusu"
	case 45:
		return swahiliNumber(h%12+1) + " kasoro robo"
	case 1:
		return swahiliNumber(h) + " na dakika moja"
	}
	return swahiliNumber(h) + " na dakika " + swahiliNumber(m)
}

var (
	swahiliUnits = [...]string{"", "moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa"}
	swahiliTens  = [...]string{"", "kumi", "ishirini", "thelathini", "arobaini", "hamsini"}
)

// swahiliNumber writes 1–59 in words: "kumi na mbili", "arobaini na tano".
func swahiliNumber(n int) string {
	tens, units := n/10, n%10
	switch {
	case tens == 0:
		return swahiliUnits[units]
	case units == 0:
		return swahiliTens[tens]
	}
	return swahiliTens[tens] + " na " + swahiliUnits[units]
}
