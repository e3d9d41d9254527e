package crm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// A reference with a valid check digit, and the same with its last digit changed.
const (
	searchRef    = Reference("539125728")
	searchBadRef = "539125729"
)

func TestSearchFixtures(t *testing.T) {
	if _, err := ParseReference(string(searchRef)); err != nil {
		t.Fatalf("%s should be a valid reference: %v", searchRef, err)
	}
	if _, err := ParseReference(searchBadRef); err == nil {
		t.Fatalf("%s should fail the check digit", searchBadRef)
	}
}

func TestParseCaseSearch(t *testing.T) {
	tests := []struct {
		name, q string
		want    CaseSearch
		kind    SearchKind
	}{
		{"blank", "   ", CaseSearch{}, SearchNone},
		{"empty", "", CaseSearch{}, SearchNone},

		{"number as stored", "539125728", CaseSearch{Number: searchRef}, SearchNumber},
		{"number in threes", "539 125 728", CaseSearch{Number: searchRef}, SearchNumber},
		{"number with dashes", "539-125-728", CaseSearch{Number: searchRef}, SearchNumber},
		{"number four and five", "5391 25728", CaseSearch{Number: searchRef}, SearchNumber},
		{"number in pairs, padded", "  53 91 25 72 8 ", CaseSearch{Number: searchRef}, SearchNumber},
		{"number with a tab", "539\t125728", CaseSearch{Number: searchRef}, SearchNumber},

		{"phone 07", "0712345678", CaseSearch{Phone: "+254712345678"}, SearchPhone},
		{"phone 07 grouped", "0712 345 678", CaseSearch{Phone: "+254712345678"}, SearchPhone},
		{"phone 2547", "254712345678", CaseSearch{Phone: "+254712345678"}, SearchPhone},
		{"phone +2547", "+254712345678", CaseSearch{Phone: "+254712345678"}, SearchPhone},
		{"phone +254 grouped", "+254 712-345-678", CaseSearch{Phone: "+254712345678"}, SearchPhone},
		{"phone 01", "0110123456", CaseSearch{Phone: "+254110123456"}, SearchPhone},

		{"last 4 digits", "5678", CaseSearch{PhoneEnding: "5678"}, SearchPhoneEnding},
		{"last 6 digits grouped", "345 678", CaseSearch{PhoneEnding: "345678"}, SearchPhoneEnding},
		{"last 8 digits", "12345678", CaseSearch{PhoneEnding: "12345678"}, SearchPhoneEnding},
		{"leading zeros kept", "0078", CaseSearch{PhoneEnding: "0078"}, SearchPhoneEnding},

		{"one word", "foleni", CaseSearch{Words: []string{"foleni"}}, SearchWords},
		{"words lower-cased", "Foleni KISUMU", CaseSearch{Words: []string{"foleni", "kisumu"}}, SearchWords},
		{"punctuation around words dropped", `"foleni," (saa)!`, CaseSearch{Words: []string{"foleni", "saa"}}, SearchWords},
		{"punctuation inside kept", "ID_NEW 50%off", CaseSearch{Words: []string{"id_new", "50%off"}}, SearchWords},
		{"repeats dropped", "foleni Foleni foleni", CaseSearch{Words: []string{"foleni"}}, SearchWords},
		{"non-ASCII", "Ñairobi ÉCOLE", CaseSearch{Words: []string{"ñairobi", "école"}}, SearchWords},
		{"digits among words are words", "KSM 0712", CaseSearch{Words: []string{"ksm", "0712"}}, SearchWords},
		{"a stray dash is dropped", "foleni - saa", CaseSearch{Words: []string{"foleni", "saa"}}, SearchWords},
		{"five words", "a1 b2 c3 d4 e5", CaseSearch{Words: []string{"a1", "b2", "c3", "d4", "e5"}}, SearchWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCaseSearch(tt.q)
			if err != nil {
				t.Fatalf("ParseCaseSearch(%q): %v", tt.q, err)
			}
			if !reflect.DeepEqual(got, tt.want) || got.Kind() != tt.kind {
				t.Fatalf("ParseCaseSearch(%q) = %+v (%q), want %+v (%q)", tt.q, got, got.Kind(), tt.want, tt.kind)
			}
			if got.IsZero() != (tt.kind == SearchNone) {
				t.Errorf("IsZero() = %v for %q", got.IsZero(), tt.kind)
			}
		})
	}
}

