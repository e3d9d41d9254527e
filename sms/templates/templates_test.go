package templates_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/templates"
)

func load(t *testing.T) (*templates.Templates, *crm.Catalog, crm.RefData) {
	t.Helper()
	tm, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := crm.DefaultRefData()
	if err != nil {
		t.Fatal(err)
	}
	return tm, crm.NewCatalog(d), d
}

func note(kind crm.NotificationKind, l crm.Lang, kv ...string) crm.Notification {
	p := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return crm.Notification{Kind: kind, Lang: l, Phone: "+254712345678", Params: p}
}

// TestRender pins the exact wording of a few messages in both languages: a change to a
// template shows up here for review.
func TestRender(t *testing.T) {
	tm, cat, _ := load(t)
	tests := []struct {
		name string
		n    crm.Notification
		want string
	}{
		{"ready en", note(crm.NotifyRequestStatus, crm.English, "ref", "600042550", "status", "ready_for_collection",
			"service", "BIRTH-CERT", "centre", "KSM", "ready", "", "reason", ""),
			"Huduma: Your Birth certificate is ready for collection at Huduma Centre Kisumu. Ref 600 042 550. Bring your ID."},
		{"ready sw", note(crm.NotifyRequestStatus, crm.Swahili, "ref", "600042550", "status", "ready_for_collection",
			"service", "BIRTH-CERT", "centre", "KSM"),
			"Huduma: Ombi lako la Cheti cha kuzaliwa, nambari 600 042 550, limekamilika. Chukua hati yako katika Kituo cha Huduma Kisumu. Beba kitambulisho chako."},
		{"received with ready date en", note(crm.NotifyRequestStatus, crm.English, "ref", "600042550", "status", "received",
			"service", "BIRTH-CERT", "centre", "KSM", "ready", "2026-11-25"),
			"Huduma: We have received your Birth certificate request at Huduma Centre Kisumu. Ref 600 042 550. Expected to be ready by Wed 25 Nov."},
		{"received with ready date sw", note(crm.NotifyRequestStatus, crm.Swahili, "ref", "600042550", "status", "received",
			"service", "BIRTH-CERT", "centre", "KSM", "ready", "2026-11-25"),
			"Huduma: Tumepokea ombi lako la Cheti cha kuzaliwa katika Kituo cha Huduma Kisumu. Nambari 600 042 550. Litakuwa tayari kufikia Jumatano 25 Nov."},
		{"rejected with reason sw", note(crm.NotifyRequestStatus, crm.Swahili, "ref", "600042550", "status", "rejected",
			"service", "BIRTH-CERT", "centre", "KSM", "reason", "Jina la mzazi halilingani na hati ya hospitali"),
			"Huduma: Ombi lako la Cheti cha kuzaliwa, nambari 600 042 550, halikukubaliwa. Sababu: Jina la mzazi halilingani na hati ya hospitali. Kwa msaada, fika Kituo cha Huduma Kisumu."},
		{"booking en", note(crm.NotifyBookingConfirmed, crm.English, "ref", "600042550", "centre", "KSM",
			"service", "BIRTH-CERT", "day", "2026-11-25", "time", "09:30"),
			"Huduma: Booked! Birth certificate at Huduma Centre Kisumu on Wed 25 Nov at 09:30. Ref 600 042 550. Bring your ID and this reference."},
		{"booking sw", note(crm.NotifyBookingConfirmed, crm.Swahili, "ref", "600042550", "centre", "KSM",
			"service", "BIRTH-CERT", "day", "2026-11-25", "time", "09:30"),
			"Huduma: Miadi imewekwa! Cheti cha kuzaliwa katika Kituo cha Huduma Kisumu, Jumatano 25 Nov saa 3:30 asubuhi (09:30). Nambari 600 042 550. Beba kitambulisho chako na nambari hii."},
		{"callback in Nairobi time", note(crm.NotifyCallbackAck, crm.English, "case", "123456789",
			"from", "2026-11-25T06:00:00Z", "to", "2026-11-25T08:00:00Z"),
			"Huduma: An agent will call you on Wed 25 Nov between 09:00 and 11:00. Your case number is 123 456 789."},
		{"callback over midnight sw", note(crm.NotifyCallbackAck, crm.Swahili, "case", "123456789",
			"from", "2026-11-25T17:00:00Z", "to", "2026-11-26T06:00:00Z"),
			"Huduma: Mhudumu atakupigia simu Jumatano 25 Nov kati ya saa 2:00 usiku (20:00) na Alhamisi 26 Nov saa 3:00 asubuhi (09:00). Nambari ya kesi yako ni 123 456 789."},
		{"callback in one day part sw: the part said once", note(crm.NotifyCallbackAck, crm.Swahili, "case", "123456789",
			"from", "2026-11-25T06:00:00Z", "to", "2026-11-25T08:00:00Z"),
			"Huduma: Mhudumu atakupigia simu Jumatano 25 Nov kati ya saa 3:00 na 5:00 asubuhi (09:00-11:00). Nambari ya kesi yako ni 123 456 789."},
		{"satisfaction sw: the rating words of the menus", note(crm.NotifySatisfaction, crm.Swahili, "case", "123456789"),
			"Huduma: Je, huduma yetu kwa kesi 123 456 789 ilikuwaje? Jibu kwa nambari: 1 Bora sana, 2 Nzuri, 3 Inaridhisha, 4 Mbaya."},
		{"corruption ack names no category", note(crm.NotifyComplaintAck, crm.English, "case", "123456789", "category", "corruption"),
			"Huduma: We have received your report. Your case number is 123 456 789. It will be handled in confidence."},
		{"complaint ack sw", note(crm.NotifyComplaintAck, crm.Swahili, "case", "123456789", "category", "long_wait"),
			"Huduma: Tumepokea malalamiko yako (Kusubiri muda mrefu). Nambari ya kesi yako ni 123 456 789. Tutawasiliana nawe hivi karibuni."},
		{"manager alert without service", note(crm.NotifyManagerAlert, crm.English, "case", "123456789", "category", "staff_conduct", "centre", "KSM"),
			"Huduma alert: new complaint at Huduma Centre Kisumu: Staff conduct. Case 123 456 789. Please review it today."},
		{"manager alert with service", note(crm.NotifyManagerAlert, crm.English, "case", "123456789", "category", "staff_conduct", "centre", "KSM", "service", "BIRTH-CERT"),
			"Huduma alert: new complaint at Huduma Centre Kisumu: Staff conduct (Birth certificate). Case 123 456 789. Please review it today."},
		{"manager alert of a voice message", note(crm.NotifyManagerAlert, crm.English, "case", "123456789", "category", "staff_conduct", "centre", "KSM", "voice", "1"),
			"Huduma alert: new complaint by voice message at Huduma Centre Kisumu: Staff conduct. Case 123 456 789. Please listen to it today."},
		{"manager alert of a voice message sw", note(crm.NotifyManagerAlert, crm.Swahili, "case", "123456789", "category", "staff_conduct", "centre", "KSM", "voice", "1"),
			"Tahadhari ya Huduma: malalamiko mapya kwa ujumbe wa sauti katika Kituo cha Huduma Kisumu: Tabia ya wafanyakazi. Kesi 123 456 789. Tafadhali yasikilize leo."},
		{"escalation L3 sw", note(crm.NotifyEscalation, crm.Swahili, "case", "123456789", "level", "3", "category", "long_wait", "centre", "KSM"),
			"Huduma: kesi 123 456 789 (Kusubiri muda mrefu, Kituo cha Huduma Kisumu) imepita muda wake na imepandishwa ngazi kwa meneja wa kituo (L3). Tafadhali ishughulikie sasa."},
		{"escalation without centre", note(crm.NotifyEscalation, crm.English, "case", "123456789", "level", "L2", "category", "other"),
			"Huduma escalation to supervisor (L2): case 123 456 789 (Other) has passed its deadline. Please act on it now."},
		{"digest", note(crm.NotifyAlertDigest, crm.English, "count", "23", "complaints", "17", "callbacks", "6", "level", "2",
			"since", "2026-11-23T05:00:00Z", "url", "https://huduma.example/console/"),
			"Huduma: 23 cases reached you as supervisor (L2) since 08:00: 17 complaints, 6 callbacks. See them in the console: https://huduma.example/console/"},
		{"digest sw without a link", note(crm.NotifyAlertDigest, crm.Swahili, "count", "4", "complaints", "4", "callbacks", "0",
			"since", "2026-11-23T05:00:00Z"),
			"Huduma: kesi 4 zimekufikia tangu 2:00 asubuhi (08:00): malalamiko 4, maombi ya kupigiwa simu 0. Zione kwenye konsoli."},
		{"case status sw", note(crm.NotifyCaseStatus, crm.Swahili, "case", "123456789", "status", "pending_citizen"),
			"Huduma: Hali ya kesi yako 123 456 789 sasa ni: Inasubiri jibu lako."},
		{"resolved without note", note(crm.NotifyCaseResolved, crm.English, "case", "123456789", "body", ""),
			"Huduma: Your case 123 456 789 has been resolved. Not satisfied? Contact us within 7 days to reopen it."},
		{"resolved with note sw", note(crm.NotifyCaseResolved, crm.Swahili, "case", "123456789", "body", "Tumeongea na meneja wa kituo"),
			"Huduma: Kesi yako 123 456 789 imetatuliwa. Maelezo: Tumeongea na meneja wa kituo. Hujaridhika? Wasiliana nasi ndani ya siku 7 ili tuifungue tena."},
		{"reply keeps the agent's words", note(crm.NotifyCaseReply, crm.English, "case", "123-456-789", "body", "  We have spoken to the\nmanager.  "),
			"Huduma, case 123 456 789: We have spoken to the manager."},
		{"cancelled en", note(crm.NotifyBookingCancelled, crm.English, "ref", "600042550", "centre", "GPO", "day", "2026-12-01", "time", "14:00"),
			"Huduma: Your appointment 600 042 550 at Huduma Centre Nairobi GPO on Tue 1 Dec at 14:00 is cancelled. Your place is now free for others."},
		{"unknown language reads English", note(crm.NotifyStopAck, "fr"),
			"Huduma: You will no longer get reminders or surveys by SMS. Replies about your requests and cases will still reach you. Send START to get reminders again."},
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
		})
	}
}

