package templates

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name string
		text string
		n    int
		gsm7 bool
	}{
		{"empty", "", 0, true},
		{"one char", "a", 1, true},
		{"160 GSM", strings.Repeat("a", 160), 1, true},
		{"161 GSM", strings.Repeat("a", 161), 2, true},
		{"306 GSM is two parts", strings.Repeat("a", 306), 2, true},
		{"307 GSM is three parts", strings.Repeat("a", 307), 3, true},
		{"459 GSM is three parts", strings.Repeat("a", 459), 3, true},
		{"460 GSM is four parts", strings.Repeat("a", 460), 4, true},
		{"basic-table accents and Greek", "Ñ é ü Δ Ω £ ¥ § ¿ ¡ @ $", 1, true},
		{"newline and CR are GSM", "a\nb\rc", 1, true},
		{"euro counts two", strings.Repeat("a", 158) + "€", 1, true},
		{"euro tips over 160", strings.Repeat("a", 159) + "€", 2, true},
		{"brace counts two", strings.Repeat("{", 80), 1, true},
		{"81 braces are 162 septets", strings.Repeat("{", 81), 2, true},
		{"every extension char", "\f^{}\\[~]|€", 1, true},
		{"escape not split across parts", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 10), 2, true},
		// 152 septets then an escape pair would straddle the 153 boundary: it moves whole
		// into the next part, so 152 + 153 + 2 septets need three parts, not two.
		{"escape pushes a part", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 151) + "[", 3, true},
		{"70 UCS-2", strings.Repeat("ş", 70), 1, false},
		{"71 UCS-2", strings.Repeat("ş", 71), 2, false},
		{"134 UCS-2", strings.Repeat("ş", 134), 2, false},
		{"135 UCS-2", strings.Repeat("ş", 135), 3, false},
		{"one curly quote switches all", strings.Repeat("a", 69) + "’", 1, false},
		{"curly quote in long text", strings.Repeat("a", 70) + "’", 2, false},
		{"backtick is not GSM", "`", 1, false},
		{"emoji is two units", strings.Repeat("a", 68) + "😀", 1, false},
		{"emoji tips over 70", strings.Repeat("a", 69) + "😀", 2, false},
		// 134 units would be two parts of 67, but the emoji cannot straddle the first
		// boundary, so it opens the second part and the last "a" needs a third.
		{"surrogate pair not split", strings.Repeat("a", 66) + "😀" + strings.Repeat("a", 66), 3, false},
		{"Kiswahili is GSM", "Ombi lako la Cheti cha kuzaliwa liko tayari kuchukuliwa.", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, gsm7 := Segments(tt.text)
			if n != tt.n || gsm7 != tt.gsm7 {
				t.Errorf("Segments = %d, %v; want %d, %v", n, gsm7, tt.n, tt.gsm7)
			}
		})
	}
}
