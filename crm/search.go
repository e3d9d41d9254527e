package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Case search: the one search box of the agents' console and the q parameter of the JSON
// API. An agent on the phone hears a case number, a phone number or a few words, and types
// what they heard as they heard it; ParseCaseSearch decides which of the three it is, so the
// agent never has to say. What it cannot read is an error saying why, never an empty search:
// an empty search lists every case, which looks like an answer and is not one.

// Bounds of a search. They keep a search a handful of indexed lookups or LIKE patterns, and
// a word too short to narrow anything (a single letter) out of the query.
const (
	// MaxSearchLength is the longest query, in characters.
	MaxSearchLength = 100
	// MaxSearchWords is how many words a query may hold: every one must appear.
	MaxSearchWords = 5
	// MinSearchWord is the shortest word, in characters ("na", "ya" and "ID" are words).
	MinSearchWord = 2
	// MinPhoneEnding is the fewest last digits of a phone a search takes: fewer would match
	// a good share of all citizens.
	MinPhoneEnding = 4
	// maxPhoneEnding is the national number's length: a longer ending is a full phone.
	maxPhoneEnding = 9
)

// SearchKind says how a query was read.
type SearchKind string

const (
	SearchNone        SearchKind = ""
	SearchNumber      SearchKind = "number"       // a case (or ticket) number
	SearchPhone       SearchKind = "phone"        // a whole phone number
	SearchPhoneEnding SearchKind = "phone_ending" // the last digits of a phone
	SearchWords       SearchKind = "words"        // words of the description
)

// CaseSearch is a query as ParseCaseSearch (or ParsePhoneSearch) read it. At most one field
// is set; the zero CaseSearch searches for nothing and narrows no filter. Narrow puts it into
// a CaseFilter, whose fields of the same names the stores apply.
type CaseSearch struct {
	Number      Reference // a case number, check digit verified
	Phone       Phone     // a whole Kenyan mobile number
	PhoneEnding string    // MinPhoneEnding to 8 (9 from ParsePhoneSearch) last digits of a phone
	Words       []string  // lower-cased, distinct, each at least MinSearchWord characters
}

// Kind says which of the fields is set.
func (s CaseSearch) Kind() SearchKind {
	switch {
	case s.Number != "":
		return SearchNumber
	case s.Phone != "":
		return SearchPhone
	case s.PhoneEnding != "":
		return SearchPhoneEnding
	case len(s.Words) > 0:
		return SearchWords
	}
	return SearchNone
}

// IsZero reports whether the search asks for nothing.
func (s CaseSearch) IsZero() bool { return s.Kind() == SearchNone }

// ParseCaseSearch reads one search box's worth of text. Surrounding space is ignored, and
// blank text is the zero CaseSearch (no search). Otherwise the text is read as:
//
//   - digits alone, grouped any way with spaces or dashes ("539 125 728", "539-125-728",
//     "5391 25728"), optionally after a "+":
//   - 9 digits are a case number. Its check digit must match: one that does not is an
//     error saying so (a mistyped or swapped digit), never "no results". A phone's last 9
//     digits are therefore never searched as such; a whole phone is typed with its 0, 254
//     or +254, and a shorter ending is 4 to 8 digits. (Read the other way, a mistyped
//     case number that begins with 7 or 1, a fifth of them, would quietly search phones
//     and find nothing, where the check digit can say what is wrong.)
//   - a whole Kenyan mobile number in any form ParsePhone accepts (+2547…, 2547…, 07…)
//     is that phone; other 10 or more digits are an error.
//   - 4 to 8 digits are the last digits of a phone ("5678" finds +254712345678); fewer
//     than 4 are an error.
//   - anything else is words (at most MaxSearchWords, each at least MinSearchWord
//     characters after punctuation around it is dropped): a case is found when every
//     word appears somewhere in its description, ignoring case, so "foleni kisumu"
//     finds "Foleni ndefu sana pale Kisumu" and part of a word finds the word.
//
// Every error wraps ErrBadInput and says what is wrong in words an agent can act on.
func ParseCaseSearch(q string) (CaseSearch, error) {
	q, err := cleanQuery(q)
	if err != nil || q == "" {
		return CaseSearch{}, err
	}
	if digits, plus, ok := digitsOf(q); ok {
		return parseDigits(q, digits, plus)
	}
	return parseWords(q)
}

