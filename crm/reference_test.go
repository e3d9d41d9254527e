package crm

import (
	"errors"
	"testing"
)

func TestParseReference(t *testing.T) {
	ref, err := NewReference()
	if err != nil {
		t.Fatal(err)
	}
	g := ref.Grouped()
	tests := []struct {
		name, in string
		want     Reference
		err      error
	}{
		{"as stored", string(ref), ref, nil},
		{"grouped with spaces", g, ref, nil},
		{"grouped with dashes", g[:3] + "-" + g[4:7] + "-" + g[8:], ref, nil},
		{"padded", "  " + g + " ", ref, nil},
		{"too short", string(ref[:ReferenceDigits-1]), "", ErrBadReference},
		{"too long", string(ref) + "0", "", ErrBadReference},
		{"letters", "12a456789", "", ErrBadReference},
		{"emoji", string(ref[:8]) + "😀", "", ErrBadReference},
		{"empty", "", "", ErrBadReference},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReference(tt.in)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("ParseReference(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

// A mistyped digit must be caught before we look anything up: every single-digit change and
// every swap of two different adjacent digits of many references fails the check.
func TestReferenceCatchesTypos(t *testing.T) {
	for i := 0; i < 200; i++ {
		ref, err := NewReference()
		if err != nil {
			t.Fatal(err)
		}
		if len(ref) != ReferenceDigits {
			t.Fatalf("reference %q has %d digits", ref, len(ref))
		}
		b := []byte(ref)
		for pos := range b {
			orig := b[pos]
			for d := byte('0'); d <= '9'; d++ {
				if d == orig {
					continue
				}
				b[pos] = d
				if _, err := ParseReference(string(b)); err == nil {
					t.Fatalf("typo %s (from %s) passed the check", b, ref)
				}
			}
			b[pos] = orig
		}
		for pos := 0; pos+1 < len(b); pos++ {
			if b[pos] == b[pos+1] {
				continue
			}
			b[pos], b[pos+1] = b[pos+1], b[pos]
			if _, err := ParseReference(string(b)); err == nil {
				t.Fatalf("transposition %s (from %s) passed the check", b, ref)
			}
			b[pos], b[pos+1] = b[pos+1], b[pos]
		}
	}
}

func TestReferenceGrouped(t *testing.T) {
	if got := Reference("123456789").Grouped(); got != "123 456 789" {
		t.Fatalf("Grouped = %q", got)
	}
}
