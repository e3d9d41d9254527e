package web

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// SMSTexts renders what a notification will say as SMS and counts its parts: what
// sms/templates does for the outbox. The console uses it to show a reply exactly as the
// citizen will get it, before it is sent.
type SMSTexts interface {
	Render(cat *crm.Catalog, n crm.Notification) (string, error)
	Segments(text string) (parts int, gsm7 bool)
}

// previewKinds are the forms whose text goes to the citizen, and the message each makes.
var previewKinds = map[string]crm.NotificationKind{
	"reply":   crm.NotifyCaseReply,
	"resolve": crm.NotifyCaseResolved,
}

var previewTemplate = template.Must(template.New("preview").Parse(
	`<p class="meta">{{.Parts}}</p>{{if .Cut}}<p class="error">{{.Cut}}</p>{{end}}<pre class="sms">{{.Text}}</pre>`))

// preview is POST /console/cases/:id/preview/:kind: the SMS the citizen would get for the
// text typed so far, with its part count, as a fragment the case page swaps in while the
// agent types.
func (w *Console) preview(c *fiber.Ctx, u crm.User) error {
	kind, ok := previewKinds[c.Params("kind")]
	if !ok || w.sms == nil {
		return c.SendStatus(fiber.StatusNotFound)
	}
	id, err := caseID(c)
	if err != nil {
		return c.SendStatus(fiber.StatusNotFound)
	}
	cs, err := w.office.ViewCase(c.UserContext(), u, id)
	if err != nil {
		return c.SendStatus(fiber.StatusNotFound)
	}
	text := strings.TrimSpace(c.FormValue("text"))
	v := w.view(c, u, "case.title")
	if text == "" {
		return c.SendString("")
	}
	msg, err := w.sms.Render(w.office.Catalog(), crm.Notification{Phone: cs.Phone, Lang: cs.Lang, Kind: kind,
		Params: map[string]string{"case": string(cs.Number), "body": text}})
	if err != nil {
		w.log.Warn("preview an SMS", "err", err)
		return c.SendString("")
	}
	parts, gsm7 := w.sms.Segments(msg)
	key := "preview.parts.gsm7"
	if !gsm7 {
		key = "preview.parts.ucs2"
	}
	cut := ""
	if !strings.Contains(msg, strings.Join(strings.Fields(text), " ")) {
		cut = v.T("preview.cut") // the template shortened the text to fit its parts
	}
	var b bytes.Buffer
	if err := previewTemplate.Execute(&b, struct{ Parts, Cut, Text string }{v.T(key, "n", strconv.Itoa(parts), "lang", v.T("lang."+string(cs.Lang))), cut, msg}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b.Bytes())
}