// What a search cannot read is an error that says what is wrong, never an empty search
// (which would list every case).
func TestParseCaseSearchRefuses(t *testing.T) {
	tests := []struct {
		name, q string
		says    string
	}{
		{"wrong check digit", searchBadRef, "check digit"},
		{"wrong check digit, grouped", "539 125 729", "check digit"},
		{"a phone's last 9 digits", "712345670", "check digit"}, // not a valid reference either
		{"too few digits", "123", "too few digits"},
		{"two digits", "12", "too few digits"},
		{"ten digits, not a phone", "1234567890", "neither a case number"},
		{"a landline", "0201234567", "neither a case number"},
		{"plus, not Kenyan", "+14155550100", "neither a case number"},
		{"plus, too short", "+2547", "neither a case number"},
		{"one letter", "a", "too short"},
		{"a short word among others", "foleni x", "too short"},
		{"six words", "aa bb cc dd ee ff", "at most 5"},
		{"only punctuation", "---", "nothing to search for"},
		{"only symbols", "+ % _", "nothing to search for"},
		{"emoji", "😡😡", "nothing to search for"},
		{"too long", strings.Repeat("foleni ", 20), "at most 100"},
		{"control characters", "foleni\x00saa", "control characters"},
		{"invalid UTF-8", "foleni\xff", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCaseSearch(tt.q)
			if err == nil {
				t.Fatalf("ParseCaseSearch(%q) = %+v, want an error", tt.q, got)
			}
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("ParseCaseSearch(%q): %v; want ErrBadInput saying %q", tt.q, err, tt.says)
			}
		})
	}
}

