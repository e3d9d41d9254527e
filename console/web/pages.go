package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages are the parsed templates, one set per page, each with the layout.
type pages struct {
	set map[string]*template.Template
}

var pageNames = []string{"login", "inbox", "case", "board", "people", "person", "replies", "notfound", "error"}

func parsePages() (*pages, error) {
	p := &pages{set: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(template.FuncMap{"list": func(s ...string) []string { return s }}).
			ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console page %s: %w", name, err)
		}
		p.set[name] = t
	}
	return p, nil
}

// view is what every page template gets: the language, the person, the words, and one
// page's own data.
type view struct {
	Lang    crm.Lang
	Title   string
	User    crm.User // zero when nobody is logged in
	Path    string   // this page's URL, for the language switch to come back to
	Flash   string   // what the last action did
	Error   string   // what went wrong, in words
	Login   *loginView
	Inbox   *inboxView
	Case    *caseView
	Board   *boardView
	People  *peopleView
	Replies *repliesView
	cat     *catalogue
}

// T is the catalogue text of key in the page's language ({{.T "key"}}, or {{$.T …}} in a
// range).
func (v view) T(key string, args ...string) string { return v.cat.T(v.Lang, key, args...) }

// Langs are the languages the switch offers.
func (v view) Langs() []crm.Lang { return langs }

// KeepsReplies reports whether the person keeps the saved replies.
func (v view) KeepsReplies() bool { return canKeepReplies(v.User) }

// ManagesPeople reports whether the person manages accounts.
func (v view) ManagesPeople() bool { return canPeople(v.User) }

// HasBoard reports whether the person has a board to watch.
func (v view) HasBoard() bool { return canBoard(v.User) }

// LoggedIn reports whether someone is.
func (v view) LoggedIn() bool { return v.User.ID != 0 }

func (w *Console) view(c *fiber.Ctx, u crm.User, titleKey string) view {
	v := view{Lang: langFor(c, u), User: u, Path: c.OriginalURL(), cat: w.cat}
	v.Title = v.T(titleKey)
	return v
}

// langFor is the console's language for a page: the person's own choice, kept with them
// (crm.User.ConsoleLang), else this browser's (the login page, before anyone is known), else
// English.
func langFor(c *fiber.Ctx, u crm.User) crm.Lang {
	if u.ConsoleLang.Valid() {
		return u.ConsoleLang
	}
	if l := crm.Lang(c.Cookies(langCookie)); l.Valid() {
		return l
	}
	return crm.English
}

