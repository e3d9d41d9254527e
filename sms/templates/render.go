package templates

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
)

// ErrParams means a notification's params are missing or cannot be read. The row will never
// render, so the outbox should fail it rather than retry.
var ErrParams = errors.New("bad notification params")

// Render writes n as SMS text in n.Lang (English when the language is not one we serve).
// Centre and service codes become the centre's name and the service's short label in that
// language, case and request numbers are grouped ("600 042 550"), dates read "Wed 25 Nov" and
// times "09:30" ("saa 3:30 asubuhi (09:30)" in Kiswahili) in the templates' zone. A missing or unreadable param is an error wrapping
// ErrParams; an unknown kind is an error too. The text is at most MaxSegments parts: free
// text (a reply, a reason) is cut short with "..." when it would not fit.
func (t *Templates) Render(cat *crm.Catalog, n crm.Notification) (string, error) {
	spec, ok := kinds[n.Kind]
	if !ok {
		return "", fmt.Errorf("sms templates: unknown notification kind %q", n.Kind)
	}
	for _, p := range spec.required {
		if strings.TrimSpace(n.Params[p]) == "" {
			return "", fmt.Errorf("sms templates: %s: missing param %q: %w", n.Kind, p, ErrParams)
		}
	}
	lang := n.Lang
	if !lang.Valid() {
		lang = crm.English
	}
	r := &renderer{t: t, lang: lang, cat: cat, kind: n.Kind, params: n.Params}
	text, err := spec.render(r)
	if err != nil {
		return "", err
	}
	return text, nil
}

// renderer reads one notification's params into words. Readers record the first error and
// return "", so a kind's render function reads all it needs and checks r.err once.
type renderer struct {
	t      *Templates
	lang   crm.Lang
	cat    *crm.Catalog
	kind   crm.NotificationKind
	params map[string]string
	err    error
}

func (r *renderer) text(key string, args ...string) string { return r.t.text(r.lang, key, args...) }

func (r *renderer) param(name string) string { return strings.TrimSpace(r.params[name]) }

// bad records (and returns) the first unreadable param.
func (r *renderer) bad(name, why string) error {
	if r.err == nil {
		r.err = fmt.Errorf("sms templates: %s: param %s=%q: %s: %w", r.kind, name, r.param(name), why, ErrParams)
	}
	return r.err
}

// ref groups a case or request number. Numbers are digits as stored; spaces and dashes are
// tolerated so a number that was grouped already is not grouped twice.
func (r *renderer) ref(name string) string {
	digits := strings.NewReplacer(" ", "", "-", "").Replace(r.param(name))
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		r.bad(name, "not a number")
		return ""
	}
	return crm.Reference(digits).Grouped()
}

// centre is a centre's name without "Huduma Centre", which the templates say in the
// citizen's language ("Kituo cha Huduma Kisumu"), as the USSD menus do.
func (r *renderer) centre(name string) string {
	if r.cat == nil {
		r.bad(name, "no catalogue to look centres up in")
		return ""
	}
	c, ok := r.cat.Centre(r.param(name))
	if !ok {
		r.bad(name, "unknown centre")
		return ""
	}
	return strings.TrimPrefix(c.Name, "Huduma Centre ")
}

// service is a service's short label in the citizen's language.
func (r *renderer) service(name string) string {
	if r.cat == nil {
		r.bad(name, "no catalogue to look services up in")
		return ""
	}
	s, ok := r.cat.Service(r.param(name))
	if !ok {
		r.bad(name, "unknown service")
		return ""
	}
	return s.Label(r.lang)
}

func (r *renderer) category(name string) string {
	c := crm.Category(r.param(name))
	if !c.Valid() {
		r.bad(name, "unknown category")
		return ""
	}
	return r.t.CategoryName(r.lang, c)
}

func (r *renderer) caseStatus(name string) string {
	s := crm.CaseStatus(r.param(name))
	if !s.Valid() {
		r.bad(name, "unknown case status")
		return ""
	}
	return r.t.CaseStatusName(r.lang, s)
}

