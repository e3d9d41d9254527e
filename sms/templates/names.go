package templates

import (
	"fmt"
	"strconv"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// The catalogue keys of weekday and month names, made once rather than on every date.
var (
	dayKeys   [7]string
	monthKeys [13]string
)

func init() {
	for d := range dayKeys {
		dayKeys[d] = fmt.Sprintf("day.%d", d)
	}
	for m := 1; m < len(monthKeys); m++ {
		monthKeys[m] = fmt.Sprintf("month.%d", m)
	}
}

// Date renders a civil date as the citizen reads it: "Wed 25 Nov", "Jumatano 25 Nov".
func (t *Templates) Date(l crm.Lang, day time.Time) string {
	return t.text(l, "date", t.text(l, dayKeys[day.Weekday()]), strconv.Itoa(day.Day()), t.text(l, monthKeys[day.Month()]))
}

// RequestStatusName names a tracked request's status ("Ready for collection", "Liko tayari
// kuchukuliwa"); an unknown status reads as its code.
func (t *Templates) RequestStatusName(l crm.Lang, s crm.RequestStatus) string {
	return t.name(l, "request.status.", string(s))
}

// CaseStatusName names a case's status.
func (t *Templates) CaseStatusName(l crm.Lang, s crm.CaseStatus) string {
	return t.name(l, "case.status.", string(s))
}

// CategoryName names a complaint category.
func (t *Templates) CategoryName(l crm.Lang, c crm.Category) string {
	return t.name(l, "category.", string(c))
}

func (t *Templates) name(l crm.Lang, prefix, code string) string {
	if s := t.text(l, prefix+code); s != "" {
		return s
	}
	return code
}
