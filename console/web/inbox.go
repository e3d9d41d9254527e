package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// pageSize is how many cases a page of the inbox shows.
const pageSize = 50

// The inbox's fixed lists.
var inboxLists = []string{"mine", "unassigned", "breaching", "escalated", "all"}

// The status tabs: "open" is every status still being worked, "any" is every status.
var statusTabs = []string{"open", "new", "assigned", "in_progress", "pending_citizen", "resolved", "closed", "any"}

// inboxParams are the query parameters the inbox understands. Anything else is an error on
// the page, never a silently wider list.
var inboxParams = []string{"list", "status", "q", "page"}

type tab struct {
	Label   string
	Href    string
	Current bool
}

type inboxView struct {
	Lists  []tab
	Tabs   []tab
	Query  string
	List   string
	Rows   []caseRow
	Error  string
	Prev   string
	Next   string
	Export string // the same list as CSV
}

// caseRow is one case as a list shows it.
type caseRow struct {
	ID       int64
	Href     string
	Number   string
	Category string
	Centre   string
	Status   string
	Level    string
	SLA      slaState
	Phone    string // masked
	Assignee string
}

// slaState says where a case stands against its deadline, in words (never colour alone) and
// as a class the stylesheet colours.
type slaState struct {
	Text  string
	Class string // "ok", "soon", "breached" or "none"
}

func (w *Console) inbox(c *fiber.Ctx, u crm.User) error {
	v := w.view(c, u, "inbox.title")
	in := &inboxView{}
	v.Inbox = in
	f, pageNo, none, ok := w.inboxQuery(c, u, v, in)
	if !ok {
		return w.render(c, fiber.StatusBadRequest, "inbox", v)
	}
	if none {
		return w.render(c, fiber.StatusOK, "inbox", v) // the search and the list cannot both match
	}
	f.Limit, f.Offset = pageSize+1, (pageNo-1)*pageSize
	list, err := w.office.ListCases(c.UserContext(), u, f)
	if err != nil {
		return w.failPage(c, u, err)
	}
	status := strings.Clone(c.Query("status", "open"))
	if len(list) > pageSize {
		list = list[:pageSize]
		in.Next = inboxURL(in.List, status, in.Query, pageNo+1)
	}
	if pageNo > 1 {
		in.Prev = inboxURL(in.List, status, in.Query, pageNo-1)
	}
	names, err := w.userNames(c, u)
	if err != nil {
		return w.failPage(c, u, err)
	}
	for _, cs := range list {
		in.Rows = append(in.Rows, w.row(v, cs, names))
	}
	return w.render(c, fiber.StatusOK, "inbox", v)
}

// inboxQuery reads the inbox's query (list, status tab, search, page) into a case filter,
// for the page and for its CSV export alike. A parameter it does not know, or a malformed
// value, is an error in in.Error (ok false): never a wider list than was asked for. none
// means the search and the list cannot both match any case.
func (w *Console) inboxQuery(c *fiber.Ctx, u crm.User, v view, in *inboxView) (f crm.CaseFilter, pageNo int, none, ok bool) {
	var unknown []string
	c.Request().URI().QueryArgs().VisitAll(func(k, _ []byte) {
		if !slices.Contains(inboxParams, string(k)) {
			unknown = append(unknown, string(k))
		}
	})
	list, status, page := strings.Clone(c.Query("list", "mine")), strings.Clone(c.Query("status", "open")), strings.Clone(c.Query("page", "1"))
	in.Query, in.List = strings.Clone(c.Query("q")), list
	in.Lists = w.listTabs(v, list, status)
	in.Tabs = w.statusTabs(v, list, status, in.Query)
	in.Export = exportURL(list, status, in.Query)
	f, pageNo, err := w.inboxFilter(u, list, status, page)
	switch {
	case len(unknown) > 0:
		in.Error = v.T("inbox.err.unknown", "names", strings.Join(unknown, ", "), "known", strings.Join(inboxParams, ", "))
		return f, 0, false, false
	case err != nil:
		in.Error = v.T("inbox.err.bad", "detail", err.Error())
		return f, 0, false, false
	}
	if in.Query != "" {
		// Search looks in every status of the chosen list: the case a citizen reads out may be
		// one resolved last week.
		if status == "open" {
			f.Status = nil
		}
		matchable, err := applySearch(&f, in.Query)
		if err != nil {
			in.Error = v.T("inbox.err.search", "detail", inputDetail(err))
			return f, 0, false, false
		}
		none = !matchable
	}
	return f, pageNo, none, true
}

