// Package console is the JSON API at /api/v1 behind the agents' console and the agencies'
// back offices:
//
//   - agencies (ministries, departments and agencies) register tracked requests and push their
//     status with an API key (X-API-Key, or Authorization: Bearer hak_…);
//   - contact-centre staff log in for a bearer token and list, read and work cases within the
//     role matrix of crm/access.go, which the domain enforces on every call, call citizens
//     back from a case, see the agent queues and a phone's calls.
//
// Every answer is JSON; every error is {"error": "<message>"}. The routes, their parameters and
// shapes are described by the OpenAPI document served at /api/v1/openapi.json (openapi.json
// in this folder), and a test fails when the document and the mounted routes disagree.
package console

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Config tunes the API.
type Config struct {
	Logger *slog.Logger
	// HSTS adds Strict-Transport-Security to every answer: set it when the gateway is
	// reached over https (HUDUMA_PUBLIC_URL), never over plain http, where browsers ignore it.
	HSTS bool
}

// API is the console's and the agencies' JSON API.
type API struct {
	office *crm.Office
	cfg    Config
	log    *slog.Logger
}

// New builds the API over the back office.
func New(office *crm.Office, cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &API{office: office, cfg: cfg, log: cfg.Logger.With("channel", "api")}
}

// HSTSHeader is the Strict-Transport-Security both doors send over https: a year, and the
// subdomains.
const HSTSHeader = "max-age=31536000; includeSubDomains"

// headers sets what every API answer carries. Nearly every answer holds personal data (a
// case, a phone, a citizen's words), so none is stored by a browser or a proxy; none is a page
// to render, frame or follow links from.
func (a *API) headers(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
	if a.cfg.HSTS {
		c.Set(fiber.HeaderStrictTransportSecurity, HSTSHeader)
	}
	return c.Next()
}

// Mount registers the routes under /api/v1. Anything else under /api/v1 answers a JSON 404.
func (a *API) Mount(app *fiber.App) {
	r := app.Group(Prefix, a.headers)

	r.Get("/openapi.json", a.openAPI)

	// Agencies.
	r.Post("/requests", a.agency(a.registerRequest))
	r.Post("/requests/:ref/events", a.agency(a.pushRequestEvent))
	r.Get("/requests/:ref", a.getRequest)

	// Staff: session.
	r.Post("/login", a.login)
	r.Post("/logout", a.logout)
	r.Get("/me", a.staff(a.me))
	r.Put("/me/availability", a.staff(a.setAvailability))

	// Staff: cases.
	r.Get("/cases", a.staff(a.listCases))
	r.Get("/cases/:id", a.staff(a.caseDetail))
	r.Post("/cases/:id/claim", a.staff(a.claim))
	r.Post("/cases/:id/assign", a.staff(a.assign))
	r.Post("/cases/:id/notes", a.staff(a.addNote))
	r.Post("/cases/:id/status", a.staff(a.setStatus))
	r.Post("/cases/:id/escalate", a.staff(a.escalate))
	r.Post("/cases/:id/resolve", a.staff(a.resolve))
	r.Post("/cases/:id/call", a.staff(a.placeCall))

	// Staff: voice.
	r.Get("/voice/queues", a.staff(a.voiceQueues))
	r.Get("/calls", a.staff(a.phoneCalls))

	// Staff: people and ratings.
	r.Get("/users", a.staff(a.only(a.users, crm.RoleSupervisor, crm.RoleIntegrityOfficer, crm.RoleAdmin)))
	r.Get("/ratings", a.staff(a.only(a.ratings, crm.RoleSupervisor, crm.RoleCentreManager, crm.RoleIntegrityOfficer, crm.RoleAdmin)))

	// Staff: the citizen's rights under the Data Protection Act, for the dpo and admins
	// (citizens.go).
	r.Get("/citizens/:phone/export", a.staff(a.exportCitizen))
	r.Post("/citizens/:phone/erase", a.staff(a.eraseCitizen))
	r.Get("/erasures", a.staff(a.erasures))
	r.Get("/cases/:id/views", a.staff(a.caseViews))
	r.Get("/users/:id/views", a.staff(a.userViews))

	// Registered last, so it runs only when no route above matched.
	app.Use(Prefix, func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusNotFound).JSON(errorBody{Error: "no such endpoint: " + c.Method() + " " + c.Path() + " (see " + Prefix + "/openapi.json)"})
	})
}

// ErrorHandler answers errors fiber raises itself (a body over the app's BodyLimit, a
// malformed request line) as JSON under /api/v1 and as plain text elsewhere. cmd passes it as
// fiber.Config.ErrorHandler.
func ErrorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	msg := "internal error"
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, msg = fe.Code, fe.Message
	}
	if strings.HasPrefix(c.Path(), Prefix+"/") || c.Path() == Prefix {
		if code == fiber.StatusRequestEntityTooLarge {
			msg = "the request body is too large"
		}
		return c.Status(code).JSON(errorBody{Error: msg})
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(code).SendString(msg)
}

// staffHandler serves a logged-in user.
type staffHandler func(c *fiber.Ctx, u crm.User) error

// agencyHandler serves an agency authenticated by its API key.
type agencyHandler func(c *fiber.Ctx, ag crm.Agency) error

