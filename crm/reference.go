package crm

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// A Reference identifies an appointment (and later a ticket or a case) to a citizen. It is
// digits only, so it can be typed on any keypad in USSD and keyed in a voice menu, and its last
// digit is a Damm check digit, so any single mistyped digit and any swap of two adjacent digits
// is caught before we look anything up. (No check-digit module is served by the module proxy
// here, and Damm is a fixed 10×10 table.)
type Reference string

// ReferenceDigits is the length of a reference including its check digit: eight random digits
// give a hundred million references, enough that collisions (which the stores reject and the
// caller retries) stay rare for years of bookings.
const ReferenceDigits = 9

// ErrBadReference means the text is not a well-formed reference: wrong length, not digits, or
// a check digit that does not match (a typo).
var ErrBadReference = newError(KindInvalid, "not a valid reference")

// dammTable is the weakly totally anti-symmetric quasigroup of order 10 from Damm (2004).
var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// dammDigit returns the check digit for a string of ASCII digits.
func dammDigit(digits string) byte {
	var interim byte
	for i := 0; i < len(digits); i++ {
		interim = dammTable[interim][digits[i]-'0']
	}
	return interim
}

// NewReference draws a fresh random reference.
func NewReference() (Reference, error) {
	limit := big.NewInt(1)
	for i := 0; i < ReferenceDigits-1; i++ {
		limit.Mul(limit, big.NewInt(10))
	}
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", fmt.Errorf("draw reference: %w", err)
	}
	body := fmt.Sprintf("%0*d", ReferenceDigits-1, n)
	return Reference(body + string('0'+dammDigit(body))), nil
}

// ParseReference accepts what a citizen types or reads back: digits, possibly grouped with
// spaces or dashes ("123 456 789", "123-456-789"), and checks the check digit.
func ParseReference(s string) (Reference, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\t':
		default:
			return "", ErrBadReference
		}
	}
	digits := b.String()
	if len(digits) != ReferenceDigits || dammDigit(digits) != 0 {
		return "", ErrBadReference
	}
	return Reference(digits), nil
}

// Grouped renders the reference in groups of three ("123 456 789") for reading on a screen or
// in an SMS; ParseReference accepts it back.
func (r Reference) Grouped() string {
	s := string(r)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 && i%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