// worstCase fills a kind's params with the longest values the reference data holds.
func worstCase(t *testing.T, d crm.RefData, kind crm.NotificationKind, l crm.Lang, day time.Time, free string) map[string]string {
	t.Helper()
	var centre, service string
	for _, c := range d.Centres {
		if len(c.Name) > len(centreName(d, centre)) {
			centre = c.Code
		}
	}
	longest := 0
	for _, s := range d.Services {
		if n := utf8.RuneCountInString(s.Label(l)); n > longest {
			longest, service = n, s.Code
		}
	}
	values := map[string]string{
		"ref": "999999999", "case": "999999999", "centre": centre, "service": service,
		"day": day.Format(time.DateOnly), "ready": day.Format(time.DateOnly), "time": "16:30",
		"from": day.Add(14 * time.Hour).Format(time.RFC3339), "to": day.Add(36 * time.Hour).Format(time.RFC3339),
		"level": "3", "reason": free, "body": free, "voice": "1",
		"complaints": "19999", "callbacks": "19999", "since": day.Add(5 * time.Hour).Format(time.RFC3339),
		"url": "https://huduma-connect.huduma.go.ke/console/",
		// The most appointments a list shows, and more besides.
		"count": strconv.Itoa(crm.SMSAppointmentsListed + 7),
	}
	req, opt := templates.Params(kind)
	p := map[string]string{}
	for _, k := range append(append([]string{}, req...), opt...) {
		v, ok := values[k]
		if !ok { // a listed appointment's ref1, centre2, …
			v, ok = values[strings.TrimRight(k, "0123456789")]
		}
		switch {
		case k == "keyword" && kind == crm.NotifySMSNotFound:
			v, ok = crm.KeywordStatus, true // the longer of the two
		case k == "keyword":
			v, ok = crm.KeywordCancel, true // the longest of the three
		case k == "status" && (kind == crm.NotifyRequestStatus || kind == crm.NotifySMSStatusRequest):
			v, ok = "needs_action", true
		case k == "status":
			v, ok = string(crm.CasePendingCitizen), true
		case k == "category":
			v, ok = string(crm.CategoryWrongInfo), true
		}
		if !ok {
			t.Fatalf("%s: no worst-case value for param %q", kind, k)
		}
		p[k] = v
	}
	return p
}

