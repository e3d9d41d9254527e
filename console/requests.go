package console

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// maxIdempotencyKey bounds the Idempotency-Key header: it is stored with the event.
const maxIdempotencyKey = 128

type registerBody struct {
	Ref           string `json:"ref"`
	Phone         string `json:"phone"`
	Service       string `json:"service"`
	Centre        string `json:"centre"`
	Status        string `json:"status"`
	Reason        string `json:"reason"`
	ExpectedReady string `json:"expected_ready"`
	Note          string `json:"note"`
	Lang          string `json:"lang"`
}

// registerRequest is POST /requests: an agency registers a request lodged at a centre.
// 201 when it is new, 200 when it repeats one registered before with the same details.
func (a *API) registerRequest(c *fiber.Ctx, ag crm.Agency) error {
	var in registerBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	nr, err := in.request()
	if err != nil {
		return a.fail(c, err)
	}
	r, created, err := a.office.RegisterRequest(c.UserContext(), ag, nr)
	if err != nil {
		return a.fail(c, err)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
		a.log.Info("request registered", "ref", r.Ref, "agency", ag.Code, "service", r.Service, "centre", r.Centre, "status", r.Status, "phone", r.Phone)
	}
	return c.Status(status).JSON(requestOut(r))
}

func (in registerBody) request() (crm.NewRequest, error) {
	var nr crm.NewRequest
	if strings.TrimSpace(in.Ref) != "" {
		ref, err := parseRef(in.Ref)
		if err != nil {
			return nr, err
		}
		nr.Ref = ref
	}
	if strings.TrimSpace(in.Phone) == "" {
		return nr, fmt.Errorf("%w: phone is required", crm.ErrBadInput)
	}
	phone, err := crm.ParsePhone(in.Phone)
	if err != nil {
		return nr, fmt.Errorf("%w: phone: %s (+2547…, 2547…, 07… or 01…)", crm.ErrBadInput, err.Error())
	}
	nr.Phone = phone
	if nr.Service = code(in.Service); nr.Service == "" {
		return nr, fmt.Errorf("%w: service is required (a service code such as ID-NEW)", crm.ErrBadInput)
	}
	if nr.Centre = code(in.Centre); nr.Centre == "" {
		return nr, fmt.Errorf("%w: centre is required (a centre code such as KSM)", crm.ErrBadInput)
	}
	nr.Status = crm.RequestStatus(strings.TrimSpace(in.Status))
	if nr.Status != "" && !nr.Status.Valid() {
		return nr, unknownRequestStatus(in.Status)
	}
	if nr.Ready, err = parseDate("expected_ready", in.ExpectedReady); err != nil {
		return nr, err
	}
	nr.Reason, nr.Note = in.Reason, in.Note
	if l := crm.Lang(strings.ToLower(strings.TrimSpace(in.Lang))); l != "" {
		if !l.Valid() {
			return nr, fmt.Errorf("%w: lang must be en or sw, not %q", crm.ErrBadInput, in.Lang)
		}
		nr.Lang = l
	}
	return nr, nil
}

type eventBody struct {
	Status        string `json:"status"`
	Reason        string `json:"reason"`
	ExpectedReady string `json:"expected_ready"`
	Note          string `json:"note"`
}

// pushRequestEvent is POST /requests/{ref}/events: an agency's status change. 201 when it is
// recorded, 200 when its Idempotency-Key names an event already recorded.
func (a *API) pushRequestEvent(c *fiber.Ctx, ag crm.Agency) error {
	ref, err := parseRef(c.Params("ref"))
	if err != nil {
		return a.fail(c, err)
	}
	key := strings.TrimSpace(c.Get("Idempotency-Key"))
	if len(key) > maxIdempotencyKey || !printableASCII(key) {
		return a.fail(c, fmt.Errorf("%w: Idempotency-Key must be at most %d printable ASCII characters", crm.ErrBadInput, maxIdempotencyKey))
	}
	var in eventBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	ev := crm.RequestEvent{Status: crm.RequestStatus(strings.TrimSpace(in.Status)), Reason: in.Reason, Note: in.Note, IdempotencyKey: strings.Clone(key)}
	if ev.Status == "" {
		return a.fail(c, fmt.Errorf("%w: status is required", crm.ErrBadInput))
	}
	if !ev.Status.Valid() {
		return a.fail(c, unknownRequestStatus(in.Status))
	}
	if ev.Ready, err = parseDate("expected_ready", in.ExpectedReady); err != nil {
		return a.fail(c, err)
	}
	r, added, err := a.office.PushRequestEvent(c.UserContext(), ag, ref, ev)
	if err != nil {
		return a.fail(c, err)
	}
	status := fiber.StatusOK
	if added {
		status = fiber.StatusCreated
		a.log.Info("request status pushed", "ref", r.Ref, "agency", ag.Code, "status", r.Status, "phone", r.Phone)
	}
	return c.Status(status).JSON(requestOut(r))
}

// getRequest is GET /requests/{ref}: for an agency, a request of one of its services; for a
// logged-in member of staff, any request.
func (a *API) getRequest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var ag crm.Agency
	if apiKey(c) != "" {
		var err error
		if ag, err = a.agencyOf(c); err != nil {
			return a.fail(c, err)
		}
	} else if bearer(c) == "" {
		return a.fail(c, errNoCredentials)
	} else if _, err := a.office.Authenticate(ctx, bearer(c)); err != nil {
		return a.fail(c, err)
	}
	ref, err := parseRef(c.Params("ref"))
	if err != nil {
		return a.fail(c, err)
	}
	r, err := a.office.Request(ctx, ag, ref)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(requestOut(r))
}

// parseRef reads a ticket or case number and says what is wrong with a bad one.
func parseRef(s string) (crm.Reference, error) {
	ref, err := crm.ParseReference(s)
	if err == nil {
		return ref, nil
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '\t':
		default:
			return "", fmt.Errorf("%w: %q is not a reference: a reference is %d digits (spaces and dashes allowed)", crm.ErrBadInput, s, crm.ReferenceDigits)
		}
	}
	if digits != crm.ReferenceDigits {
		return "", fmt.Errorf("%w: %q is not a reference: a reference is %d digits, this has %d", crm.ErrBadInput, s, crm.ReferenceDigits, digits)
	}
	return "", fmt.Errorf("%w: %q is not a reference: its check digit does not match (a digit is mistyped or two are swapped)", crm.ErrBadInput, s)
}

func unknownRequestStatus(s string) error {
	return fmt.Errorf("%w: unknown status %q (one of received, processing, needs_action, ready_for_collection, collected, rejected)", crm.ErrBadInput, s)
}

// code tidies a centre or service code.
func code(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
