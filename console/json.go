package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// The shapes the API answers with. Fields are snake_case; times are RFC 3339 in UTC and null
// when unset; dates are YYYY-MM-DD; numbers a citizen reads are digits, with a grouped copy
// for display. Password hashes, token hashes and key hashes never leave the domain.

type caseJSON struct {
	ID            int64         `json:"id"`
	Number        string        `json:"number"`
	NumberGrouped string        `json:"number_grouped"`
	Kind          string        `json:"kind"`
	Category      string        `json:"category"`
	Queue         string        `json:"queue"`
	Phone         string        `json:"phone"`
	Lang          string        `json:"lang"`
	Centre        string        `json:"centre"`
	Service       string        `json:"service"`
	Description   string        `json:"description"`
	RecordingURL  string        `json:"recording_url"`
	Callback      *callbackJSON `json:"callback"`
	Status        string        `json:"status"`
	Level         int           `json:"level"`
	AssigneeID    *int64        `json:"assignee_id"`
	DueAt         *string       `json:"due_at"`
	ResolutionDue *string       `json:"resolution_due"`
	FirstResponse *string       `json:"first_response_at"`
	PausedAt      *string       `json:"paused_at"`
	ResolvedAt    *string       `json:"resolved_at"`
	Rating        string        `json:"rating"`
	RatedAt       *string       `json:"rated_at"`
	Version       int           `json:"version"`
	CreatedAt     *string       `json:"created_at"`
	UpdatedAt     *string       `json:"updated_at"`
}

type callbackJSON struct {
	From *string `json:"from"`
	To   *string `json:"to"`
	ASAP bool    `json:"asap"`
}

func caseOut(c crm.Case) caseJSON {
	out := caseJSON{
		ID: c.ID, Number: string(c.Number), NumberGrouped: c.Number.Grouped(), Kind: string(c.Kind),
		Category: string(c.Category), Queue: string(c.Queue), Phone: string(c.Phone), Lang: string(c.Lang),
		Centre: c.Centre, Service: c.Service, Description: c.Description, RecordingURL: c.RecordingURL, Status: string(c.Status),
		Level: int(c.Level), DueAt: stamp(c.DueAt), ResolutionDue: stamp(c.ResolutionDue),
		FirstResponse: stamp(c.FirstResponseAt), PausedAt: stamp(c.PausedAt), ResolvedAt: stamp(c.ResolvedAt),
		Rating: string(c.Rating), RatedAt: stamp(c.RatedAt), Version: c.Version,
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
	}
	if c.AssigneeID != 0 {
		id := c.AssigneeID
		out.AssigneeID = &id
	}
	if c.Kind == crm.KindCallback || !c.Callback.From.IsZero() {
		out.Callback = &callbackJSON{From: stamp(c.Callback.From), To: stamp(c.Callback.To), ASAP: c.Callback.ASAP}
	}
	return out
}

func casesOut(list []crm.Case) []caseJSON {
	out := make([]caseJSON, 0, len(list))
	for _, c := range list {
		out = append(out, caseOut(c))
	}
	return out
}

type timelineJSON struct {
	At      *string `json:"at"`
	ActorID *int64  `json:"actor_id"`
	Actor   string  `json:"actor"`
	Action  string  `json:"action"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Detail  string  `json:"detail"`
}

type noteJSON struct {
	ID       int64   `json:"id"`
	AuthorID *int64  `json:"author_id"`
	Author   string  `json:"author"`
	Body     string  `json:"body"`
	Reply    bool    `json:"reply"`
	At       *string `json:"at"`
}

type caseDetailJSON struct {
	Case     caseJSON       `json:"case"`
	Timeline []timelineJSON `json:"timeline"`
	Notes    []noteJSON     `json:"notes"`
	Messages []messageJSON  `json:"messages"`
	Calls    []callJSON     `json:"calls"`
	// The citizen's upcoming appointments and tracked requests (newest first, without their
	// events): what a complaint is usually about.
	Appointments []appointmentJSON `json:"appointments"`
	Requests     []requestJSON     `json:"requests"`
}

type appointmentJSON struct {
	Ref     string  `json:"ref"`
	Centre  string  `json:"centre"`
	Service string  `json:"service"`
	Day     *string `json:"day"`
	Start   string  `json:"start"`
	Status  string  `json:"status"`
}

// messageJSON is an SMS a case caused and where it stands, so an agent sees whether the
// citizen (or a manager) was told, and why not.
type messageJSON struct {
	ID             int64   `json:"id"`
	Kind           string  `json:"kind"`
	Phone          string  `json:"phone"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	FailureReason  string  `json:"failure_reason"`
	DeliveryStatus string  `json:"delivery_status"`
	CreatedAt      *string `json:"created_at"`
	SentAt         *string `json:"sent_at"`
}

func detailOut(d crm.CaseDetail) caseDetailJSON {
	out := caseDetailJSON{Case: caseOut(d.Case), Timeline: make([]timelineJSON, 0, len(d.Audit)), Notes: make([]noteJSON, 0, len(d.Notes))}
	for _, e := range d.Audit {
		out.Timeline = append(out.Timeline, timelineJSON{
			At: stamp(e.At), ActorID: optionalID(e.ActorID), Actor: e.Actor, Action: e.Action, From: e.From, To: e.To, Detail: e.Detail,
		})
	}
	for _, n := range d.Notes {
		out.Notes = append(out.Notes, noteOut(n))
	}
	out.Messages = make([]messageJSON, 0, len(d.Messages))
	for _, m := range d.Messages {
		out.Messages = append(out.Messages, messageOut(m))
	}
	out.Calls = callsOut(d.Calls)
	out.Appointments = make([]appointmentJSON, 0, len(d.Appointments))
	for _, a := range d.Appointments {
		out.Appointments = append(out.Appointments, appointmentOut(a))
	}
	out.Requests = make([]requestJSON, 0, len(d.Requests))
	for _, r := range d.Requests {
		out.Requests = append(out.Requests, requestOut(r))
	}
	return out
}

