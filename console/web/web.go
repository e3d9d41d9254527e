// Package web is the staff console at /console/: server-rendered pages for agents,
// supervisors and integrity officers, over the same crm.Office operations as the JSON API at
// /api/v1. The pages parse, call crm and present; crm.Can and crm.Scope decide what each person
// may see and do, at both doors.
//
// Pages are html/template with a little vendored htmx (static/, embedded), so the console
// needs no build step and loads nothing from outside. Every label comes from the catalogues in
// messages/ (English and Kiswahili), chosen per browser.
//
// Sessions are cookies holding the login token crm issues (256 bits, stored hashed): HttpOnly,
// SameSite=Strict, Secure when served over TLS, a new token at every login. Cross-origin form
// posts are refused by the rule Go's http.CrossOriginProtection applies (Sec-Fetch-Site, else
// Origin against Host), and every page carries a strict Content-Security-Policy (no inline
// script or style) and Cache-Control: no-store, since cases hold personal data.
package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/huduma-connect/huduma/crm"
)

// Prefix is where the console is mounted.
const Prefix = "/console"

// Cookie names.
const (
	sessionCookie = "huduma_console"
	langCookie    = "huduma_lang"
)

//go:embed static
var staticFiles embed.FS

// Config tunes the console.
type Config struct {
	Logger *slog.Logger
	// SMS shows replies as the citizen will get them (nil: no preview).
	SMS SMSTexts
	// IdleTimeout ends a console session after this long without a request (30 minutes when
	// zero; negative: no limit). The login itself lasts at most the office's LoginTTL.
	IdleTimeout time.Duration
	// HSTS adds Strict-Transport-Security (see console.Config.HSTS).
	HSTS bool
}

// DefaultIdleTimeout is how long a console session lasts unused.
const DefaultIdleTimeout = 30 * time.Minute

// Console serves the staff pages.
type Console struct {
	office *crm.Office
	cat    *catalogue
	pages  *pages
	log    *slog.Logger
	idle   time.Duration
	sms    SMSTexts
	hsts   bool
	// ctx ends every event stream when the console closes.
	ctx  context.Context
	stop context.CancelFunc
}

// New builds the console over the back office.
func New(office *crm.Office, cfg Config) (*Console, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cat, err := loadCatalogue()
	if err != nil {
		return nil, err
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Console{office: office, cat: cat, pages: p, log: cfg.Logger.With("channel", "console"), idle: cfg.IdleTimeout,
		sms: cfg.SMS, hsts: cfg.HSTS, ctx: ctx, stop: stop}, nil
}

// Mount registers the console's routes under /console.
func (w *Console) Mount(app *fiber.App) {
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree always has it
	}
	r := app.Group(Prefix, w.protect)
	r.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 3600}))
	r.Get("/login", w.loginPage)
	r.Post("/login", w.login)
	r.Post("/logout", w.logout)
	r.Post("/lang", w.setLang)
	r.Get("/", w.staff(w.inbox))
	r.Get("/export.csv", w.staff(w.export))
	r.Get("/events", w.staff(w.events))
	r.Get("/board", w.staff(w.board))
	r.Get("/replies", w.staff(w.replies))
	r.Post("/replies", w.staff(w.putReply))
	r.Post("/replies/:id/delete", w.staff(w.deleteReply))
	r.Get("/users", w.staff(w.people))
	r.Post("/users", w.staff(w.addPerson))
	r.Get("/users/:id", w.staff(w.person))
	r.Post("/users/:id/:action", w.staff(w.personAction))
	r.Post("/availability", w.staff(w.setAvailability))
	r.Get("/cases/:id", w.staff(w.casePage))
	r.Post("/cases/:id/preview/:kind", w.staff(w.preview))
	r.Post("/cases/:id/:action", w.staff(w.caseAction))
	r.Use(func(c *fiber.Ctx) error {
		return w.render(c, fiber.StatusNotFound, "notfound", w.view(c, crm.User{}, "notfound.title"))
	})
}

// protect sets the headers every console answer carries and refuses cross-origin writes.
func (w *Console) protect(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"media-src 'self' https:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("X-Frame-Options", "DENY")
	if w.hsts {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains") // as the API's
	}
	if !strings.HasPrefix(c.Path(), Prefix+"/static/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead && !sameOrigin(c) {
		w.log.Warn("cross-origin request refused", "method", c.Method(), "path", c.Path(), "origin", c.Get(fiber.HeaderOrigin))
		return c.Status(fiber.StatusForbidden).SendString("cross-origin request refused\n")
	}
	return c.Next()
}

// sameOrigin is the rule of Go's http.CrossOriginProtection, for fasthttp: a browser that
// sends Sec-Fetch-Site is believed; otherwise an Origin header must name this host; a request
// with neither is not from a browser form on another site (browsers send one or the other on
// every cross-origin POST) and is let through.
func sameOrigin(c *fiber.Ctx) bool {
	switch string(c.Request().Header.Peek("Sec-Fetch-Site")) {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == string(c.Request().Host())
}

// staff wraps a page that needs a logged-in person: without a valid session cookie it goes
// to the login page (and back here after it).
func (w *Console) staff(page func(c *fiber.Ctx, u crm.User) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := c.Cookies(sessionCookie)
		expired := false
		if token != "" {
			check := w.office.AuthenticateIdle
			if unattended(c) {
				check = w.office.AuthenticateUnattended
			}
			u, err := check(c.UserContext(), token, w.idle)
			if err == nil {
				return page(c, u)
			}
			if !errors.Is(err, crm.ErrUnauthenticated) && !errors.Is(err, crm.ErrTokenExpired) {
				return w.failPage(c, u, err)
			}
			expired = errors.Is(err, crm.ErrTokenExpired)
			w.clearSession(c)
		}
		next := c.OriginalURL()
		if c.Method() != fiber.MethodGet {
			next = Prefix + "/"
		}
		login := Prefix + "/login?next=" + url.QueryEscape(next)
		if expired {
			login += "&expired=1"
		}
		if c.Get("HX-Request") == "true" {
			// A part of a page asked: send the whole page to the login, not the part.
			c.Set("HX-Redirect", login)
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		return c.Redirect(login, fiber.StatusSeeOther)
	}
}

// unattended reports whether a page made the request by itself: its event stream, or a live
// list or board refreshing on an event (htmx names the element that asked in HX-Trigger).
func unattended(c *fiber.Ctx) bool {
	if c.Path() == Prefix+"/events" {
		return true
	}
	switch c.Get("HX-Trigger") {
	case "list", "board":
		return c.Get("HX-Request") == "true"
	}
	return false
}

// setSession gives the browser its login cookie.
func (w *Console) setSession(c *fiber.Ctx, token string, ttl time.Duration) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: token, Path: Prefix, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: c.Protocol() == "https", MaxAge: int(ttl / time.Second),
	})
}

func (w *Console) clearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: "", Path: Prefix, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: c.Protocol() == "https", MaxAge: -1, Expires: time.Unix(1, 0),
	})
}

// safeNext keeps a post-login redirect inside the console (never an open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}