func TestParsePhoneSearch(t *testing.T) {
	tests := []struct {
		in   string
		want CaseSearch
		says string // the error, "" for none
	}{
		{"", CaseSearch{}, ""},
		{"0712345678", CaseSearch{Phone: "+254712345678"}, ""},
		{"+254 712 345 678", CaseSearch{Phone: "+254712345678"}, ""},
		{"254712345678", CaseSearch{Phone: "+254712345678"}, ""},
		{"5678", CaseSearch{PhoneEnding: "5678"}, ""},
		{"345-678", CaseSearch{PhoneEnding: "345678"}, ""},
		// Here 9 digits cannot be a case number: the national number without its 0.
		{"712345678", CaseSearch{PhoneEnding: "712345678"}, ""},
		{"539125728", CaseSearch{PhoneEnding: "539125728"}, ""},
		{"12", CaseSearch{}, "too short"},
		{"567", CaseSearch{}, "too short"},
		{"0201234567", CaseSearch{}, "Kenyan mobile"},
		{"07123", CaseSearch{PhoneEnding: "07123"}, ""},
		{"akinyi", CaseSearch{}, "not a phone number"},
		{"+", CaseSearch{}, "not a phone number"},
	}
	for _, tt := range tests {
		got, err := ParsePhoneSearch(tt.in)
		switch {
		case tt.says == "" && err != nil:
			t.Errorf("ParsePhoneSearch(%q): %v", tt.in, err)
		case tt.says != "" && (!errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tt.says)):
			t.Errorf("ParsePhoneSearch(%q) = %+v, %v; want ErrBadInput saying %q", tt.in, got, err, tt.says)
		case !reflect.DeepEqual(got, tt.want):
			t.Errorf("ParsePhoneSearch(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestCaseSearchNarrow(t *testing.T) {
	const p = Phone("+254712345678")
	other := Reference("600042550")
	base := CaseFilter{Status: []CaseStatus{CaseNew}, Queue: QueueGeneral, Limit: 20}
	with := func(edit func(f *CaseFilter)) CaseFilter {
		f := base
		f.Status = []CaseStatus{CaseNew}
		edit(&f)
		return f
	}
	tests := []struct {
		name   string
		f      CaseFilter
		s      CaseSearch
		want   CaseFilter
		wantOK bool
	}{
		{"nothing", base, CaseSearch{}, base, true},
		{"number", base, CaseSearch{Number: searchRef}, with(func(f *CaseFilter) { f.Number = searchRef }), true},
		{"the same number twice", with(func(f *CaseFilter) { f.Number = searchRef }), CaseSearch{Number: searchRef},
			with(func(f *CaseFilter) { f.Number = searchRef }), true},
		{"two numbers", with(func(f *CaseFilter) { f.Number = other }), CaseSearch{Number: searchRef}, CaseFilter{}, false},
		{"phone", base, CaseSearch{Phone: p}, with(func(f *CaseFilter) { f.Phone = p }), true},
		{"two phones", with(func(f *CaseFilter) { f.Phone = "+254799999999" }), CaseSearch{Phone: p}, CaseFilter{}, false},
		{"ending", base, CaseSearch{PhoneEnding: "5678"}, with(func(f *CaseFilter) { f.PhoneEnding = "5678" }), true},
		{"a longer ending wins", with(func(f *CaseFilter) { f.PhoneEnding = "5678" }), CaseSearch{PhoneEnding: "345678"},
			with(func(f *CaseFilter) { f.PhoneEnding = "345678" }), true},
		{"a shorter ending adds nothing", with(func(f *CaseFilter) { f.PhoneEnding = "345678" }), CaseSearch{PhoneEnding: "5678"},
			with(func(f *CaseFilter) { f.PhoneEnding = "345678" }), true},
		{"two endings", with(func(f *CaseFilter) { f.PhoneEnding = "5678" }), CaseSearch{PhoneEnding: "1234"}, CaseFilter{}, false},
		{"a phone with its ending", with(func(f *CaseFilter) { f.PhoneEnding = "5678" }), CaseSearch{Phone: p},
			with(func(f *CaseFilter) { f.Phone = p }), true},
		{"an ending of the phone", with(func(f *CaseFilter) { f.Phone = p }), CaseSearch{PhoneEnding: "5678"},
			with(func(f *CaseFilter) { f.Phone = p }), true},
		{"a phone and another ending", with(func(f *CaseFilter) { f.Phone = p }), CaseSearch{PhoneEnding: "1234"}, CaseFilter{}, false},
		{"words add up", with(func(f *CaseFilter) { f.Words = []string{"foleni"} }), CaseSearch{Words: []string{"saa", "foleni"}},
			with(func(f *CaseFilter) { f.Words = []string{"foleni", "saa"} }), true},
		{"words with a phone", with(func(f *CaseFilter) { f.PhoneEnding = "5678" }), CaseSearch{Words: []string{"saa"}},
			with(func(f *CaseFilter) { f.PhoneEnding, f.Words = "5678", []string{"saa"} }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.s.Narrow(tt.f)
			if ok != tt.wantOK || (ok && !reflect.DeepEqual(got, tt.want)) {
				t.Fatalf("Narrow = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	// Narrow never writes into the words of the filter it was given.
	words := make([]string, 1, 4)
	words[0] = "foleni"
	f := CaseFilter{Words: words}
	CaseSearch{Words: []string{"saa"}}.Narrow(f)
	if got := words[:2]; got[1] != "" {
		t.Errorf("Narrow wrote %q into the caller's slice", got[1])
	}
}

// A filter filled by hand with what no parser produces is refused, so it cannot list every
// case (an empty word matches every description).
func TestCheckSearch(t *testing.T) {
	tests := []struct {
		name string
		f    CaseFilter
		ok   bool
	}{
		{"none", CaseFilter{}, true},
		{"parsed", CaseFilter{Number: searchRef, PhoneEnding: "5678", Words: []string{"foleni"}}, true},
		{"a bad check digit", CaseFilter{Number: searchBadRef}, false},
		{"a grouped number", CaseFilter{Number: "539 125 728"}, false},
		{"a short ending", CaseFilter{PhoneEnding: "78"}, false},
		{"a long ending", CaseFilter{PhoneEnding: "2547123456789"}, false},
		{"an ending of letters", CaseFilter{PhoneEnding: "56a8"}, false},
		{"an empty word", CaseFilter{Words: []string{""}}, false},
		{"a blank word", CaseFilter{Words: []string{"  "}}, false},
		{"too many words", CaseFilter{Words: []string{"aa", "bb", "cc", "dd", "ee", "ff"}}, false},
	}
	for _, tt := range tests {
		err := tt.f.checkSearch()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadInput)) {
			t.Errorf("%s: checkSearch() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