func (w *Console) render(c *fiber.Ctx, status int, page string, v view) error {
	var b bytes.Buffer
	if err := w.pages.set[page].Execute(&b, v); err != nil {
		w.log.Error("render console page", "page", page, "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("internal error\n")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(b.Bytes())
}

// failPage answers an error the person cannot fix by changing what they typed.
func (w *Console) failPage(c *fiber.Ctx, u crm.User, err error) error {
	status, key := classify(err)
	if status == fiber.StatusInternalServerError {
		w.log.Error("console request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	if status == fiber.StatusNotFound {
		return w.render(c, status, "notfound", w.view(c, u, "notfound.title"))
	}
	v := w.view(c, u, "error.title")
	v.Error = v.T(key)
	return w.render(c, status, "error", v)
}

// classify maps an error, by its kind (crm.KindOf), to an HTTP status and the catalogue key
// that explains it. Input errors carry crm's own words after the key's text (see errorText).
func classify(err error) (int, string) {
	if errors.Is(err, errStale) {
		return fiber.StatusConflict, "err.changed"
	}
	switch crm.KindOf(err) {
	case crm.KindChanged:
		return fiber.StatusConflict, "err.changed"
	case crm.KindConflict:
		return fiber.StatusConflict, "err.transition"
	case crm.KindForbidden:
		return fiber.StatusForbidden, "err.forbidden"
	case crm.KindNotFound:
		return fiber.StatusNotFound, "notfound.title"
	case crm.KindInvalid:
		return fiber.StatusBadRequest, "err.input"
	case crm.KindUnauthenticated:
		// Pages meet these before classify (the session check sends the person to the
		// login); one that gets here still means "log in again", not a fault.
		return fiber.StatusUnauthorized, "login.expired"
	case crm.KindThrottled:
		return fiber.StatusTooManyRequests, "login.throttled"
	case crm.KindUnavailable, crm.KindUpstream:
		// Calls are the only outside service a page uses. The console answers 503 for a
		// provider's failure too: the page cannot do anything about either.
		return fiber.StatusServiceUnavailable, "err.voice"
	}
	return fiber.StatusInternalServerError, "err.internal"
}

// errorText is an error in the page's words, with crm's explanation of bad input after them.
func errorText(v view, err error) string {
	_, key := classify(err)
	if key == "err.input" {
		return v.T(key) + " " + inputDetail(err)
	}
	return v.T(key)
}

// inputDetail is crm's explanation of bad input without the sentinel's prefix.
func inputDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, crm.ErrBadInput.Error()+": "); i >= 0 {
		return msg[i+len(crm.ErrBadInput.Error())+2:]
	}
	return msg
}

// errStale is an action on a page drawn from an older version of the case.
var errStale = errors.New("the case changed since the page was drawn")

type loginView struct {
	Username string
	Next     string
	// NoUsers says nobody can log in yet, so the page tells how to make the first user.
	NoUsers bool
}

func (w *Console) loginPage(c *fiber.Ctx) error {
	v := w.view(c, crm.User{}, "login.title")
	v.Login = &loginView{Next: safeNext(c.Query("next"))}
	if users, err := w.office.Users(c.UserContext(), crm.UserFilter{}); err == nil && len(users) == 0 {
		v.Login.NoUsers = true
	}
	switch {
	case c.Query("out") != "":
		v.Flash = v.T("login.out")
	case c.Query("expired") != "":
		v.Flash = v.T("login.expired")
	}
	return w.render(c, fiber.StatusOK, "login", v)
}

func (w *Console) login(c *fiber.Ctx) error {
	username := strings.Clone(c.FormValue("username"))
	next := safeNext(c.FormValue("next"))
	token, who, err := w.office.LoginFrom(c.UserContext(), username, c.FormValue("password"), c.IP())
	if err != nil {
		v := w.view(c, crm.User{}, "login.title")
		v.Login = &loginView{Username: username, Next: next}
		if s := crm.RetryAfterSeconds(err); s > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(s))
			v.Error = v.T("login.throttled", "seconds", strconv.Itoa(s))
			return w.render(c, fiber.StatusTooManyRequests, "login", v)
		}
		if errors.Is(err, crm.ErrBadCredentials) {
			v.Error = v.T("login.bad")
			return w.render(c, fiber.StatusUnauthorized, "login", v)
		}
		if errors.Is(err, crm.ErrDisabled) {
			v.Error = v.T("login.disabled")
			return w.render(c, fiber.StatusForbidden, "login", v)
		}
		return w.failPage(c, crm.User{}, err)
	}
	// A login replaces whatever session this browser had: the old token is ended, so a
	// cookie planted before the login cannot ride on it (session fixation).
	if old := c.Cookies(sessionCookie); old != "" {
		_ = w.office.Logout(c.UserContext(), old)
	}
	w.setSession(c, token, w.office.LoginTTL())
	if who.ConsoleLang.Valid() {
		w.setLangCookie(c, who.ConsoleLang) // so the login page, next time, is in their language too
	} else if l := crm.Lang(c.Cookies(langCookie)); l.Valid() {
		// A language chosen on the login page becomes the person's.
		if _, err := w.office.SetConsoleLang(c.UserContext(), who, l); err != nil {
			w.log.Warn("keep the console language", "err", err)
		}
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (w *Console) logout(c *fiber.Ctx) error {
	if token := c.Cookies(sessionCookie); token != "" {
		if err := w.office.Logout(c.UserContext(), token); err != nil {
			w.log.Warn("console logout", "err", err)
		}
	}
	w.clearSession(c)
	return c.Redirect(Prefix+"/login?out=1", fiber.StatusSeeOther)
}

// setLang switches the console's language: for the person, when someone is logged in (it
// follows them to any browser), and for this browser.
func (w *Console) setLang(c *fiber.Ctx) error {
	l := crm.Lang(c.FormValue("lang"))
	if !l.Valid() {
		l = crm.English
	}
	if token := c.Cookies(sessionCookie); token != "" {
		if u, err := w.office.AuthenticateIdle(c.UserContext(), token, w.idle); err == nil {
			if _, err := w.office.SetConsoleLang(c.UserContext(), u, l); err != nil {
				return w.failPage(c, u, err)
			}
		}
	}
	w.setLangCookie(c, l)
	return c.Redirect(safeNext(c.FormValue("back")), fiber.StatusSeeOther)
}

func (w *Console) setLangCookie(c *fiber.Ctx, l crm.Lang) {
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: string(l), Path: Prefix, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: c.Protocol() == "https", MaxAge: 365 * 24 * 3600})
}

func caseID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.ErrNotFound
	}
	return id, nil
}