// inboxFilter turns the list, the status tab and the page number into a case filter.
func (w *Console) inboxFilter(u crm.User, list, status, page string) (crm.CaseFilter, int, error) {
	var f crm.CaseFilter
	switch list {
	case "mine":
		f.AssigneeID = u.ID
	case "unassigned":
		status = "new" // a new case is one nobody has taken yet
	case "breaching":
		f.DueBefore = w.office.BreachingSoon()
	case "escalated":
		f.MinLevel = crm.LevelSupervisor
	case "all":
	default:
		return f, 0, fmt.Errorf("list %q is not one of %s", list, strings.Join(inboxLists, ", "))
	}
	switch status {
	case "open":
		f.Status = []crm.CaseStatus{crm.CaseNew, crm.CaseAssigned, crm.CaseInProgress, crm.CasePendingCitizen}
	case "any":
	default:
		st := crm.CaseStatus(status)
		if !st.Valid() {
			return f, 0, fmt.Errorf("status %q is not one of %s", status, strings.Join(statusTabs, ", "))
		}
		f.Status = []crm.CaseStatus{st}
	}
	n, err := strconv.Atoi(page)
	if err != nil || n < 1 || n > 100000 {
		return f, 0, fmt.Errorf("page %q is not a page number", page)
	}
	return f, n, nil
}

func exportURL(list, status, q string) string {
	return strings.Replace(inboxURL(list, status, q, 1), Prefix+"/?", Prefix+"/export.csv?", 1)
}

func inboxURL(list, status, q string, page int) string {
	v := url.Values{}
	v.Set("list", list)
	v.Set("status", status)
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return Prefix + "/?" + v.Encode()
}

func (w *Console) listTabs(v view, current, status string) []tab {
	tabs := make([]tab, len(inboxLists))
	for i, l := range inboxLists {
		st := status
		if l == "unassigned" || current == "unassigned" {
			st = "open"
		}
		tabs[i] = tab{Label: v.T("inbox.list." + l), Href: inboxURL(l, st, "", 1), Current: l == current}
	}
	return tabs
}

func (w *Console) statusTabs(v view, list, current, q string) []tab {
	if list == "unassigned" {
		return nil // one status only
	}
	tabs := make([]tab, len(statusTabs))
	for i, s := range statusTabs {
		tabs[i] = tab{Label: v.T("status." + s), Href: inboxURL(list, s, q, 1), Current: s == current}
	}
	return tabs
}

// userNames maps user ids to names, for the assignee column.
func (w *Console) userNames(c *fiber.Ctx, _ crm.User) (map[int64]string, error) {
	users, err := w.office.Users(c.UserContext(), crm.UserFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(users))
	for _, x := range users {
		names[x.ID] = x.Name
	}
	return names, nil
}

func (w *Console) row(v view, cs crm.Case, names map[int64]string) caseRow {
	r := caseRow{
		ID: cs.ID, Href: fmt.Sprintf("%s/cases/%d", Prefix, cs.ID), Number: cs.Number.Grouped(),
		Category: v.T("category." + string(cs.Category)), Status: v.T("status." + string(cs.Status)),
		Level: "L" + strconv.Itoa(int(cs.Level)), SLA: w.sla(v, cs), Phone: cs.Phone.Masked(),
		Assignee: names[cs.AssigneeID],
	}
	if ct, ok := w.office.Catalog().Centre(cs.Centre); ok {
		r.Centre = ct.Name
	}
	return r
}

// sla words a case's deadline: business time left before it, or wall-clock time since it
// passed.
func (w *Console) sla(v view, cs crm.Case) slaState {
	if !cs.Status.Open() || cs.DueAt.IsZero() {
		return slaState{Text: v.T("sla.none"), Class: "none"}
	}
	if cs.Status == crm.CasePendingCitizen {
		return slaState{Text: v.T("sla.paused"), Class: "none"}
	}
	now := w.office.Now()
	if now.Before(cs.DueAt) {
		left := w.office.Clock().Between(now, cs.DueAt)
		class := "ok"
		if left <= time.Hour {
			class = "soon"
		}
		return slaState{Text: v.T("sla.due", "in", duration(v, left)), Class: class}
	}
	return slaState{Text: v.T("sla.breached", "ago", duration(v, now.Sub(cs.DueAt))), Class: "breached"}
}

// duration is a span as people say it: "2 h 10 min", "3 d 4 h", "less than a minute".
func duration(v view, d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, v.T("unit.days", "n", strconv.Itoa(days)))
	}
	if hours > 0 {
		parts = append(parts, v.T("unit.hours", "n", strconv.Itoa(hours)))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, v.T("unit.minutes", "n", strconv.Itoa(mins)))
	}
	if len(parts) == 0 {
		return v.T("unit.moment")
	}
	return strings.Join(parts, " ")
}
