package crm

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in   string
		want Phone
		err  error
	}{
		{"+254712345678", "+254712345678", nil},
		{"254712345678", "+254712345678", nil},
		{"0712345678", "+254712345678", nil},
		{"0712 345 678", "+254712345678", nil},
		{"+254110345678", "+254110345678", nil},
		{"+255712345678", "", ErrNotKenyanMobile}, // Tanzania
		{"+14155550100", "", ErrNotKenyanMobile},
		{"+254202345678", "", ErrNotKenyanMobile}, // a Nairobi landline
		{"+25471234567", "", ErrNotKenyanMobile},
		{"+2547123456789", "", ErrNotKenyanMobile},
		{"+2547123x5678", "", ErrNotKenyanMobile},
		{"", "", ErrNotKenyanMobile},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// A phone number logged through slog never shows in full.
func TestPhoneLogsMasked(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("hop", "phone", Phone("+254712345678"))
	if strings.Contains(buf.String(), "712345678") || !strings.Contains(buf.String(), "phone=+2547******78") {
		t.Fatalf("log line shows the number: %s", buf.String())
	}
	for raw, want := range map[string]string{
		"+254712345678": "+2547******78",
		"0712345678":    "0712****78",
		"+14155550100":  "+1415*****00",
		"12345":         "12*45",
		"12":            "**",
	} {
		if got := MaskPhone(raw); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", raw, got, want)
		}
	}
}
