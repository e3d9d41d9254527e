package web

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// maxExport bounds one CSV download; a list longer than this is cut, and the file says so in
// its last row.
const maxExport = 10000

// export is GET /console/export.csv: the list the same query shows on the inbox page, every
// page of it, as CSV (UTF-8, a header row, one row per case, in the page's language).
func (w *Console) export(c *fiber.Ctx, u crm.User) error {
	v := w.view(c, u, "inbox.title")
	in := &inboxView{}
	v.Inbox = in
	q := c.Request().URI().QueryArgs()
	q.Del("page") // the whole list, not one page of it
	f, _, none, ok := w.inboxQuery(c, u, v, in)
	if !ok {
		return w.render(c, fiber.StatusBadRequest, "inbox", v)
	}
	names, err := w.userNames(c, u)
	if err != nil {
		return w.failPage(c, u, err)
	}
	var b strings.Builder
	out := csv.NewWriter(&b)
	header := []string{"csv.number", "csv.category", "csv.centre", "csv.status", "csv.level", "csv.deadline", "csv.phone", "csv.assignee", "csv.opened"}
	for i, k := range header {
		header[i] = v.T(k)
	}
	_ = out.Write(header)
	rows := 0
	for !none && rows < maxExport {
		f.Limit, f.Offset = min(500, maxExport-rows), rows
		list, err := w.office.ListCases(c.UserContext(), u, f)
		if err != nil {
			return w.failPage(c, u, err)
		}
		for _, cs := range list {
			r := w.row(v, cs, names)
			_ = out.Write([]string{r.Number, r.Category, r.Centre, r.Status, r.Level, r.SLA.Text, r.Phone, r.Assignee, w.when(v, cs.CreatedAt)})
		}
		rows += len(list)
		if len(list) < f.Limit {
			break
		}
	}
	out.Flush()
	w.log.Info("cases exported", "user", u.Username, "rows", rows)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="cases-%s-%s.csv"`, in.List, strconv.FormatInt(w.office.Now().Unix(), 10)))
	return c.SendString(b.String())
}

// setAvailability is POST /console/availability: an agent starting or ending a shift. The
// round-robin gives new cases only to people on shift.
func (w *Console) setAvailability(c *fiber.Ctx, u crm.User) error {
	available := c.FormValue("available") == "true"
	if _, err := w.office.SetAvailable(c.UserContext(), u, available); err != nil {
		return w.failPage(c, u, err)
	}
	w.log.Info("availability", "user", u.Username, "available", available)
	return c.Redirect(safeNext(c.FormValue("back")), fiber.StatusSeeOther)
}
