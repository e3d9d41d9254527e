package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// maxPage bounds ?limit= on lists.
const maxPage = 500

type casesJSON struct {
	Cases  []caseJSON `json:"cases"`
	Limit  int        `json:"limit"`
	Offset int        `json:"offset"`
	// SearchAs says how ?q= was read (number, phone, phone_ending or words); absent
	// without q.
	SearchAs string `json:"search_as,omitempty"`
	// Ticket is the number ?q= was read as when a tracked request also has that number, so
	// a client can offer GET /requests/{ref} beside the cases; absent otherwise.
	Ticket string `json:"ticket,omitempty"`
}

// listCases is GET /cases: the cases the filter selects among those the user may see.
func (a *API) listCases(c *fiber.Ctx, u crm.User) error {
	f, search, err := a.caseFilter(c, u)
	if err != nil {
		return a.fail(c, err)
	}
	out := casesJSON{Cases: []caseJSON{}, Limit: f.Limit, Offset: f.Offset, SearchAs: string(search.Kind())}
	if out.Limit == 0 {
		out.Limit = crm.DefaultCaseLimit
	}
	if search.Number != "" {
		found, err := a.office.TicketExists(c.UserContext(), search.Number)
		if err != nil {
			return a.fail(c, err)
		}
		if found {
			out.Ticket = string(search.Number)
		}
	}
	if f, ok := search.Narrow(f); ok {
		list, err := a.office.ListCases(c.UserContext(), u, f)
		if err != nil {
			return a.fail(c, err)
		}
		out.Cases = casesOut(list)
	}
	return c.JSON(out)
}

// caseParams are the query parameters GET /cases understands, and the only ones it takes:
// a parameter it does not know (a typo, a filter from another endpoint) would otherwise be
// ignored and answer every case, which looks like an answer and is not one. openapi.json
// lists the same parameters; a test keeps the two in step.
var caseParams = []string{"status", "centre", "category", "level", "assignee", "breaching", "q", "phone", "limit", "offset"}

// caseFilter reads ?status=new,assigned&centre=KSM&category=long_wait&level=2&assignee=me|<id>
// &breaching=soon&phone=…&q=…&limit=&offset=. The filter carries ?phone= (a whole number or
// its last digits); the search is ?q=, read by crm.ParseCaseSearch, for the caller to narrow
// the filter with. A parameter it does not know, one given twice, or a value it cannot read
// is ErrBadInput saying which and why.
func (a *API) caseFilter(c *fiber.Ctx, u crm.User) (crm.CaseFilter, crm.CaseSearch, error) {
	var f crm.CaseFilter
	if err := onlyParams(c, "GET "+Prefix+"/cases", caseParams); err != nil {
		return f, crm.CaseSearch{}, err
	}
	for _, s := range strings.Split(query(c, "status"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		st := crm.CaseStatus(s)
		if !st.Valid() {
			return f, crm.CaseSearch{}, fmt.Errorf("%w: unknown status %q (one of new, assigned, in_progress, pending_citizen, resolved, closed)", crm.ErrBadInput, s)
		}
		f.Status = append(f.Status, st)
	}
	f.Centre = code(query(c, "centre"))
	if cat := strings.TrimSpace(query(c, "category")); cat != "" {
		f.Category = crm.Category(cat)
		if !f.Category.Valid() {
			return f, crm.CaseSearch{}, fmt.Errorf("%w: unknown category %q", crm.ErrBadInput, cat)
		}
	}
	if s := strings.TrimSpace(query(c, "level")); s != "" {
		l, err := strconv.Atoi(s)
		if err != nil || l < int(crm.LevelAgent) || l > int(crm.LevelDirector) {
			return f, crm.CaseSearch{}, fmt.Errorf("%w: level must be 1, 2, 3 or 4, not %q", crm.ErrBadInput, s)
		}
		f.Level = crm.Level(l)
	}
	switch s := strings.TrimSpace(query(c, "assignee")); s {
	case "":
	case "me":
		f.AssigneeID = u.ID
	default:
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, crm.CaseSearch{}, fmt.Errorf("%w: assignee must be me or a user id, not %q", crm.ErrBadInput, s)
		}
		f.AssigneeID = id
	}
	switch s := strings.TrimSpace(query(c, "breaching")); s {
	case "":
	case "soon":
		f.DueBefore = a.office.BreachingSoon()
	default:
		return f, crm.CaseSearch{}, fmt.Errorf("%w: breaching must be soon, not %q", crm.ErrBadInput, s)
	}
	phone, err := crm.ParsePhoneSearch(query(c, "phone"))
	if err != nil {
		return f, crm.CaseSearch{}, err
	}
	f.Phone, f.PhoneEnding = phone.Phone, phone.PhoneEnding
	search, err := crm.ParseCaseSearch(query(c, "q"))
	if err != nil {
		return f, crm.CaseSearch{}, err
	}
	if f.Limit, err = intParam(c, "limit", 1, maxPage); err != nil {
		return f, crm.CaseSearch{}, err
	}
	if f.Offset, err = intParam(c, "offset", 0, 1<<31-1); err != nil {
		return f, crm.CaseSearch{}, err
	}
	return f, search, nil
}

