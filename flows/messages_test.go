package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

func TestCataloguesAreComplete(t *testing.T) {
	m, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	// Keys whose text is the same in both languages on purpose: the bilingual language
	// screen, names, and formats.
	same := map[string]bool{"language.title": true, "language.en": true, "language.sw": true,
		"date": true, "appts.item": true, "callback.window": true, "voice:language.title": true}
	for _, k := range m.Keys() {
		en, sw := m.Text(crm.English, k), m.Text(crm.Swahili, k)
		if en == "" || sw == "" {
			t.Errorf("%s: empty text", k)
		}
		if en == sw && !same[k] && !strings.HasPrefix(k, "month.") && !strings.HasPrefix(k, "voice:month.") {
			t.Errorf("%s: Kiswahili is a copy of the English %q", k, en)
		}
	}
}

func TestDates(t *testing.T) {
	m, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if got := m.Date(crm.English, day); got != "Tue 1 Dec" {
		t.Errorf("English %q", got)
	}
	if got := m.Date(crm.Swahili, day); got != "Jumanne 1 Des" {
		t.Errorf("Kiswahili %q", got)
	}
}