// ParsePhoneSearch reads a phone to search by: a whole Kenyan mobile number in any form
// ParsePhone accepts, or its last MinPhoneEnding to 9 digits (9 is the national number
// without its 0, which here cannot be a case number). Blank text is the zero CaseSearch.
func ParsePhoneSearch(s string) (CaseSearch, error) {
	s, err := cleanQuery(s)
	if err != nil || s == "" {
		return CaseSearch{}, err
	}
	digits, plus, ok := digitsOf(s)
	switch {
	case !ok:
		return CaseSearch{}, fmt.Errorf("%w: %q is not a phone number: use digits (a whole number, or its last %d or more)", ErrBadInput, s, MinPhoneEnding)
	case plus || len(digits) > maxPhoneEnding:
		if plus {
			digits = "+" + digits
		}
		p, err := ParsePhone(digits)
		if err != nil {
			return CaseSearch{}, fmt.Errorf("%w: %q is not a Kenyan mobile number (07…, 01…, +254…), nor its last %d to %d digits", ErrBadInput, s, MinPhoneEnding, maxPhoneEnding)
		}
		return CaseSearch{Phone: p}, nil
	case len(digits) < MinPhoneEnding:
		return CaseSearch{}, fmt.Errorf("%w: %q is too short to search by: give a whole phone number or its last %d digits at least", ErrBadInput, s, MinPhoneEnding)
	}
	return CaseSearch{PhoneEnding: digits}, nil
}

// cleanQuery trims q and refuses what no one types into a search box (tabs and line breaks
// are spaces).
func cleanQuery(q string) (string, error) {
	if !utf8.ValidString(q) {
		return "", fmt.Errorf("%w: the search is not valid UTF-8", ErrBadInput)
	}
	q = strings.TrimSpace(q)
	if n := utf8.RuneCountInString(q); n > MaxSearchLength {
		return "", fmt.Errorf("%w: the search has %d characters, at most %d are allowed", ErrBadInput, n, MaxSearchLength)
	}
	if strings.IndexFunc(q, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) >= 0 {
		return "", fmt.Errorf("%w: the search contains control characters", ErrBadInput)
	}
	return q, nil
}

// digitsOf returns the digits of q when q is a number as a person writes one: digits
// grouped by spaces, tabs or dashes, with at most a "+" in front. ok is false for anything
// else, and for text without a digit.
func digitsOf(q string) (digits string, plus bool, ok bool) {
	if rest, found := strings.CutPrefix(q, "+"); found {
		q, plus = rest, true
	}
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\t':
		default:
			return "", false, false
		}
	}
	return b.String(), plus, b.Len() > 0
}

// parseDigits reads a query of digits: a case number, a whole phone or a phone's ending.
func parseDigits(q, digits string, plus bool) (CaseSearch, error) {
	switch {
	case plus || len(digits) > ReferenceDigits:
		return wholePhone(q, digits, plus)
	case len(digits) == ReferenceDigits:
		ref, err := ParseReference(digits)
		if err != nil {
			return CaseSearch{}, fmt.Errorf("%w: %q is not a case number: its check digit does not match (a digit is mistyped or two are swapped); a phone number is typed with its 0 or +254", ErrBadInput, q)
		}
		return CaseSearch{Number: ref}, nil
	case len(digits) < MinPhoneEnding:
		return CaseSearch{}, fmt.Errorf("%w: %q has too few digits to search by: a case number has %d, a phone's ending at least %d", ErrBadInput, q, ReferenceDigits, MinPhoneEnding)
	}
	return CaseSearch{PhoneEnding: digits}, nil
}

// wholePhone reads search digits that can only be a whole phone number.
func wholePhone(q, digits string, plus bool) (CaseSearch, error) {
	if plus {
		digits = "+" + digits
	}
	p, err := ParsePhone(digits)
	if err != nil {
		return CaseSearch{}, fmt.Errorf("%w: %q is neither a case number (%d digits) nor a Kenyan mobile number (07…, 01…, +254…)", ErrBadInput, q, ReferenceDigits)
	}
	return CaseSearch{Phone: p}, nil
}