func noteOut(n crm.Note) noteJSON {
	return noteJSON{ID: n.ID, AuthorID: optionalID(n.AuthorID), Author: n.Author, Body: n.Body, Reply: n.Reply, At: stamp(n.At)}
}

func messageOut(m crm.Notification) messageJSON {
	return messageJSON{
		ID: m.ID, Kind: string(m.Kind), Phone: string(m.Phone), Status: m.Status, Attempts: m.Attempts,
		FailureReason: m.FailureReason, DeliveryStatus: m.DeliveryStatus, CreatedAt: stamp(m.CreatedAt), SentAt: stamp(m.SentAt),
	}
}

func appointmentOut(a crm.Appointment) appointmentJSON {
	return appointmentJSON{Ref: string(a.Ref), Centre: a.Centre, Service: a.Service,
		Day: date(a.Day), Start: fmt.Sprintf("%02d:%02d", a.Start/60, a.Start%60), Status: string(a.Status)}
}

type userJSON struct {
	ID             int64    `json:"id"`
	Username       string   `json:"username"`
	Name           string   `json:"name"`
	Role           string   `json:"role"`
	Phone          string   `json:"phone"`
	Centre         string   `json:"centre"`
	Queue          string   `json:"queue"`
	Langs          []string `json:"langs"`
	Available      bool     `json:"available"`
	CreatedAt      *string  `json:"created_at"`
	LastAssignedAt *string  `json:"last_assigned_at"`
}

func userOut(u crm.User) userJSON {
	langs := make([]string, 0, len(u.Langs))
	for _, l := range u.Langs {
		langs = append(langs, string(l))
	}
	return userJSON{
		ID: u.ID, Username: u.Username, Name: u.Name, Role: string(u.Role), Phone: string(u.Phone), Centre: u.Centre,
		Queue: string(u.Queue), Langs: langs, Available: u.Available, CreatedAt: stamp(u.CreatedAt),
		LastAssignedAt: stamp(u.LastAssignedAt),
	}
}

type requestJSON struct {
	Ref           string      `json:"ref"`
	RefGrouped    string      `json:"ref_grouped"`
	Phone         string      `json:"phone"`
	Service       string      `json:"service"`
	Centre        string      `json:"centre"`
	Agency        string      `json:"agency"`
	Status        string      `json:"status"`
	Reason        string      `json:"reason"`
	ExpectedReady *string     `json:"expected_ready"`
	Version       int         `json:"version"`
	CreatedAt     *string     `json:"created_at"`
	UpdatedAt     *string     `json:"updated_at"`
	Events        []eventJSON `json:"events"`
}

type eventJSON struct {
	Status         string  `json:"status"`
	Reason         string  `json:"reason"`
	ExpectedReady  *string `json:"expected_ready"`
	Note           string  `json:"note"`
	By             string  `json:"by"`
	At             *string `json:"at"`
	IdempotencyKey string  `json:"idempotency_key"`
}

func requestOut(r crm.Request) requestJSON {
	out := requestJSON{
		Ref: string(r.Ref), RefGrouped: r.Ref.Grouped(), Phone: string(r.Phone), Service: r.Service, Centre: r.Centre,
		Agency: r.Agency, Status: string(r.Status), Reason: r.Reason, ExpectedReady: date(r.Ready), Version: r.Version,
		CreatedAt: stamp(r.CreatedAt), UpdatedAt: stamp(r.UpdatedAt), Events: make([]eventJSON, 0, len(r.Events)),
	}
	for _, e := range r.Events {
		out.Events = append(out.Events, eventJSON{
			Status: string(e.Status), Reason: e.Reason, ExpectedReady: date(e.Ready), Note: e.Note, By: e.By,
			At: stamp(e.At), IdempotencyKey: e.IdempotencyKey,
		})
	}
	return out
}

type ratingJSON struct {
	Key    string `json:"key"`
	Rating string `json:"rating"`
	Count  int    `json:"count"`
}

// stamp is an instant as RFC 3339 in UTC, nil for the zero time.
func stamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// date is a civil date as YYYY-MM-DD, nil for the zero time.
func date(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// parseDate reads an optional YYYY-MM-DD field.
func parseDate(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s must be a date as YYYY-MM-DD, not %q", crm.ErrBadInput, field, s)
	}
	return d, nil
}

// decode reads the JSON body into v. Unknown fields are ignored; strings are copies, never
// views of fasthttp's buffer.
func decode(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: the request needs a JSON body", crm.ErrBadInput)
	}
	// encoding/json would quietly turn bytes that are not UTF-8 into U+FFFD. (A NUL written
	// as \u0000 decodes, and crm refuses it with the text's other control characters.)
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: the body is not valid UTF-8", crm.ErrBadInput)
	}
	err := json.Unmarshal(body, v)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: malformed JSON at byte %d: %s", crm.ErrBadInput, syntax.Offset, syntax.Error())
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("%w: field %q must be %s, not a JSON %s", crm.ErrBadInput, typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("%w: the body must be a JSON object, not a JSON %s", crm.ErrBadInput, typ.Value)
	}
	return fmt.Errorf("%w: malformed JSON: %s", crm.ErrBadInput, err.Error())
}

func jsonKind(goKind string) string {
	switch {
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "slice":
		return "an array"
	}
	return "an object"
}
