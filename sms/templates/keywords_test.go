package templates_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/templates"
)

// TestKeywordReplies pins the replies to SMS keywords in both languages, in every variant the
// worst-case test does not reach (each keyword, an empty list, a list of one).
func TestKeywordReplies(t *testing.T) {
	tm, cat, _ := load(t)
	appt := []string{"ref1", "600042550", "centre1", "KSM", "service1", "BIRTH-CERT", "day1", "2026-11-25", "time1", "09:30"}
	tests := []struct {
		name string
		n    crm.Notification
		want string
	}{
		{"stranger's ticket en", note(crm.NotifySMSStatusRequest, crm.English, "ref", "600042550", "status", "processing"),
			"Huduma: Ticket 600 042 550 status: Being processed."},
		{"stranger's ticket sw", note(crm.NotifySMSStatusRequest, crm.Swahili, "ref", "600042550", "status", "processing"),
			"Huduma: Hali ya ombi 600 042 550: Linashughulikiwa."},
		{"own case en", note(crm.NotifySMSStatusCase, crm.English, "case", "123456789", "status", "in_progress", "category", "long_wait"),
			"Huduma: Your case 123 456 789 (Long wait or delay) is now: Being worked on. We will SMS you when it changes."},
		{"own case sw", note(crm.NotifySMSStatusCase, crm.Swahili, "case", "123456789", "status", "in_progress", "category", "long_wait"),
			"Huduma: Kesi yako 123 456 789 (Kusubiri muda mrefu) sasa: Inashughulikiwa. Tutakutumia SMS ikibadilika."},
		{"stranger's case", note(crm.NotifySMSStatusCase, crm.English, "case", "123456789", "status", "new"),
			"Huduma: Case 123 456 789 status: Received."},
		{"own corruption report names no category", note(crm.NotifySMSStatusCase, crm.English, "case", "123456789", "status", "new", "category", "corruption"),
			"Huduma: Case 123 456 789 status: Received."},
		{"no appointments en", note(crm.NotifySMSAppointments, crm.English, "count", "0"),
			"Huduma: You have no upcoming appointments. Dial *384*50# to book one."},
		{"no appointments sw", note(crm.NotifySMSAppointments, crm.Swahili, "count", "0"),
			"Huduma: Huna miadi ijayo. Piga *384*50# kuweka miadi."},
		{"one appointment en", note(crm.NotifySMSAppointments, crm.English, append([]string{"count", "1"}, appt...)...),
			"Huduma: Your appointments: 600 042 550: Birth certificate, Huduma Centre Kisumu, Wed 25 Nov at 09:30. Send CANCEL and a number to cancel one."},
		{"three appointments sw", note(crm.NotifySMSAppointments, crm.Swahili, append([]string{"count", "3",
			"ref2", "123456789", "centre2", "GPO", "service2", "ID-NEW", "day2", "2026-11-26", "time2", "14:00"}, appt...)...),
			"Huduma: Miadi yako: 600 042 550: Cheti cha kuzaliwa, Kituo cha Huduma Kisumu, Jumatano 25 Nov saa 3:30 asubuhi. 123 456 789: Kitambulisho kipya, Kituo cha Huduma Nairobi GPO, Alhamisi 26 Nov saa 8:00 mchana. Na nyingine 1. Kughairi, tuma GHAIRI na nambari yake."},
		{"rated sw", note(crm.NotifySMSRated, crm.Swahili, "case", "123456789"),
			"Huduma: Asante kwa kukadiria huduma yetu kwa kesi 123 456 789. Inatusaidia kukuhudumia vizuri zaidi."},
		{"cancelled sw", note(crm.NotifySMSCancelled, crm.Swahili, "ref", "600042550"),
			"Huduma: Miadi 600 042 550 imeghairiwa. Tuma MIADI kuona miadi uliyo nayo."},
		{"not found status en", note(crm.NotifySMSNotFound, crm.English, "ref", "600042550", "keyword", "status"),
			"Huduma: We found no ticket or case with the number 600 042 550. Please check it and try again."},
		{"not found cancel sw", note(crm.NotifySMSNotFound, crm.Swahili, "ref", "600042550", "keyword", "cancel"),
			"Huduma: Huna miadi yenye nambari 600 042 550. Tuma MIADI kuona miadi yako."},
		{"usage status sw", note(crm.NotifySMSUsage, crm.Swahili, "keyword", "status"),
			"Huduma: Kujua hali ya ombi au kesi, tuma HALI na nambari yake ya tarakimu 9, mfano HALI 600 042 550."},
		{"usage complaint en", note(crm.NotifySMSUsage, crm.English, "keyword", "complaint"),
			"Huduma: To complain, send COMPLAINT and a few words about the problem, e.g. COMPLAINT I waited 5 hours at Kisumu."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tm.Render(cat, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if parts, gsm := templates.Segments(got); parts > 2 || !gsm {
				t.Errorf("%d parts (GSM-7 %v): %q", parts, gsm, got)
			}
		})
	}
	// Every keyword a reply may name, in both languages.
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		for _, k := range []string{crm.KeywordStatus, crm.KeywordCancel, crm.KeywordComplaint} {
			n := note(crm.NotifySMSUsage, l, "keyword", k)
			if text, err := tm.Render(cat, n); err != nil || text == "" {
				t.Errorf("usage %s %s: %q, %v", k, l, text, err)
			}
			if k == crm.KeywordComplaint {
				continue
			}
			n = note(crm.NotifySMSNotFound, l, "keyword", k, "ref", "600042550")
			if text, err := tm.Render(cat, n); err != nil || text == "" {
				t.Errorf("not found %s %s: %q, %v", k, l, text, err)
			}
		}
	}
}

func TestKeywordRepliesBadParams(t *testing.T) {
	tm, cat, _ := load(t)
	for name, n := range map[string]crm.Notification{
		"unknown keyword":          note(crm.NotifySMSUsage, crm.English, "keyword", "dance"),
		"complaint is never found": note(crm.NotifySMSNotFound, crm.English, "keyword", "complaint", "ref", "600042550"),
		"count not a number":       note(crm.NotifySMSAppointments, crm.English, "count", "two"),
		"listed appointment gone":  note(crm.NotifySMSAppointments, crm.English, "count", "1", "ref1", "600042550"),
		"request status unknown":   note(crm.NotifySMSStatusRequest, crm.English, "ref", "600042550", "status", "lost"),
	} {
		if text, err := tm.Render(cat, n); !errors.Is(err, templates.ErrParams) {
			t.Errorf("%s: err = %v (text %q), want ErrParams", name, err, text)
		}
	}
}

// A message that tells the citizen to dial names the gateway's own code.
func TestMessagesNameTheUSSDCode(t *testing.T) {
	tm, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	for l, want := range map[crm.Lang]string{crm.English: "Dial *123*4# to book one.", crm.Swahili: "Piga *123*4# kuweka miadi."} {
		got, err := tm.WithUSSDCode("*123*4#").Render(nil, crm.Notification{Kind: crm.NotifySMSAppointments, Lang: l, Params: map[string]string{"count": "0"}})
		if err != nil || !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q (%v), want it to end %q", l, got, err, want)
		}
	}
}
