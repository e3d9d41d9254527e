package templates

import "unicode/utf16"

// SMS part sizes. A single GSM-7 message carries 160 septets; once split, each part loses 7
// septets to the concatenation header, leaving 153. UCS-2 carries 70 UTF-16 units, 67 when
// split.
const (
	gsm7Single = 160
	gsm7Part   = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// The GSM 03.38 alphabet, written out because no GSM-7 module is served by the module proxy
// here and the table is short. gsm7Basic costs one septet per character; gsm7Extension
// characters are sent as an escape plus a septet, so they cost two.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extension = "\f^{}\\[~]|€"
)

var gsm7Cost = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// IsGSM7 reports whether every character of text is in the GSM-7 alphabet (basic or
// extension table), so the message is sent 7-bit rather than as UCS-2.
func IsGSM7(text string) bool {
	for _, r := range text {
		if gsm7Cost[r] == 0 {
			return false
		}
	}
	return true
}

// Segments counts the SMS parts text is sent as, and whether it goes as GSM-7. Any character
// outside GSM-7 (a curly quote, an emoji) switches the whole message to UCS-2, which more
// than halves what fits in a part: that is why the catalogues stay within GSM-7. A part never
// ends in the middle of an escape sequence or a surrogate pair, as handsets would refuse to
// join it, so a split message may need one part more than a plain division says. Empty text
// is no message: 0 parts.
func Segments(text string) (n int, gsm7 bool) {
	if text == "" {
		return 0, true
	}
	if IsGSM7(text) {
		return pack(text, gsm7Single, gsm7Part, func(r rune) int { return gsm7Cost[r] }), true
	}
	return pack(text, ucs2Single, ucs2Part, utf16Len), false
}

// utf16Len is a character's size in UCS-2 (UTF-16) units: 2 for emoji and others outside
// the Basic Multilingual Plane.
func utf16Len(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // not a valid character: sent as one replacement unit
}

// pack counts parts of at most part units each, never splitting a character's units, unless
// the whole text fits in one single-part message.
func pack(text string, single, part int, cost func(rune) int) int {
	total := 0
	for _, r := range text {
		total += cost(r)
	}
	if total <= single {
		return 1
	}
	parts, used := 1, 0
	for _, r := range text {
		c := cost(r)
		if used+c > part {
			parts++
			used = 0
		}
		used += c
	}
	return parts
}

// Segments is the package's Segments, as a method, so that *Templates is all a page needs to
// show a message as it will be sent.
func (t *Templates) Segments(text string) (parts int, gsm7 bool) { return Segments(text) }
