package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginJSON struct {
	Token     string   `json:"token"`
	ExpiresIn int64    `json:"expires_in"` // seconds
	User      userJSON `json:"user"`
}

// login is POST /login: a username and password for a bearer token.
func (a *API) login(c *fiber.Ctx) error {
	var in loginBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	if strings.TrimSpace(in.Username) == "" || in.Password == "" {
		return a.fail(c, fmt.Errorf("%w: username and password are required", crm.ErrBadInput))
	}
	token, u, err := a.office.LoginFrom(c.UserContext(), in.Username, in.Password, c.IP())
	if err != nil {
		if s := crm.RetryAfterSeconds(err); s > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(s))
		}
		return a.fail(c, err)
	}
	a.log.Info("console login", "user", u.Username, "role", u.Role)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(loginJSON{Token: token, ExpiresIn: int64(a.office.LoginTTL().Seconds()), User: userOut(u)})
}

// logout is POST /logout: the token stops working. Logging out with a token that has already
// expired, or was already logged out, succeeds too.
func (a *API) logout(c *fiber.Ctx) error {
	token := bearer(c)
	if token == "" {
		return a.fail(c, crm.ErrUnauthenticated)
	}
	if err := a.office.Logout(c.UserContext(), token); err != nil {
		return a.fail(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// me is GET /me: who the token belongs to.
func (a *API) me(c *fiber.Ctx, u crm.User) error {
	return c.JSON(userOut(u))
}

type availabilityBody struct {
	Available *bool `json:"available"`
}

// setAvailability is PUT /me/availability: whether round-robin gives the user new cases.
func (a *API) setAvailability(c *fiber.Ctx, u crm.User) error {
	var in availabilityBody
	if err := decode(c, &in); err != nil {
		return a.fail(c, err)
	}
	if in.Available == nil {
		return a.fail(c, fmt.Errorf("%w: available (true or false) is required", crm.ErrBadInput))
	}
	u, err := a.office.SetAvailable(c.UserContext(), u, *in.Available)
	if err != nil {
		return a.fail(c, err)
	}
	a.log.Info("availability set", "user", u.Username, "available", u.Available)
	return c.JSON(userOut(u))
}

type usersJSON struct {
	Users []userJSON `json:"users"`
}

// users is GET /users?role=&centre=: for choosing whom to assign (supervisors, integrity
// officers, admins).
func (a *API) users(c *fiber.Ctx, _ crm.User) error {
	if err := onlyParams(c, "GET "+Prefix+"/users", userParams); err != nil {
		return a.fail(c, err)
	}
	f := crm.UserFilter{Role: crm.Role(strings.TrimSpace(query(c, "role"))), Centre: code(query(c, "centre"))}
	if f.Role != "" && !f.Role.Valid() {
		return a.fail(c, fmt.Errorf("%w: unknown role %q (one of %s)", crm.ErrBadInput, f.Role, crm.RoleList()))
	}
	list, err := a.office.Users(c.UserContext(), f)
	if err != nil {
		return a.fail(c, err)
	}
	out := usersJSON{Users: make([]userJSON, 0, len(list))}
	for _, u := range list {
		out.Users = append(out.Users, userOut(u))
	}
	return c.JSON(out)
}

// The query parameters of GET /users and GET /ratings; any other is refused (400), never
// ignored into a wider answer.
var (
	userParams   = []string{"role", "centre"}
	ratingParams = []string{"by"}
)

type ratingsJSON struct {
	By      string       `json:"by"`
	Ratings []ratingJSON `json:"ratings"`
}

// ratings is GET /ratings?by=centre|agent: the satisfaction summary. A centre manager sees
// their own centre's row only.
func (a *API) ratings(c *fiber.Ctx, u crm.User) error {
	if err := onlyParams(c, "GET "+Prefix+"/ratings", ratingParams); err != nil {
		return a.fail(c, err)
	}
	by := strings.TrimSpace(query(c, "by"))
	if by == "" {
		by = "centre"
	}
	if by != "centre" && by != "agent" {
		return a.fail(c, fmt.Errorf("%w: by must be centre or agent, not %q", crm.ErrBadInput, by))
	}
	rows, err := a.office.Ratings(c.UserContext(), u, by)
	if err != nil {
		return a.fail(c, err)
	}
	out := ratingsJSON{By: by, Ratings: make([]ratingJSON, 0, len(rows))}
	for _, r := range rows {
		out.Ratings = append(out.Ratings, ratingJSON{Key: r.Key, Rating: string(r.Rating), Count: r.Count})
	}
	return c.JSON(out)
}
