package templates

import (
	"strconv"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// kindSpec says what a kind needs and how it is written. required params must be present
// and non-empty; optional ones may be missing or empty. keys lists every catalogue key the
// kind may use, so loading can prove they all exist and format with the kind's arguments.
type kindSpec struct {
	required []string
	optional []string
	keys     []string
	render   func(r *renderer) (string, error)
}

// kinds is every notification kind this package renders.
var kinds = map[crm.NotificationKind]kindSpec{
	crm.NotifyRequestStatus: {
		required: []string{"ref", "status", "service", "centre"},
		optional: []string{"ready", "reason"},
		keys: append(prefixed("request_status.", requestStatuses),
			"request_status.ready_by", "request_status.reason", "request_status.action"),
		render: renderRequestStatus,
	},
	crm.NotifyComplaintAck: {
		required: []string{"case", "category"},
		keys:     []string{"complaint_ack", "complaint_ack.confidential"},
		render: func(r *renderer) (string, error) {
			num, cat := r.ref("case"), r.category("category")
			key := "complaint_ack"
			if crm.Category(r.param("category")) == crm.CategoryCorruption {
				// The phone may be shared: an SMS naming a bribery report could put the
				// reporter at risk, so it says only that a report was received.
				key = "complaint_ack.confidential"
			}
			return r.text(key, num, cat), r.err
		},
	},
	crm.NotifyCallbackAck: {
		required: []string{"case", "from", "to"},
		keys:     []string{"callback_ack", "callback_ack.until"},
		render: func(r *renderer) (string, error) {
			num := r.ref("case")
			from, to := r.instant("from"), r.instant("to")
			if r.err != nil {
				return "", r.err
			}
			if !sameDay(from, to) {
				return r.text("callback_ack", num, r.dateOf(from), r.clockOf(from), r.text("callback_ack.until", r.dateOf(to), r.clockOf(to))), nil
			}
			// Within a day, Kiswahili says the day part once: "kati ya saa 8:00 na 10:00
			// mchana (14:00-16:00)".
			a, b := crm.FormatSpan(r.lang, minuteOf(from), minuteOf(to), crm.TimeLong)
			return r.text("callback_ack", num, r.dateOf(from), a, b), nil
		},
	},
	crm.NotifyManagerAlert: {
		required: []string{"case", "category", "centre"},
		// voice is "1" when the complaint is a recorded voice message: the manager listens
		// to it rather than reads it.
		optional: []string{"service", "voice"},
		keys:     []string{"manager_alert", "manager_alert.voice", "part.service"},
		render: func(r *renderer) (string, error) {
			num, cat, centre := r.ref("case"), r.category("category"), r.centre("centre")
			svc := ""
			if r.param("service") != "" {
				svc = r.text("part.service", r.service("service"))
			}
			key := "manager_alert"
			if r.param("voice") == "1" {
				key = "manager_alert.voice"
			}
			return r.text(key, num, cat, centre, svc), r.err
		},
	},
	crm.NotifyEscalation: {
		required: []string{"case", "level", "category"},
		optional: []string{"centre"},
		keys:     []string{"escalation_alert", "part.centre"},
		render: func(r *renderer) (string, error) {
			num, level, cat := r.ref("case"), r.level("level"), r.category("category")
			centre := ""
			if r.param("centre") != "" {
				centre = r.text("part.centre", r.centre("centre"))
			}
			return r.text("escalation_alert", num, level, cat, centre), r.err
		},
	},
	crm.NotifyAlertDigest: {
		required: []string{"count", "complaints", "callbacks", "since"},
		optional: []string{"level", "url"},
		keys:     []string{"alert_digest", "alert_digest.level", "alert_digest.console", "alert_digest.link"},
		render: func(r *renderer) (string, error) {
			count, complaints, callbacks := r.number("count"), r.number("complaints"), r.number("callbacks")
			since := r.instant("since")
			level := ""
			if r.param("level") != "" {
				level = r.text("alert_digest.level", r.level("level"))
			}
			see := r.text("alert_digest.console")
			if u := r.param("url"); u != "" {
				see = r.text("alert_digest.link", u)
			}
			if r.err != nil {
				return "", r.err
			}
			return r.text("alert_digest", count, level, r.clockOf(since), complaints, callbacks, see), nil
		},
	},
	crm.NotifyCaseReply: {
		required: []string{"case", "body"},
		keys:     []string{"case_reply"},
		render: func(r *renderer) (string, error) {
			num := r.ref("case")
			if r.err != nil {
				return "", r.err
			}
			return r.fit(r.param("body"), func(body string) string { return r.text("case_reply", num, body) }), nil
		},
	},
	crm.NotifyCaseStatus: {
		required: []string{"case", "status"},
		keys:     []string{"case_status"},
		render: func(r *renderer) (string, error) {
			return r.text("case_status", r.ref("case"), r.caseStatus("status")), r.err
		},
	},
	crm.NotifyCaseResolved: {
		required: []string{"case"},
		optional: []string{"body"},
		keys:     []string{"case_resolved", "case_resolved.note"},
		render: func(r *renderer) (string, error) {
			num := r.ref("case")
			if r.err != nil {
				return "", r.err
			}
			days := strconv.Itoa(int(crm.ReopenWindow.Hours() / 24))
			return r.fit(r.param("body"), func(body string) string {
				note := ""
				if body != "" {
					note = r.text("case_resolved.note", sentence(body))
				}
				return r.text("case_resolved", num, note, days)
			}), nil
		},
	},
	crm.NotifySatisfaction: {
		required: []string{"case"},
		keys:     append([]string{"satisfaction"}, ratingKeys()...),
		render: func(r *renderer) (string, error) {
			// The scale is the catalogue's rating words, numbered as the reply reads them
			// ("1 Bora sana, 2 Nzuri, …"): the words USSD and voice offer for the same
			// question, kept in one place each.
			scale := make([]string, len(crm.Ratings))
			for i, k := range ratingKeys() {
				scale[i] = strconv.Itoa(i+1) + " " + r.text(k)
			}
			return r.text("satisfaction", r.ref("case"), strings.Join(scale, ", ")), r.err
		},
	},
	crm.NotifyBookingConfirmed: booking("booking_confirmed"),
	crm.NotifyReminderEvening:  booking("reminder_evening"),
	crm.NotifyReminderMorning:  booking("reminder_morning"),
	crm.NotifyBookingCancelled: {
		required: []string{"ref", "centre", "day", "time"},
		optional: []string{"service"},
		keys:     []string{"booking_cancelled"},
		render: func(r *renderer) (string, error) {
			return r.text("booking_cancelled", r.ref("ref"), r.centre("centre"), r.day("day"), r.clock("time")), r.err
		},
	},
	crm.NotifyKeywordHelp: fixed("keyword_help"),
	crm.NotifyStopAck:     fixed("stop_ack"),
	crm.NotifyStartAck:    fixed("start_ack"),

	crm.NotifySMSStatusRequest: {
		required: []string{"ref", "status"},
		keys:     []string{"sms_status_request"},
		render: func(r *renderer) (string, error) {
			return r.text("sms_status_request", r.ref("ref"), r.requestStatus("status")), r.err
		},
	},
	crm.NotifySMSStatusCase: {
		required: []string{"case", "status"},
		optional: []string{"category"},
		keys:     []string{"sms_status_case", "sms_status_case.owner"},
		render: func(r *renderer) (string, error) {
			num, status := r.ref("case"), r.caseStatus("status")
			// A stranger is given no category; nor is the reporter of corruption, whose
			// phone may be shared (as in the acknowledgement).
			cat := r.param("category")
			if cat == "" || crm.Category(cat) == crm.CategoryCorruption {
				return r.text("sms_status_case", num, status), r.err
			}
			return r.text("sms_status_case.owner", num, status, r.category("category")), r.err
		},
	},
	crm.NotifySMSAppointments: {
		required: []string{"count"},
		optional: listedParams(),
		keys:     []string{"sms_appointments", "sms_appointments.item", "sms_appointments.more", "sms_appointments.none"},
		render:   renderAppointments,
	},
	crm.NotifySMSRated: {
		required: []string{"case"},
		keys:     []string{"sms_rated"},
		render: func(r *renderer) (string, error) {
			return r.text("sms_rated", r.ref("case")), r.err
		},
	},
	crm.NotifySMSCancelled: {
		required: []string{"ref"},
		keys:     []string{"sms_cancelled"},
		render: func(r *renderer) (string, error) {
			return r.text("sms_cancelled", r.ref("ref")), r.err
		},
	},
	crm.NotifySMSNotFound: {
		required: []string{"ref", "keyword"},
		keys:     prefixed("sms_not_found.", notFoundKeywords),
		render: func(r *renderer) (string, error) {
			key := "sms_not_found." + r.keyword("keyword", notFoundKeywords)
			return r.text(key, r.ref("ref")), r.err
		},
	},
	crm.NotifySMSUsage: {
		required: []string{"keyword"},
		keys:     prefixed("sms_usage.", usageKeywords),
		render: func(r *renderer) (string, error) {
			key := "sms_usage." + r.keyword("keyword", usageKeywords)
			if r.err != nil {
				return "", r.err
			}
			return r.text(key), nil
		},
	},
}

// ratingKeys are the catalogue keys of the rating words, in the order of crm.Ratings (the
// number a citizen replies with).
func ratingKeys() []string {
	keys := make([]string, len(crm.Ratings))
	for i, r := range crm.Ratings {
		keys[i] = "rating." + string(r)
	}
	return keys
}

// The keywords a reply about a keyword may name.
var (
	notFoundKeywords = []string{crm.KeywordStatus, crm.KeywordCancel}
	usageKeywords    = []string{crm.KeywordStatus, crm.KeywordCancel, crm.KeywordComplaint}
)

// listedParams are the params of the appointments NotifySMSAppointments lists: ref1, centre1,
// service1, day1, time1, ref2, …
func listedParams() []string {
	var out []string
	for i := 1; i <= crm.SMSAppointmentsListed; i++ {
		for _, p := range []string{"ref", "centre", "service", "day", "time"} {
			out = append(out, p+strconv.Itoa(i))
		}
	}
	return out
}

// renderAppointments lists the first appointments and says how many more there are.
func renderAppointments(r *renderer) (string, error) {
	count, err := strconv.Atoi(r.param("count"))
	if err != nil || count < 0 {
		return "", r.bad("count", "not a count")
	}
	if count == 0 {
		return r.text("sms_appointments.none", r.t.ussdCode), nil
	}
	listed := min(count, crm.SMSAppointmentsListed)
	items := make([]string, 0, listed)
	for i := 1; i <= listed; i++ {
		n := strconv.Itoa(i)
		for _, p := range []string{"ref", "centre", "service", "day", "time"} {
			if r.param(p+n) == "" {
				return "", r.bad(p+n, "missing for a listed appointment")
			}
		}
		items = append(items, r.text("sms_appointments.item",
			r.ref("ref"+n), r.service("service"+n), r.centre("centre"+n), r.day("day"+n), r.clockShort("time"+n)))
	}
	more := ""
	if count > listed {
		more = r.text("sms_appointments.more", strconv.Itoa(count-listed))
	}
	return r.text("sms_appointments", strings.Join(items, " "), more), r.err
}

// booking is the shape shared by a confirmation and both reminders: the same facts, worded
// for the moment.
func booking(key string) kindSpec {
	return kindSpec{
		required: []string{"ref", "centre", "service", "day", "time"},
		keys:     []string{key},
		render: func(r *renderer) (string, error) {
			return r.text(key, r.ref("ref"), r.centre("centre"), r.service("service"), r.day("day"), r.clock("time")), r.err
		},
	}
}

// fixed is a message with no arguments.
func fixed(key string) kindSpec {
	return kindSpec{keys: []string{key}, render: func(r *renderer) (string, error) { return r.text(key), nil }}
}

// renderRequestStatus words each status on its own, because "your request is now: ready for
// collection" reads worse than a sentence that tells the citizen what to do next.
func renderRequestStatus(r *renderer) (string, error) {
	status := crm.RequestStatus(r.param("status"))
	if !status.Valid() {
		return "", r.bad("status", "unknown request status")
	}
	ref, svc, centre := r.ref("ref"), r.service("service"), r.centre("centre")
	ready := ""
	if r.param("ready") != "" {
		ready = r.day("ready")
	}
	if r.err != nil {
		return "", r.err
	}
	key := "request_status." + string(status)
	return r.fit(r.param("reason"), func(reason string) string {
		extra := ""
		switch {
		case status == crm.RequestNeedsAction && reason != "":
			extra = r.text("request_status.action", sentence(reason))
		case status == crm.RequestRejected && reason != "":
			extra = r.text("request_status.reason", sentence(reason))
		case (status == crm.RequestReceived || status == crm.RequestProcessing) && ready != "":
			extra = r.text("request_status.ready_by", ready)
		}
		return r.text(key, ref, svc, centre, extra)
	}), nil
}

// The codes this package names, in the order the domain lists them.
var (
	requestStatuses = []string{
		string(crm.RequestReceived), string(crm.RequestProcessing), string(crm.RequestNeedsAction),
		string(crm.RequestReady), string(crm.RequestCollected), string(crm.RequestRejected),
	}
	caseStatuses = []string{
		string(crm.CaseNew), string(crm.CaseAssigned), string(crm.CaseInProgress),
		string(crm.CasePendingCitizen), string(crm.CaseResolved), string(crm.CaseClosed),
	}
	categories = func() []string {
		var out []string
		for _, c := range crm.ComplaintCategories {
			out = append(out, string(c))
		}
		return append(out, string(crm.CategoryCallback))
	}()
	levels = []string{"1", "2", "3", "4"}
)

func prefixed(prefix string, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = prefix + c
	}
	return out
}

// sentence ends free text with a full stop unless it already ends a sentence, so the
// template's next sentence does not run on from it.
func sentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	return s + "."
}

// requestStatus names a tracked request's status.
func (r *renderer) requestStatus(name string) string {
	s := crm.RequestStatus(r.param(name))
	if !s.Valid() {
		r.bad(name, "unknown request status")
		return ""
	}
	return r.t.RequestStatusName(r.lang, s)
}

// keyword checks a keyword param against the ones the kind words.
func (r *renderer) keyword(name string, allowed []string) string {
	v := r.param(name)
	for _, k := range allowed {
		if v == k {
			return v
		}
	}
	r.bad(name, "unknown keyword")
	return ""
}
