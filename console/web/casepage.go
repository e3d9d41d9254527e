package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

type caseView struct {
	Row         caseRow
	ID          int64
	Version     int
	Kind        string
	Service     string
	Phone       string // in full: the agent may need to call
	Lang        string
	Description string
	Recording   string
	Created     string
	Timeline    []timelineLine
	Notes       []noteLine // internal, kept apart from replies
	Replies     []noteLine
	Messages    []messageLine
	Calls       []callLine
	Appts       []apptLine
	Requests    []requestLine
	Viewers     string           // the others who have the case open now, "" when nobody
	Can         map[string]bool  // the actions the matrix allows this person, by name
	NoPhone     bool             // the person may call but has no phone to take the call on
	People      []person         // whom the case can be assigned to, when Can.assign
	Saved       []crm.SavedReply // saved replies in the citizen's language, to insert into a reply
}

// person is one choice of assignee.
type person struct {
	ID       int64
	Name     string
	Selected bool
}

type timelineLine struct {
	At, Actor, Text string
}

type noteLine struct {
	At, Author, Body string
}

type messageLine struct {
	At, Kind, Status, Detail string
}

type callLine struct {
	At, Direction, State, Duration, Recording string
}

type apptLine struct {
	Day, Time, Centre, Service, Ref string
}

type requestLine struct {
	Ref, Service, Status, Updated string
}

// caseActions are the forms a case page can post, and the permission each needs.
var caseActions = map[string]crm.Action{
	"claim":    crm.ActClaim,
	"note":     crm.ActWork,
	"reply":    crm.ActWork,
	"pending":  crm.ActWork,
	"resolve":  crm.ActWork,
	"reopen":   crm.ActWork,
	"escalate": crm.ActEscalate,
	"assign":   crm.ActAssign,
	"call":     crm.ActCall,
}

func (w *Console) casePage(c *fiber.Ctx, u crm.User) error {
	id, err := caseID(c)
	if err != nil {
		return w.failPage(c, u, err)
	}
	v := w.view(c, u, "case.title")
	if done := c.Query("done"); done != "" {
		if _, ok := caseActions[done]; ok {
			v.Flash = v.T("case.done." + done)
		}
	}
	return w.showCase(c, u, id, v, fiber.StatusOK)
}

