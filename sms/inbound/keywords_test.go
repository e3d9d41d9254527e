package inbound_test

import (
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/inbound"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text string
		kw   inbound.Keyword
		lang crm.Lang
		arg  string
	}{
		{"STATUS 600042550", inbound.Status, crm.English, "600042550"},
		{"  hali 600-042-550 ", inbound.Status, crm.Swahili, "600-042-550"},
		{"Hali\n600 042\t550", inbound.Status, crm.Swahili, "600 042 550"},
		{"Status600042550", inbound.Status, crm.English, "600042550"},
		{"HALI:600042550 tafadhali", inbound.Status, crm.Swahili, "600042550 tafadhali"},
		{"status: 600042550", inbound.Status, crm.English, "600042550"},
		{"Statuses", inbound.None, "", ""},
		{"appointments", inbound.Appointments, crm.English, ""},
		{"Appointment", inbound.Appointments, crm.English, ""},
		{"miadi yangu", inbound.Appointments, crm.Swahili, "yangu"},
		{"CANCEL 600042550", inbound.Cancel, crm.English, "600042550"},
		{"ghairi600042550", inbound.Cancel, crm.Swahili, "600042550"},
		{"COMPLAINT  the  queue\nwas long", inbound.Complaint, crm.English, "the queue was long"},
		{"complain rude guard", inbound.Complaint, crm.English, "rude guard"},
		{"Malalamiko foleni ndefu", inbound.Complaint, crm.Swahili, "foleni ndefu"},
		{"lalamiko", inbound.Complaint, crm.Swahili, ""},
		{"help", inbound.Help, crm.English, ""},
		{"#HELP!", inbound.Help, crm.English, ""},
		{"Msaada", inbound.Help, crm.Swahili, ""},
		{"STOP", inbound.Stop, crm.English, ""},
		{"stop.", inbound.Stop, crm.English, ""},
		{"Acha", inbound.Stop, crm.Swahili, ""},
		{"START", inbound.Start, crm.English, ""},
		{"anza", inbound.Start, crm.Swahili, ""},
		{"please stop", inbound.None, "", ""},
		{"", inbound.None, "", ""},
		{"   \n ", inbound.None, "", ""},
		{"Habari", inbound.None, "", ""},
		{"HELPSTOP", inbound.None, "", ""},
		{"STOP600042550", inbound.None, "", ""},
	}
	for _, tt := range tests {
		got := inbound.Parse(tt.text)
		if got.Keyword != tt.kw || got.Lang != tt.lang || got.Arg != tt.arg {
			t.Errorf("Parse(%q) = %+v, want {%s %s %q}", tt.text, got, tt.kw, tt.lang, tt.arg)
		}
	}
}

func TestKeywordsHaveBothLanguages(t *testing.T) {
	have := map[inbound.Keyword]map[crm.Lang]bool{}
	for word := range inbound.Keywords() {
		c := inbound.Parse(strings.ToLower(word))
		if c.Keyword == inbound.None {
			t.Errorf("%s does not parse", word)
			continue
		}
		if have[c.Keyword] == nil {
			have[c.Keyword] = map[crm.Lang]bool{}
		}
		have[c.Keyword][c.Lang] = true
	}
	for _, k := range []inbound.Keyword{inbound.Status, inbound.Appointments, inbound.Cancel, inbound.Complaint, inbound.Help, inbound.Stop, inbound.Start} {
		if !have[k][crm.English] || !have[k][crm.Swahili] {
			t.Errorf("%s: languages %v, want English and Kiswahili", k, have[k])
		}
	}
}

func TestReference(t *testing.T) {
	good := crm.Reference("600042550")
	if _, err := crm.ParseReference(string(good)); err != nil {
		t.Skip("the example reference does not check; pick another")
	}
	for _, s := range []string{"600042550", "600 042 550", "600-042-550", "#600042550.", "600042550 please", " 600 042 550, thanks"} {
		if got, err := inbound.Reference(s); err != nil || got != good {
			t.Errorf("Reference(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "60004255", "600042551", "abc", "6000425501"} {
		if got, err := inbound.Reference(s); err == nil {
			t.Errorf("Reference(%q) = %q, want an error", s, got)
		}
	}
}

func TestDescription(t *testing.T) {
	if got := inbound.Description("  waited\n\nfive\x00 hours\t "); got != "waited five hours" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("maneno ", 200)
	if got := inbound.Description(long); len([]rune(got)) > crm.MaxDescription || got == "" {
		t.Errorf("%d characters kept", len([]rune(got)))
	}
	if got := inbound.Description("foleni \xff ndefu"); got != "foleni ndefu" {
		t.Errorf("invalid UTF-8: %q", got)
	}
}