func centreName(d crm.RefData, code string) string {
	for _, c := range d.Centres {
		if c.Code == code {
			return c.Name
		}
	}
	return ""
}

// TestEveryKindFits renders every kind in both languages on every weekday with the longest
// centre and service names and free text far too long for an SMS: each must fit in
// MaxSegments parts, and stay GSM-7 unless the free text itself is not.
func TestEveryKindFits(t *testing.T) {
	tm, cat, d := load(t)
	gsmText := strings.Repeat("Please bring the original letter from the chief and a copy of your ID card. ", 20)
	ucsText := strings.Repeat("Tafadhali lete barua ya chifu “asili” 👍 ", 30)
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, kind := range templates.Kinds() {
		for _, l := range []crm.Lang{crm.English, crm.Swahili} {
			for i := 0; i < 7; i++ {
				day := monday.AddDate(0, 0, i)
				for _, free := range []string{"", gsmText, ucsText} {
					n := crm.Notification{Kind: kind, Lang: l, Params: worstCase(t, d, kind, l, day, free)}
					if free == "" && hasFree(kind) && requires(kind, "body") {
						n.Params["body"] = "Ok"
					}
					text, err := tm.Render(cat, n)
					if err != nil {
						t.Fatalf("%s %s: %v", kind, l, err)
					}
					parts, gsm := templates.Segments(text)
					if parts > templates.MaxSegments || parts == 0 {
						t.Errorf("%s %s %s: %d parts: %q", kind, l, day.Weekday(), parts, text)
					}
					if !gsm && (free != ucsText || !hasFree(kind)) {
						t.Errorf("%s %s: not GSM-7: %q", kind, l, text)
					}
					if strings.Contains(text, "%!") {
						t.Errorf("%s %s: format error: %q", kind, l, text)
					}
				}
			}
		}
	}
}

