package console

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// The citizen's rights under the Data Protection Act (crm/rights.go, views.go), for the data
// protection officer and administrators: a copy of everything held about a phone, its
// erasure, the record of erasures, and who read which case. The domain decides who may; every
// answer holding personal data is marked not to be stored by the browser or a proxy.

// citizenExportJSON is the citizen's copy of their data: the document `huduma citizen export`
// prints and GET /citizens/{phone}/export answers.
type citizenExportJSON struct {
	Phone      string  `json:"phone"`
	ExportedAt *string `json:"exported_at"`
	ExportedBy string  `json:"exported_by"`
	// Language is the language the citizen chose for our menus and messages, null if none.
	Language     *languageJSON           `json:"language"`
	OptedOutAt   *string                 `json:"opted_out_at"`
	Appointments []exportAppointmentJSON `json:"appointments"`
	Requests     []requestJSON           `json:"requests"`
	Cases        []exportCaseJSON        `json:"cases"`
	SMSReceived  []inboundJSON           `json:"sms_received"`
	SMSSent      []exportMessageJSON     `json:"sms_sent"`
	Calls        []callJSON              `json:"calls"`
	Withheld     []string                `json:"withheld"`
}

type languageJSON struct {
	Lang     string  `json:"lang"`
	ChosenAt *string `json:"chosen_at"`
}

type exportAppointmentJSON struct {
	appointmentJSON
	CreatedAt *string `json:"created_at"`
}

type exportCaseJSON struct {
	Case caseJSON `json:"case"`
	// NotesToCitizen are the replies and the resolution note the citizen was sent.
	NotesToCitizen []noteJSON `json:"notes_to_citizen"`
}

type inboundJSON struct {
	ID         string  `json:"id"`
	Text       string  `json:"text"`
	SentAt     *string `json:"sent_at"`
	ReceivedAt *string `json:"received_at"`
}

// exportMessageJSON is an SMS to the citizen with what it said (its template's arguments,
// while kept) and where it stands.
type exportMessageJSON struct {
	messageJSON
	Subject string            `json:"subject"`
	Params  map[string]string `json:"params"`
}

// ExportDocument is the JSON document of a citizen's copy of their data, for the API and the
// command line alike.
func ExportDocument(x crm.CitizenExport) any {
	out := citizenExportJSON{
		Phone: string(x.Phone), ExportedAt: stamp(x.ExportedAt), ExportedBy: x.ExportedBy, OptedOutAt: stamp(x.OptedOutAt),
		Appointments: make([]exportAppointmentJSON, 0, len(x.Appointments)), Requests: make([]requestJSON, 0, len(x.Requests)),
		Cases: make([]exportCaseJSON, 0, len(x.Cases)), SMSReceived: make([]inboundJSON, 0, len(x.Inbound)),
		SMSSent: make([]exportMessageJSON, 0, len(x.Messages)), Calls: callsOut(x.Calls), Withheld: x.Withheld,
	}
	if x.Lang != "" {
		out.Language = &languageJSON{Lang: string(x.Lang), ChosenAt: stamp(x.LangSetAt)}
	}
	for _, a := range x.Appointments {
		out.Appointments = append(out.Appointments, exportAppointmentJSON{appointmentJSON: appointmentOut(a), CreatedAt: stamp(a.CreatedAt)})
	}
	for _, r := range x.Requests {
		out.Requests = append(out.Requests, requestOut(r))
	}
	for _, c := range x.Cases {
		ec := exportCaseJSON{Case: caseOut(c.Case), NotesToCitizen: make([]noteJSON, 0, len(c.ToCitizen))}
		for _, n := range c.ToCitizen {
			ec.NotesToCitizen = append(ec.NotesToCitizen, noteOut(n))
		}
		out.Cases = append(out.Cases, ec)
	}
	for _, in := range x.Inbound {
		out.SMSReceived = append(out.SMSReceived, inboundJSON{ID: in.ID, Text: in.Text, SentAt: stamp(in.SentAt), ReceivedAt: stamp(in.ReceivedAt)})
	}
	for _, m := range x.Messages {
		params := m.Params
		if params == nil {
			params = map[string]string{}
		}
		out.SMSSent = append(out.SMSSent, exportMessageJSON{messageJSON: messageOut(m), Subject: m.Subject, Params: params})
	}
	if out.Withheld == nil {
		out.Withheld = []string{}
	}
	return out
}

type erasureJSON struct {
	ID     int64          `json:"id"`
	Token  string         `json:"token"`
	At     *string        `json:"at"`
	ByID   *int64         `json:"by_id"`
	By     string         `json:"by"`
	Reason string         `json:"reason"`
	Counts map[string]int `json:"counts"`
}

// ErasureJSON is the record of an erasure as the API answers it and the command line prints it.
func ErasureJSON(e crm.Erasure) any {
	counts := e.Counts
	if counts == nil {
		counts = map[string]int{}
	}
	return erasureJSON{ID: e.ID, Token: e.Token, At: stamp(e.At), ByID: optionalID(e.ByID), By: e.By, Reason: e.Reason, Counts: counts}
}