// onlyParams refuses a query string that names a parameter outside known, or names one
// more than once (only the first would be read), saying which and listing the known ones.
func onlyParams(c *fiber.Ctx, endpoint string, known []string) error {
	var unknown, twice []string
	seen := map[string]bool{}
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		key := string(k)
		switch {
		case !slices.Contains(known, key):
			if r := []rune(key); len(r) > 40 {
				key = string(r[:40]) + "…"
			}
			if !slices.Contains(unknown, key) {
				unknown = append(unknown, key)
			}
		case seen[key]:
			if !slices.Contains(twice, key) {
				twice = append(twice, key)
			}
		}
		seen[key] = true
	})
	sorted := slices.Sorted(slices.Values(known))
	switch {
	case len(unknown) == 1:
		return fmt.Errorf("%w: unknown query parameter %q; %s takes %s", crm.ErrBadInput, unknown[0], endpoint, strings.Join(sorted, ", "))
	case len(unknown) > 1:
		return fmt.Errorf("%w: unknown query parameters %s; %s takes %s", crm.ErrBadInput, quoted(unknown), endpoint, strings.Join(sorted, ", "))
	case len(twice) > 0:
		hint := ""
		if slices.Contains(twice, "status") {
			hint = " (status takes a comma-separated list)"
		}
		return fmt.Errorf("%w: query parameter %s given more than once; give each once%s", crm.ErrBadInput, quoted(twice), hint)
	}
	return nil
}

// quoted lists strings quoted and comma-separated.
func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// caseDetail is GET /cases/{id}: the case with its timeline and notes. A case the user may
// not see is 404, exactly as one that does not exist.
func (a *API) caseDetail(c *fiber.Ctx, u crm.User) error {
	id, err := caseID(c)
	if err != nil {
		return a.fail(c, err)
	}
	d, err := a.office.CaseDetail(c.UserContext(), u, id)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(detailOut(d))
}

// claim is POST /cases/{id}/claim: the user takes the case.
func (a *API) claim(c *fiber.Ctx, u crm.User) error {
	return a.work(c, u, "claimed", func(id int64) (crm.Case, error) {
		return a.office.Claim(c.UserContext(), u, id)
	})
}

type assignBody struct {
	UserID int64 `json:"user_id"`
}

// assign is POST /cases/{id}/assign {user_id}: the case goes to someone who can work it.
func (a *API) assign(c *fiber.Ctx, u crm.User) error {
	var in assignBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	if in.UserID <= 0 {
		return a.fail(c, fmt.Errorf("%w: user_id is required", crm.ErrBadInput))
	}
	return a.work(c, u, "assigned", func(id int64) (crm.Case, error) {
		return a.office.Assign(c.UserContext(), u, id, in.UserID)
	})
}

type noteBody struct {
	Body  string `json:"body"`
	Reply bool   `json:"reply"`
}

// addNote is POST /cases/{id}/notes {body, reply}: an internal note, or with reply=true a
// message sent to the citizen by SMS.
func (a *API) addNote(c *fiber.Ctx, u crm.User) error {
	var in noteBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	what := "noted"
	if in.Reply {
		what = "replied"
	}
	return a.work(c, u, what, func(id int64) (crm.Case, error) {
		return a.office.AddNote(c.UserContext(), u, id, in.Body, in.Reply)
	})
}

type statusBody struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// setStatus is POST /cases/{id}/status {status, note}.
func (a *API) setStatus(c *fiber.Ctx, u crm.User) error {
	var in statusBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	to := crm.CaseStatus(strings.TrimSpace(in.Status))
	if to == "" {
		return a.fail(c, fmt.Errorf("%w: status is required", crm.ErrBadInput))
	}
	return a.work(c, u, "status "+string(to), func(id int64) (crm.Case, error) {
		return a.office.SetStatus(c.UserContext(), u, id, to, in.Note)
	})
}

type escalateBody struct {
	Reason string `json:"reason"`
}

// escalate is POST /cases/{id}/escalate {reason}: up one level by hand.
func (a *API) escalate(c *fiber.Ctx, u crm.User) error {
	var in escalateBody
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return a.fail(c, err)
		}
	}
	return a.work(c, u, "escalated", func(id int64) (crm.Case, error) {
		return a.office.Escalate(c.UserContext(), u, id, in.Reason)
	})
}

type resolveBody struct {
	Note string `json:"note"`
}

// resolve is POST /cases/{id}/resolve {note}: the citizen is told, and asked to rate.
func (a *API) resolve(c *fiber.Ctx, u crm.User) error {
	var in resolveBody
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return a.fail(c, err)
		}
	}
	return a.work(c, u, "resolved", func(id int64) (crm.Case, error) {
		return a.office.Resolve(c.UserContext(), u, id, in.Note)
	})
}

// work runs one change to the case named in the path and answers the case as it now is.
func (a *API) work(c *fiber.Ctx, u crm.User, what string, do func(id int64) (crm.Case, error)) error {
	id, err := caseID(c)
	if err != nil {
		return a.fail(c, err)
	}
	got, err := do(id)
	if err != nil {
		return a.fail(c, err)
	}
	a.log.Info("case "+what, "case", got.Number, "user", u.Username, "status", got.Status, "level", got.Level)
	return c.JSON(caseOut(got))
}

func caseID(c *fiber.Ctx) (int64, error) {
	s := c.Params("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: a case id is a positive whole number, not %q", crm.ErrBadInput, s)
	}
	return id, nil
}

func intParam(c *fiber.Ctx, key string, lo, hi int) (int, error) {
	s := strings.TrimSpace(query(c, key))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s must be a whole number from %d to %d, not %q", crm.ErrBadInput, key, lo, hi, s)
	}
	return n, nil
}

// query is a query parameter copied out of fasthttp's buffer.
func query(c *fiber.Ctx, key string) string { return strings.Clone(c.Query(key)) }