// hasFree says whether a kind carries text written by a person rather than by a template.
func hasFree(kind crm.NotificationKind) bool {
	return requires(kind, "body") || requires(kind, "reason")
}

func requires(kind crm.NotificationKind, param string) bool {
	req, opt := templates.Params(kind)
	for _, p := range append(append([]string{}, req...), opt...) {
		if p == param {
			return true
		}
	}
	return false
}

// TestTemplatesLeaveRoom prints (with -v) how much room each template leaves, and keeps the
// templates without free text in two parts, so a citizen's booking costs two parts at most.
func TestTemplatesLeaveRoom(t *testing.T) {
	tm, cat, d := load(t)
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) // a Wednesday: "Jumatano"
	for _, kind := range templates.Kinds() {
		if hasFree(kind) {
			continue
		}
		for _, l := range []crm.Lang{crm.English, crm.Swahili} {
			text, err := tm.Render(cat, crm.Notification{Kind: kind, Lang: l, Params: worstCase(t, d, kind, l, day, "")})
			if err != nil {
				t.Fatal(err)
			}
			parts, _ := templates.Segments(text)
			t.Logf("%-18s %s %3d chars, %d parts", kind, l, utf8.RuneCountInString(text), parts)
			if parts > 2 {
				t.Errorf("%s %s: %d parts: %q", kind, l, parts, text)
			}
		}
	}
}

