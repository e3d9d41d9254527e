package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

type peopleView struct {
	People   []personRow
	Roles    []choice // the roles this person may give
	Centres  []choice
	Password string // a drawn password, shown once
	For      string // whose password it is
	Edit     *personRow
}

type personRow struct {
	ID        int64
	Username  string
	Name      string
	Role      string
	RoleCode  crm.Role
	Phone     string
	Centre    string
	Queue     crm.Queue
	Langs     map[crm.Lang]bool
	LangText  string
	OnShift   bool
	Disabled  bool
	CanManage bool
	Href      string
}

type choice struct {
	Value, Label string
	Selected     bool
}

// canPeople reports whether u manages accounts at all (for the header link).
func canPeople(u crm.User) bool { return u.Role == crm.RoleAdmin || u.Role == crm.RoleSupervisor }

// people is GET /console/users: the accounts, with a form to add one.
func (w *Console) people(c *fiber.Ctx, u crm.User) error {
	if !canPeople(u) {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	v := w.view(c, u, "people.title")
	pv, err := w.peopleView(c, u, v, 0)
	if err != nil {
		return w.failPage(c, u, err)
	}
	v.People = pv
	return w.render(c, fiber.StatusOK, "people", v)
}

func (w *Console) peopleView(c *fiber.Ctx, u crm.User, v view, edit int64) (*peopleView, error) {
	users, err := w.office.Users(c.UserContext(), crm.UserFilter{})
	if err != nil {
		return nil, err
	}
	pv := &peopleView{}
	for _, p := range users {
		row := personRow{ID: p.ID, Username: p.Username, Name: p.Name, Role: v.T("role." + string(p.Role)), RoleCode: p.Role,
			Phone: string(p.Phone), Centre: p.Centre, Queue: p.Queue, Langs: map[crm.Lang]bool{}, OnShift: p.Available,
			Disabled: p.Disabled, CanManage: crm.CanManage(u, p), Href: fmt.Sprintf("%s/users/%d", Prefix, p.ID)}
		var names []string
		for _, l := range p.Langs {
			row.Langs[l] = true
			names = append(names, v.T("lang."+string(l)))
		}
		row.LangText = strings.Join(names, ", ")
		pv.People = append(pv.People, row)
		if p.ID == edit {
			r := row
			pv.Edit = &r
		}
	}
	selected := crm.RoleAgent
	if pv.Edit != nil {
		selected = pv.Edit.RoleCode
	}
	for _, r := range crm.Roles {
		if crm.CanManage(u, crm.User{Role: r}) {
			pv.Roles = append(pv.Roles, choice{Value: string(r), Label: v.T("role." + string(r)), Selected: r == selected})
		}
	}
	pv.Centres = append(pv.Centres, choice{Value: "", Label: "—"})
	for _, ct := range w.office.Catalog().Centres() {
		pv.Centres = append(pv.Centres, choice{Value: ct.Code, Label: ct.Name, Selected: pv.Edit != nil && pv.Edit.Centre == ct.Code})
	}
	return pv, nil
}

// addPerson is POST /console/users: a new account, its password shown once on the page.
func (w *Console) addPerson(c *fiber.Ctx, u crm.User) error {
	if !canPeople(u) {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	in := crm.NewUser{
		Username: strings.Clone(c.FormValue("username")), Name: strings.Clone(c.FormValue("name")),
		Role: crm.Role(c.FormValue("role")), Phone: crm.Phone(strings.TrimSpace(c.FormValue("phone"))),
		Centre: strings.Clone(c.FormValue("centre")), Queue: crm.Queue(c.FormValue("queue")), Langs: formLangs(c),
	}
	v := w.view(c, u, "people.title")
	created, password, err := w.office.AddStaff(c.UserContext(), u, in)
	status := fiber.StatusOK
	if err != nil {
		if code, _ := classify(err); code == fiber.StatusInternalServerError {
			return w.failPage(c, u, err)
		}
		v.Error, status = errorText(v, err), fiber.StatusBadRequest
		if errors.Is(err, crm.ErrUsernameTaken) {
			v.Error = v.T("people.taken")
		}
	}
	pv, perr := w.peopleView(c, u, v, 0)
	if perr != nil {
		return w.failPage(c, u, perr)
	}
	if err == nil {
		pv.Password, pv.For = password, created.Username
	}
	v.People = pv
	return w.render(c, status, "people", v)
}

// person is GET /console/users/:id: one account, to edit and manage.
func (w *Console) person(c *fiber.Ctx, u crm.User) error {
	return w.showPerson(c, u, fiber.StatusOK, "", "")
}

func (w *Console) showPerson(c *fiber.Ctx, u crm.User, status int, password, errText string) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || !canPeople(u) {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	v := w.view(c, u, "people.title")
	pv, err := w.peopleView(c, u, v, id)
	if err != nil {
		return w.failPage(c, u, err)
	}
	if pv.Edit == nil || !pv.Edit.CanManage {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	switch done := c.Query("done"); done {
	case "edit", "disable", "enable", "end": // what personAction redirects with; anything else says nothing
		if errText == "" {
			v.Flash = v.T("people.done." + done)
		}
	}
	pv.Password, pv.For, v.Error = password, pv.Edit.Username, errText
	v.People = pv
	return w.render(c, status, "person", v)
}

// personAction is POST /console/users/:id/:action (edit, disable, enable, reset, end).
func (w *Console) personAction(c *fiber.Ctx, u crm.User) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || !canPeople(u) {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	ctx := c.UserContext()
	action := strings.Clone(c.Params("action"))
	switch action {
	case "edit":
		_, err = w.office.EditStaff(ctx, u, id, crm.StaffChange{Name: strings.Clone(c.FormValue("name")), Role: crm.Role(c.FormValue("role")),
			Phone: crm.Phone(strings.TrimSpace(c.FormValue("phone"))), Centre: strings.Clone(c.FormValue("centre")),
			Queue: crm.Queue(c.FormValue("queue")), Langs: formLangs(c)})
	case "disable", "enable":
		_, err = w.office.SetDisabled(ctx, u, id, action == "disable")
	case "end":
		_, err = w.office.EndSessions(ctx, u, id)
	case "reset":
		var password string
		if _, password, err = w.office.ResetPassword(ctx, u, id); err == nil {
			// Shown on this answer, once: never in a URL or a log.
			return w.showPerson(c, u, fiber.StatusOK, password, "")
		}
	default:
		return w.failPage(c, u, crm.ErrNotFound)
	}
	if err != nil {
		if code, _ := classify(err); code == fiber.StatusInternalServerError || code == fiber.StatusNotFound || code == fiber.StatusForbidden {
			return w.failPage(c, u, err)
		}
		return w.showPerson(c, u, fiber.StatusBadRequest, "", errorText(w.view(c, u, "people.title"), err))
	}
	return c.Redirect(fmt.Sprintf("%s/users/%d?done=%s", Prefix, id, action), fiber.StatusSeeOther)
}

func formLangs(c *fiber.Ctx) []crm.Lang {
	var out []crm.Lang
	for _, l := range langs {
		if c.FormValue("lang_"+string(l)) != "" {
			out = append(out, l)
		}
	}
	return out
}