// parseWords reads a query of words: lower-cased, punctuation around each dropped (so
// "foleni," is "foleni"), repeats dropped.
func parseWords(q string) (CaseSearch, error) {
	var words []string
	for _, f := range strings.Fields(q) {
		w := strings.ToLower(strings.TrimFunc(f, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }))
		if w == "" || slices.Contains(words, w) {
			continue
		}
		if utf8.RuneCountInString(w) < MinSearchWord {
			return CaseSearch{}, fmt.Errorf("%w: %q is too short to search for: words need %d characters at least", ErrBadInput, f, MinSearchWord)
		}
		words = append(words, w)
	}
	switch {
	case len(words) == 0:
		return CaseSearch{}, fmt.Errorf("%w: nothing to search for in %q: give a case number, a phone number or words of the complaint", ErrBadInput, q)
	case len(words) > MaxSearchWords:
		return CaseSearch{}, fmt.Errorf("%w: the search has %d words, at most %d are allowed", ErrBadInput, len(words), MaxSearchWords)
	}
	return CaseSearch{Words: words}, nil
}

// Narrow adds the search to f: the cases f selects that the search also finds. ok is false
// when the two cannot both hold for any case (two different numbers or phones, a phone
// that does not end with the ending asked for), so the caller can answer "no cases"
// without asking the store. Of a phone and an ending it keeps the one that says more.
// Narrow leaves f's scope (queue, centre) as it is; the Office applies the user's.
func (s CaseSearch) Narrow(f CaseFilter) (CaseFilter, bool) {
	if s.Number != "" {
		if f.Number != "" && f.Number != s.Number {
			return f, false
		}
		f.Number = s.Number
	}
	if s.Phone != "" {
		if f.Phone != "" && f.Phone != s.Phone {
			return f, false
		}
		f.Phone = s.Phone
	}
	if s.PhoneEnding != "" {
		switch {
		case f.PhoneEnding == "" || strings.HasSuffix(s.PhoneEnding, f.PhoneEnding):
			f.PhoneEnding = s.PhoneEnding
		case !strings.HasSuffix(f.PhoneEnding, s.PhoneEnding):
			return f, false
		}
	}
	if f.Phone != "" && f.PhoneEnding != "" {
		if !strings.HasSuffix(string(f.Phone), f.PhoneEnding) {
			return f, false
		}
		f.PhoneEnding = ""
	}
	for _, w := range s.Words {
		if !slices.Contains(f.Words, w) {
			f.Words = append(slices.Clip(f.Words), w)
		}
	}
	return f, true
}

// checkSearch refuses search fields a parser would not have produced, so a filter filled by
// hand can never turn into "every case": an empty word matches every description.
func (f CaseFilter) checkSearch() error {
	if f.Number != "" {
		if ref, err := ParseReference(string(f.Number)); err != nil || ref != f.Number {
			return fmt.Errorf("%w: case number %q: %w", ErrBadInput, f.Number, ErrBadReference)
		}
	}
	if f.PhoneEnding != "" {
		if len(f.PhoneEnding) < MinPhoneEnding || len(f.PhoneEnding) > maxPhoneEnding ||
			strings.IndexFunc(f.PhoneEnding, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return fmt.Errorf("%w: a phone's ending is %d to %d digits, not %q", ErrBadInput, MinPhoneEnding, maxPhoneEnding, f.PhoneEnding)
		}
	}
	if len(f.Words) > MaxSearchWords {
		return fmt.Errorf("%w: at most %d words, not %d", ErrBadInput, MaxSearchWords, len(f.Words))
	}
	for _, w := range f.Words {
		if utf8.RuneCountInString(strings.TrimSpace(w)) < MinSearchWord || utf8.RuneCountInString(w) > MaxSearchLength {
			return fmt.Errorf("%w: a word to search for is %d to %d characters, not %q", ErrBadInput, MinSearchWord, MaxSearchLength, w)
		}
	}
	return nil
}

// TicketExists reports whether a tracked request (a ticket) has this number, so that a
// search by number can offer the ticket beside the cases it finds: tickets and cases are
// numbered alike, and a citizen reading one out may not say which it is. Every member of
// staff may read any ticket (see Request), so the answer depends on no role.
func (o *Office) TicketExists(ctx context.Context, ref Reference) (bool, error) {
	_, err := o.store.RequestByRef(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("ticket %s: %w", ref, err)
}