func TestLongFreeTextIsCut(t *testing.T) {
	tm, cat, _ := load(t)
	body := strings.Repeat("word ", 200)
	text, err := tm.Render(cat, note(crm.NotifyCaseReply, crm.English, "case", "123456789", "body", body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "Huduma, case 123 456 789: word word") || !strings.HasSuffix(text, "word...") {
		t.Errorf("cut badly: %q", text)
	}
	if parts, _ := templates.Segments(text); parts != templates.MaxSegments {
		t.Errorf("%d parts, want the room used: %q", parts, text)
	}
	if n := utf8.RuneCountInString(text); n < 440 {
		t.Errorf("only %d characters kept of 459", n)
	}
	// The template's closing words survive a cut reason.
	text, err = tm.Render(cat, note(crm.NotifyRequestStatus, crm.Swahili, "ref", "600042550", "status", "rejected",
		"service", "BIRTH-CERT", "centre", "KSM", "reason", body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(text, "... Kwa msaada, fika Kituo cha Huduma Kisumu.") {
		t.Errorf("template cut: %q", text)
	}
}

func TestBadParams(t *testing.T) {
	tm, cat, _ := load(t)
	full := func() []string {
		return []string{"ref", "600042550", "centre", "KSM", "service", "BIRTH-CERT", "day", "2026-11-25", "time", "09:30"}
	}
	tests := []struct {
		name string
		n    crm.Notification
	}{
		{"missing ref", note(crm.NotifyBookingConfirmed, crm.English, full()[2:]...)},
		{"empty centre", note(crm.NotifyBookingConfirmed, crm.English, append(full(), "centre", " ")...)},
		{"unknown centre", note(crm.NotifyBookingConfirmed, crm.English, append(full(), "centre", "XXX")...)},
		{"unknown service", note(crm.NotifyBookingConfirmed, crm.English, append(full(), "service", "NOPE")...)},
		{"bad day", note(crm.NotifyBookingConfirmed, crm.English, append(full(), "day", "25/11/2026")...)},
		{"bad time", note(crm.NotifyBookingConfirmed, crm.English, append(full(), "time", "9.30")...)},
		{"letters in ref", note(crm.NotifyBookingConfirmed, crm.English, append(full(), "ref", "ABC123")...)},
		{"unknown request status", note(crm.NotifyRequestStatus, crm.English, "ref", "1", "status", "lost", "service", "BIRTH-CERT", "centre", "KSM")},
		{"unknown case status", note(crm.NotifyCaseStatus, crm.English, "case", "1", "status", "lost")},
		{"unknown category", note(crm.NotifyComplaintAck, crm.English, "case", "1", "category", "noise")},
		{"unknown level", note(crm.NotifyEscalation, crm.English, "case", "1", "level", "9", "category", "other")},
		{"callback time not RFC 3339", note(crm.NotifyCallbackAck, crm.English, "case", "1", "from", "09:00", "to", "10:00")},
		{"missing body", note(crm.NotifyCaseReply, crm.English, "case", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := tm.Render(cat, tt.n)
			if !errors.Is(err, templates.ErrParams) {
				t.Errorf("err = %v (text %q), want ErrParams", err, text)
			}
		})
	}
	if _, err := tm.Render(cat, note("no_such_kind", crm.English)); err == nil {
		t.Error("unknown kind rendered")
	}
	if _, err := tm.Render(nil, note(crm.NotifyBookingConfirmed, crm.English, full()...)); err == nil {
		t.Error("rendered a centre without a catalogue")
	}
}

func TestCataloguesAreTranslated(t *testing.T) {
	tm, _, _ := load(t)
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	if got := tm.Date(crm.English, day); got != "Wed 25 Nov" {
		t.Errorf("English date %q", got)
	}
	if got := tm.Date(crm.Swahili, day); got != "Jumatano 25 Nov" {
		t.Errorf("Kiswahili date %q", got)
	}
	for _, s := range []crm.RequestStatus{crm.RequestReceived, crm.RequestProcessing, crm.RequestNeedsAction, crm.RequestReady, crm.RequestCollected, crm.RequestRejected} {
		en, sw := tm.RequestStatusName(crm.English, s), tm.RequestStatusName(crm.Swahili, s)
		if en == string(s) || sw == string(s) || en == sw {
			t.Errorf("request status %s: %q / %q", s, en, sw)
		}
	}
	for _, s := range []crm.CaseStatus{crm.CaseNew, crm.CaseAssigned, crm.CaseInProgress, crm.CasePendingCitizen, crm.CaseResolved, crm.CaseClosed} {
		en, sw := tm.CaseStatusName(crm.English, s), tm.CaseStatusName(crm.Swahili, s)
		if en == string(s) || sw == string(s) || en == sw {
			t.Errorf("case status %s: %q / %q", s, en, sw)
		}
	}
	for _, c := range append(append([]crm.Category{}, crm.ComplaintCategories...), crm.CategoryCallback) {
		en, sw := tm.CategoryName(crm.English, c), tm.CategoryName(crm.Swahili, c)
		if en == string(c) || sw == string(c) || en == sw {
			t.Errorf("category %s: %q / %q", c, en, sw)
		}
	}
	// Every kind reads differently in Kiswahili.
	_, cat, d := load(t)
	for _, kind := range templates.Kinds() {
		var got [2]string
		for i, l := range []crm.Lang{crm.English, crm.Swahili} {
			p := worstCase(t, d, kind, l, day, "Sawa")
			text, err := tm.Render(cat, crm.Notification{Kind: kind, Lang: l, Params: p})
			if err != nil {
				t.Fatal(err)
			}
			got[i] = text
		}
		if got[0] == got[1] {
			t.Errorf("%s: Kiswahili is the English %q", kind, got[0])
		}
	}
}

func TestZone(t *testing.T) {
	tm, cat, _ := load(t)
	n := note(crm.NotifyCallbackAck, crm.English, "case", "1", "from", "2026-11-25T06:00:00Z", "to", "2026-11-25T07:00:00Z")
	got, err := tm.In(time.UTC).Render(cat, n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "between 06:00 and 07:00") {
		t.Errorf("UTC: %q", got)
	}
	// The package-level Render uses East Africa Time.
	got, err = templates.Render(cat, n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "between 09:00 and 10:00") {
		t.Errorf("EAT: %q", got)
	}
}

func ExampleRender() {
	d, _ := crm.DefaultRefData()
	text, _ := templates.Render(crm.NewCatalog(d), crm.Notification{
		Kind: crm.NotifyReminderEvening, Lang: crm.Swahili,
		Params: map[string]string{"ref": "600042550", "centre": "KSM", "service": "ID-NEW", "day": "2026-11-26", "time": "08:30"},
	})
	fmt.Println(text)
	// Output: Kikumbusho cha Huduma: miadi yako ya Kitambulisho kipya ni kesho, Alhamisi 26 Nov saa 2:30 asubuhi (08:30), katika Kituo cha Huduma Kisumu. Nambari 600 042 550. Beba kitambulisho chako.
}