func (w *Console) showCase(c *fiber.Ctx, u crm.User, id int64, v view, status int) error {
	d, err := w.office.CaseDetail(c.UserContext(), u, id)
	if err != nil {
		return w.failPage(c, u, err)
	}
	names, err := w.userNames(c, u)
	if err != nil {
		return w.failPage(c, u, err)
	}
	cv := &caseView{
		Row: w.row(v, d.Case, names), ID: d.Case.ID, Version: d.Case.Version, Kind: v.T("kind." + string(d.Case.Kind)),
		Phone: string(d.Case.Phone), Lang: v.T("lang." + string(d.Case.Lang)), Description: d.Case.Description,
		Recording: d.Case.RecordingURL, Created: w.when(v, d.Case.CreatedAt), Can: map[string]bool{},
	}
	if s, ok := w.office.Catalog().Service(d.Case.Service); ok {
		cv.Service = s.Label(v.Lang)
	}
	for name, act := range caseActions {
		cv.Can[name] = crm.Can(u, act, d.Case) && actionFits(name, d.Case, u)
	}
	// A call is offered only where one can be placed: voice configured, and a phone of the
	// agent's own to ring once the citizen answers.
	cv.Can["call"] = cv.Can["call"] && w.office.VoiceConfigured()
	if cv.Can["call"] && u.Phone == "" {
		cv.Can["call"], cv.NoPhone = false, true
	}
	others, err := w.office.OthersViewing(c.UserContext(), u, d.Case.ID)
	if err != nil {
		return w.failPage(c, u, err)
	}
	cv.Viewers = viewersText(v, others)
	if cv.Can["reply"] {
		cv.Saved = w.savedFor(c, u, d.Case.Lang)
	}
	if cv.Can["assign"] {
		role := crm.RoleAgent
		if d.Case.Queue == crm.QueueIntegrity {
			role = crm.RoleIntegrityOfficer
		}
		people, err := w.office.Users(c.UserContext(), crm.UserFilter{Role: role})
		if err != nil {
			return w.failPage(c, u, err)
		}
		for _, p := range people {
			cv.People = append(cv.People, person{ID: p.ID, Name: p.Name, Selected: p.ID == d.Case.AssigneeID})
		}
	}
	for _, a := range d.Audit {
		cv.Timeline = append(cv.Timeline, timelineLine{At: w.when(v, a.At), Actor: actorName(v, a.Actor), Text: auditText(v, a)})
	}
	for _, n := range d.Notes {
		line := noteLine{At: w.when(v, n.At), Author: n.Author, Body: n.Body}
		if n.Reply {
			cv.Replies = append(cv.Replies, line)
		} else {
			cv.Notes = append(cv.Notes, line)
		}
	}
	for _, m := range d.Messages {
		status := v.T("sms." + m.Status)
		if m.DeliveryStatus != "" {
			status += " (" + m.DeliveryStatus + ")"
		}
		cv.Messages = append(cv.Messages, messageLine{At: w.when(v, m.CreatedAt), Kind: v.T("smskind." + string(m.Kind)), Status: status, Detail: m.FailureReason})
	}
	for _, call := range d.Calls {
		state := "call." + string(call.Outcome)
		if call.Direction == crm.CallOutbound && call.Outcome == crm.CallInMenu {
			state = "call.placed" // an outbound call "in the menus" is one still ringing
		}
		cv.Calls = append(cv.Calls, callLine{At: w.when(v, call.StartedAt), Direction: v.T("call." + string(call.Direction)), State: v.T(state),
			Duration: (time.Duration(call.DurationSeconds) * time.Second).String(), Recording: call.RecordingURL})
	}
	cat := w.office.Catalog()
	for _, a := range d.Appointments {
		line := apptLine{Day: w.day(v, a.Day), Time: fmt.Sprintf("%02d:%02d", a.Start/60, a.Start%60), Ref: a.Ref.Grouped()}
		if ct, ok := cat.Centre(a.Centre); ok {
			line.Centre = ct.Name
		}
		if s, ok := cat.Service(a.Service); ok {
			line.Service = s.Label(v.Lang)
		}
		cv.Appts = append(cv.Appts, line)
	}
	for _, r := range d.Requests {
		line := requestLine{Ref: r.Ref.Grouped(), Status: v.T("reqstatus." + string(r.Status)), Updated: w.when(v, r.UpdatedAt)}
		if s, ok := cat.Service(r.Service); ok {
			line.Service = s.Label(v.Lang)
		}
		cv.Requests = append(cv.Requests, line)
	}
	v.Case = cv
	v.Title = v.T("case.title") + " " + cv.Row.Number
	return w.render(c, status, "case", v)
}

// actionFits hides the actions the case's status makes pointless (claiming a case one already
// has, resolving a resolved one); crm still refuses them if posted.
func actionFits(name string, c crm.Case, u crm.User) bool {
	switch name {
	case "claim":
		return c.Status.Open() && c.AssigneeID != u.ID
	case "note", "reply":
		return true
	case "pending":
		return c.Status.CanMoveTo(crm.CasePendingCitizen)
	case "resolve":
		return c.Status.CanMoveTo(crm.CaseResolved)
	case "reopen":
		return c.Status == crm.CaseResolved
	case "escalate":
		return c.Status.Open() && c.Level < crm.LevelDirector
	case "assign":
		return c.Status.Open()
	case "call":
		return true // a resolved case may still need a word with the citizen
	}
	return false
}

