package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

type repliesView struct {
	Replies []replyRow
}

type replyRow struct {
	ID               int64
	Name, Lang, Body string
	By, At           string
}

// canKeepReplies reports whether u keeps the saved replies (the header link, the page).
func canKeepReplies(u crm.User) bool { return u.Role == crm.RoleSupervisor || u.Role == crm.RoleAdmin }

// replies is GET /console/replies: the saved replies, with forms to add and remove them.
func (w *Console) replies(c *fiber.Ctx, u crm.User) error {
	return w.showReplies(c, u, fiber.StatusOK, "")
}

func (w *Console) showReplies(c *fiber.Ctx, u crm.User, status int, errText string) error {
	if !canKeepReplies(u) {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	v := w.view(c, u, "replies.title")
	list, err := w.office.SavedReplies(c.UserContext(), u)
	if err != nil {
		return w.failPage(c, u, err)
	}
	rv := &repliesView{}
	for _, r := range list {
		rv.Replies = append(rv.Replies, replyRow{ID: r.ID, Name: r.Name, Lang: v.T("lang." + string(r.Lang)), Body: r.Body,
			By: r.UpdatedBy, At: w.when(v, r.UpdatedAt)})
	}
	v.Replies, v.Error = rv, errText
	if done := c.Query("done"); done == "saved" || done == "deleted" {
		v.Flash = v.T("replies.done." + done)
	}
	return w.render(c, status, "replies", v)
}

// putReply is POST /console/replies: add a saved reply, or replace the one of that name and
// language.
func (w *Console) putReply(c *fiber.Ctx, u crm.User) error {
	_, err := w.office.PutSavedReply(c.UserContext(), u, crm.SavedReply{Name: strings.Clone(c.FormValue("name")),
		Lang: crm.Lang(c.FormValue("lang")), Body: strings.Clone(c.FormValue("body"))})
	if err != nil {
		if code, _ := classify(err); code != fiber.StatusBadRequest {
			return w.failPage(c, u, err)
		}
		return w.showReplies(c, u, fiber.StatusBadRequest, errorText(w.view(c, u, "replies.title"), err))
	}
	return c.Redirect(Prefix+"/replies?done=saved", fiber.StatusSeeOther)
}

// deleteReply is POST /console/replies/:id/delete.
func (w *Console) deleteReply(c *fiber.Ctx, u crm.User) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return w.failPage(c, u, crm.ErrNotFound)
	}
	if err := w.office.DeleteSavedReply(c.UserContext(), u, id); err != nil {
		return w.failPage(c, u, err)
	}
	return c.Redirect(fmt.Sprintf("%s/replies?done=deleted", Prefix), fiber.StatusSeeOther)
}

// savedFor lists the saved replies in a case's language, for the picker above its reply box.
func (w *Console) savedFor(c *fiber.Ctx, u crm.User, l crm.Lang) []crm.SavedReply {
	list, err := w.office.SavedReplies(c.UserContext(), u)
	if err != nil {
		return nil // the page works without them
	}
	var out []crm.SavedReply
	for _, r := range list {
		if r.Lang == l {
			out = append(out, r)
		}
	}
	return out
}