type erasuresJSON struct {
	Erasures []any `json:"erasures"`
}

type caseViewJSON struct {
	CaseID     int64   `json:"case_id"`
	CaseNumber string  `json:"case_number"`
	Queue      string  `json:"queue"`
	UserID     *int64  `json:"user_id"`
	Username   string  `json:"username"`
	At         *string `json:"at"`
}

type caseViewsJSON struct {
	Views []caseViewJSON `json:"views"`
}

func viewsOut(list []crm.CaseView) caseViewsJSON {
	out := caseViewsJSON{Views: make([]caseViewJSON, 0, len(list))}
	for _, v := range list {
		out.Views = append(out.Views, caseViewJSON{CaseID: v.CaseID, CaseNumber: string(v.CaseNumber), Queue: string(v.Queue),
			UserID: optionalID(v.UserID), Username: v.Username, At: stamp(v.At)})
	}
	return out
}

// citizenPhone reads the {phone} of the path: a Kenyan mobile number in any of its forms,
// "+" written as is or as %2B.
func citizenPhone(c *fiber.Ctx) (crm.Phone, error) {
	raw, err := url.PathUnescape(c.Params("phone"))
	if err != nil {
		return "", fmt.Errorf("%w: the phone in the path is not valid URL escaping", crm.ErrBadInput)
	}
	p, err := crm.ParsePhone(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %s (give it as +2547XXXXXXXX, 2547XXXXXXXX or 07XXXXXXXX)", crm.ErrBadInput, err)
	}
	return p, nil
}

// noParams refuses any query parameter: an endpoint that takes none must not seem to honour one.
func noParams(c *fiber.Ctx, endpoint string) error {
	if c.Context().QueryArgs().Len() > 0 {
		return fmt.Errorf("%w: %s takes no query parameters", crm.ErrBadInput, endpoint)
	}
	return nil
}

// exportCitizen is GET /citizens/{phone}/export: everything held about the phone.
func (a *API) exportCitizen(c *fiber.Ctx, u crm.User) error {
	if err := noParams(c, "GET "+Prefix+"/citizens/{phone}/export"); err != nil {
		return a.fail(c, err)
	}
	p, err := citizenPhone(c)
	if err != nil {
		return a.fail(c, err)
	}
	x, err := a.office.ExportCitizen(c.UserContext(), u, p)
	if err != nil {
		return a.fail(c, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(ExportDocument(x))
}

type eraseBody struct {
	Reason string `json:"reason"`
}

// eraseCitizen is POST /citizens/{phone}/erase: the phone's data replaced by a token
// everywhere, with the reason on record.
func (a *API) eraseCitizen(c *fiber.Ctx, u crm.User) error {
	p, err := citizenPhone(c)
	if err != nil {
		return a.fail(c, err)
	}
	var in eraseBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	e, err := a.office.EraseCitizen(c.UserContext(), u, p, in.Reason)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(ErasureJSON(e))
}

// erasureParams are the query parameters of GET /erasures.
var erasureParams = []string{"limit"}

// erasures is GET /erasures?limit=: the record of erasures, newest first.
func (a *API) erasures(c *fiber.Ctx, u crm.User) error {
	if err := onlyParams(c, "GET "+Prefix+"/erasures", erasureParams); err != nil {
		return a.fail(c, err)
	}
	limit, err := intParam(c, "limit", 1, 1000)
	if err != nil {
		return a.fail(c, err)
	}
	list, err := a.office.Erasures(c.UserContext(), u, limit)
	if err != nil {
		return a.fail(c, err)
	}
	out := erasuresJSON{Erasures: make([]any, 0, len(list))}
	for _, e := range list {
		out.Erasures = append(out.Erasures, ErasureJSON(e))
	}
	return c.JSON(out)
}

// caseViews is GET /cases/{id}/views: who read the case, newest first.
func (a *API) caseViews(c *fiber.Ctx, u crm.User) error {
	if err := noParams(c, "GET "+Prefix+"/cases/{id}/views"); err != nil {
		return a.fail(c, err)
	}
	id, err := caseID(c)
	if err != nil {
		return a.fail(c, err)
	}
	list, err := a.office.ViewsOfCase(c.UserContext(), u, id)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(viewsOut(list))
}

// userViews is GET /users/{id}/views: the cases a person read, newest first.
func (a *API) userViews(c *fiber.Ctx, u crm.User) error {
	if err := noParams(c, "GET "+Prefix+"/users/{id}/views"); err != nil {
		return a.fail(c, err)
	}
	s := strings.TrimSpace(c.Params("id"))
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return a.fail(c, fmt.Errorf("%w: a user id is a positive whole number, not %q", crm.ErrBadInput, s))
	}
	list, err := a.office.ViewsByUser(c.UserContext(), u, id)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(viewsOut(list))
}