// caseAction runs one form post on a case: the same crm operations as /api/v1. A page drawn
// from an older version of the case is refused, so that nobody acts on what they did not see.
func (w *Console) caseAction(c *fiber.Ctx, u crm.User) error {
	id, err := caseID(c)
	if err != nil {
		return w.failPage(c, u, err)
	}
	action := strings.Clone(c.Params("action"))
	if _, ok := caseActions[action]; !ok {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	ctx := c.UserContext()
	current, err := w.office.ViewCase(ctx, u, id)
	if err != nil {
		return w.failPage(c, u, err)
	}
	if seen, err := strconv.Atoi(c.FormValue("version")); err != nil || seen != current.Version {
		return w.refuse(c, u, id, errStale)
	}
	text := strings.TrimSpace(strings.Clone(c.FormValue("text")))
	switch action {
	case "claim":
		_, err = w.office.Claim(ctx, u, id)
	case "note":
		_, err = w.office.AddNote(ctx, u, id, text, false)
	case "reply":
		_, err = w.office.AddNote(ctx, u, id, text, true)
	case "pending":
		_, err = w.office.SetStatus(ctx, u, id, crm.CasePendingCitizen, text)
	case "resolve":
		if text == "" {
			err = fmt.Errorf("%w: %s", crm.ErrBadInput, w.cat.T(langFor(c, u), "case.resolve.need_note"))
		} else {
			_, err = w.office.Resolve(ctx, u, id, text)
		}
	case "reopen":
		_, err = w.office.SetStatus(ctx, u, id, crm.CaseInProgress, text)
	case "escalate":
		_, err = w.office.Escalate(ctx, u, id, text)
	case "assign":
		to, perr := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
		if perr != nil || to <= 0 {
			err = fmt.Errorf("%w: choose whom to assign the case to", crm.ErrBadInput)
		} else {
			_, err = w.office.Assign(ctx, u, id, to)
		}
	case "call":
		_, err = w.office.PlaceCall(ctx, u, current.Number)
	}
	if err != nil {
		return w.refuse(c, u, id, err)
	}
	w.log.Info("case "+action, "case", current.Number, "user", u.Username)
	return c.Redirect(fmt.Sprintf("%s/cases/%d?done=%s", Prefix, id, action), fiber.StatusSeeOther)
}

// refuse shows the case again with what went wrong above it.
func (w *Console) refuse(c *fiber.Ctx, u crm.User, id int64, err error) error {
	status, key := classify(err)
	if status == fiber.StatusInternalServerError || key == "notfound.title" {
		return w.failPage(c, u, err)
	}
	v := w.view(c, u, "case.title")
	v.Path = fmt.Sprintf("%s/cases/%d", Prefix, id)
	v.Error = errorText(v, err)
	return w.showCase(c, u, id, v, status)
}

// when is a moment in the centres' time zone, as staff read it, with the day and month in
// the page's language ("Tue 24 Nov 09:00", "Jumanne 24 Nov 09:00").
func (w *Console) when(v view, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(w.office.Clock().Location)
	return w.day(v, t) + " " + t.Format("15:04")
}

// day is a civil date as staff read it, in the page's language ("Tue 24 Nov").
func (w *Console) day(v view, d time.Time) string {
	return v.T("day."+strconv.Itoa(int(d.Weekday()))) + " " + strconv.Itoa(d.Day()) + " " + v.T("month."+strconv.Itoa(int(d.Month())))
}

// viewersText names the others who have a case open, "" when nobody does.
func viewersText(v view, names []string) string {
	if len(names) == 0 {
		return ""
	}
	return v.T("case.viewers", "names", joinNames(names))
}

func joinNames(names []string) string { return strings.Join(names, ", ") }

// actorName is who made an audit entry: a username as it is, the citizen and the system in the
// page's words.
func actorName(v view, actor string) string {
	if actor == "citizen" || actor == "system" {
		return v.T("actor." + actor)
	}
	return actor
}

// auditText words one audit entry. Status codes are shown in the page's words; the detail
// is shown where it is a person's words (a status change's note, an escalation's reason).
func auditText(v view, a crm.AuditEntry) string {
	from, to := a.From, a.To
	if a.Action == "status" {
		from, to = v.T("status."+from), v.T("status."+to)
	}
	text := v.T("audit."+a.Action, "from", from, "to", to)
	if strings.HasPrefix(text, "[") { // an action this console has no words for yet
		text = a.Action + " " + strings.TrimSpace(a.From+" → "+a.To)
	}
	if a.Detail != "" && slices.Contains([]string{"status", "escalated"}, a.Action) {
		text += ": " + a.Detail
	}
	return text
}
