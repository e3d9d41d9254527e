package crm

import (
	"log/slog"
	"strings"
)

// Phone is a Kenyan mobile number in E.164 form (+2547XXXXXXXX or +2541XXXXXXXX). It is
// personal data under the Data Protection Act 2019, so it logs itself masked.
type Phone string

// ErrNotKenyanMobile means the number is not a Kenyan mobile number.
var ErrNotKenyanMobile = newError(KindInvalid, "not a Kenyan mobile number")

// phoneSeparators is built once: ParsePhone runs on every hop.
var phoneSeparators = strings.NewReplacer(" ", "", "-", "")

// ParsePhone accepts the forms a Kenyan number arrives in (+254712345678, 254712345678,
// 0712345678, with spaces) and returns the E.164 form.
func ParsePhone(s string) (Phone, error) {
	s = phoneSeparators.Replace(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "+254"):
		s = s[4:]
	case strings.HasPrefix(s, "254"):
		s = s[3:]
	case strings.HasPrefix(s, "0"):
		s = s[1:]
	default:
		return "", ErrNotKenyanMobile
	}
	if len(s) != 9 || (s[0] != '7' && s[0] != '1') {
		return "", ErrNotKenyanMobile
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrNotKenyanMobile
		}
	}
	return Phone("+254" + s), nil
}

// Masked keeps the country code, the first digit and the last two digits: enough for an
// operator to tell numbers apart in a log, not enough to call anyone.
func (p Phone) Masked() string { return MaskPhone(string(p)) }

// LogValue makes slog print the masked number wherever a Phone is logged.
func (p Phone) LogValue() slog.Value { return slog.StringValue(p.Masked()) }

// MaskPhone masks any phone-like string, valid or not, for logging untrusted input: at most
// the first third (five characters) and the last two characters stay.
func MaskPhone(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	keep := min(5, len(s)/3+1)
	return s[:keep] + strings.Repeat("*", len(s)-keep-2) + s[len(s)-2:]
}