// staff authenticates the bearer token of a console user.
func (a *API) staff(h staffHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := a.office.Authenticate(c.UserContext(), bearer(c))
		if err != nil {
			return a.fail(c, err)
		}
		return h(c, u)
	}
}

// only lets the listed roles through and answers 403 to the others.
func (a *API) only(h staffHandler, roles ...crm.Role) staffHandler {
	return func(c *fiber.Ctx, u crm.User) error {
		for _, r := range roles {
			if u.Role == r {
				return h(c, u)
			}
		}
		return a.fail(c, crm.ErrForbidden)
	}
}

// agency authenticates an agency's API key.
func (a *API) agency(h agencyHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ag, err := a.agencyOf(c)
		if err != nil {
			return a.fail(c, err)
		}
		return h(c, ag)
	}
}

// authError is a 401 answered with its own words.
type authError string

func (e authError) Error() string { return string(e) }

// Answers to requests without usable credentials.
const (
	errBadKey        = authError("a valid agency API key is required (X-API-Key header)")
	errNoCredentials = authError("send an agency API key (X-API-Key header) or a staff token (Authorization: Bearer <token>)")
)

func (a *API) agencyOf(c *fiber.Ctx) (crm.Agency, error) {
	key := apiKey(c)
	if key == "" {
		return crm.Agency{}, errBadKey
	}
	ag, err := a.office.AgencyByKey(c.UserContext(), key)
	if errors.Is(err, crm.ErrUnauthenticated) {
		return crm.Agency{}, errBadKey
	}
	return ag, err
}

// apiKey is the agency key: X-API-Key, or a bearer token with the key prefix.
func apiKey(c *fiber.Ctx) string {
	if k := strings.TrimSpace(c.Get("X-API-Key")); k != "" {
		return k
	}
	if t := bearer(c); strings.HasPrefix(t, "hak_") {
		return t
	}
	return ""
}

// bearer is the token of "Authorization: Bearer <token>", "" when there is none. It is only
// hashed and compared within the request, so it is not copied out of fasthttp's buffer.
func bearer(c *fiber.Ctx) string {
	h := strings.TrimSpace(c.Get(fiber.HeaderAuthorization))
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// errorBody is every error's shape.
type errorBody struct {
	Error string `json:"error"`
}

// fail answers err as JSON with the status its kind calls for. Unexpected errors are logged
// and answered with a generic message: their text may name tables or internals.
func (a *API) fail(c *fiber.Ctx, err error) error {
	status, msg := classify(err)
	switch {
	case status == fiber.StatusInternalServerError:
		a.log.Error("api request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
		msg = "internal error; the request was not completed"
	case status == fiber.StatusUnauthorized:
		c.Set(fiber.HeaderWWWAuthenticate, "Bearer")
	case status == fiber.StatusBadGateway:
		// The provider's words are the user's to read; the log says only that it failed, as
		// they might quote a citizen's number.
		a.log.Warn("voice provider failed", "method", c.Method(), "route", c.Route().Path)
	}
	return c.Status(status).JSON(errorBody{Error: msg})
}

// classify maps an error to its HTTP status, by its kind (crm.KindOf), and to what the
// client is told. An internal error is told nothing: its text may name tables or internals.
func classify(err error) (int, string) {
	var auth authError
	if errors.As(err, &auth) {
		return fiber.StatusUnauthorized, auth.Error()
	}
	status := statusOf(crm.KindOf(err))
	if status == fiber.StatusInternalServerError {
		return status, ""
	}
	return status, message(err)
}

// statusOf is the HTTP status of an error of kind k.
func statusOf(k crm.Kind) int {
	switch k {
	case crm.KindInvalid:
		return fiber.StatusBadRequest
	case crm.KindUnauthenticated:
		return fiber.StatusUnauthorized
	case crm.KindForbidden:
		return fiber.StatusForbidden
	case crm.KindNotFound:
		return fiber.StatusNotFound
	case crm.KindConflict, crm.KindChanged:
		return fiber.StatusConflict
	case crm.KindUpstream:
		return fiber.StatusBadGateway
	case crm.KindUnavailable:
		return fiber.StatusServiceUnavailable
	case crm.KindThrottled:
		return fiber.StatusTooManyRequests
	}
	return fiber.StatusInternalServerError
}

// message is what the API tells the client about err, whose kind is not internal: crm's
// words, except where a few errors say more (what to send, what to do next) or say less
// (an authentication error's text is the sentinel's alone, never what wraps it).
func message(err error) string {
	switch {
	case errors.Is(err, crm.ErrTokenExpired):
		return crm.ErrTokenExpired.Error()
	case errors.Is(err, crm.ErrUnauthenticated):
		return "not logged in: send Authorization: Bearer <token> from POST " + Prefix + "/login"
	case errors.Is(err, crm.ErrBadCredentials):
		return crm.ErrBadCredentials.Error()
	case errors.Is(err, crm.ErrDisabled):
		return crm.ErrDisabled.Error()
	case errors.Is(err, crm.ErrConflict):
		return "the record kept changing while this request was applied; try again"
	case errors.Is(err, crm.ErrVoiceUnavailable):
		return crm.ErrVoiceUnavailable.Error() + " on this gateway (no voice provider)"
	}
	return err.Error()
}