// number reads a count: digits only.
func (r *renderer) number(name string) string {
	v := r.param(name)
	if v == "" || strings.Trim(v, "0123456789") != "" {
		r.bad(name, "not a count")
		return ""
	}
	return v
}

// level names an escalation level, given as "2" or "L2".
func (r *renderer) level(name string) string {
	v := strings.TrimPrefix(strings.ToUpper(r.param(name)), "L")
	for _, l := range levels {
		if v == l {
			return r.text("level." + l)
		}
	}
	r.bad(name, "unknown escalation level")
	return ""
}

// day reads a civil date (YYYY-MM-DD, or an RFC 3339 instant taken in the templates' zone).
func (r *renderer) day(name string) string {
	v := r.param(name)
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return r.dateOf(d)
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return r.dateOf(t.In(r.t.loc))
	}
	r.bad(name, "not a date (want YYYY-MM-DD)")
	return ""
}

// clock reads a time of day: "09:30" as the slot was booked in local time, or an RFC 3339
// instant shown in the templates' zone.
func (r *renderer) clock(name string) string { return r.clockIn(name, crm.TimeLong) }

// clockShort is clock without the 24-hour figure next to a Kiswahili time, for a list where
// every item would repeat it.
func (r *renderer) clockShort(name string) string { return r.clockIn(name, crm.TimeShort) }

func (r *renderer) clockIn(name string, form crm.TimeForm) string {
	v := r.param(name)
	if t, err := time.Parse("15:04", v); err == nil && len(v) == 5 {
		return crm.FormatTime(r.lang, minuteOf(t), form)
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		t = t.In(r.t.loc)
		return crm.FormatTime(r.lang, minuteOf(t), form)
	}
	r.bad(name, "not a time (want HH:MM)")
	return ""
}

// instant reads an RFC 3339 time into the templates' zone.
func (r *renderer) instant(name string) time.Time {
	t, err := time.Parse(time.RFC3339, r.param(name))
	if err != nil {
		r.bad(name, "not an RFC 3339 time")
		return time.Time{}
	}
	return t.In(r.t.loc)
}

func (r *renderer) dateOf(t time.Time) string { return r.t.Date(r.lang, t) }

// clockOf writes a time of day for the citizen: "09:30", or in Kiswahili the Swahili count
// with the 24-hour figure, "3:30 asubuhi (09:30)" (crm.FormatTime).
func (r *renderer) clockOf(t time.Time) string {
	return crm.FormatTime(r.lang, minuteOf(t), crm.TimeLong)
}

func minuteOf(t time.Time) int { return t.Hour()*60 + t.Minute() }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// fit builds the message with free text (written by staff, so of any length and in any
// alphabet) and, when that would take more than MaxSegments parts, shortens the free text,
// at a word boundary where one is near, and marks the cut with "...". The template's own
// words are never cut.
func (r *renderer) fit(free string, build func(free string) string) string {
	free = strings.Join(strings.Fields(free), " ") // newlines and runs of spaces cost parts
	msg := build(free)
	if n, _ := Segments(msg); n <= MaxSegments {
		return msg
	}
	runes := []rune(free)
	fits := func(k int) bool { n, _ := Segments(build(cut(runes, k))); return n <= MaxSegments }
	lo, hi := 0, len(runes)-1 // the longest prefix that fits, by bisection
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	// Back off to the last space if it is near: a whole word reads better than half of one.
	if sp := strings.LastIndexByte(string(runes[:lo]), ' '); sp >= 0 {
		if k := utf8.RuneCountInString(string(runes[:lo])[:sp]); lo-k <= 15 && k > 0 {
			lo = k
		}
	}
	return build(cut(runes, lo))
}

func cut(runes []rune, k int) string {
	return strings.TrimRight(string(runes[:k]), " ,;:") + "..."
}
