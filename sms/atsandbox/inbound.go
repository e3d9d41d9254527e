package atsandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/templates"
)

// handleInbound is POST /inbound (form: from, text): a developer "texts the shortcode". The
// message is forwarded to the gateway's inbound URL with the fields Africa's Talking sends
// (from, to, text, date, id, linkId, networkCode), and the answer says how that went. A
// browser posting the page's form is sent back to the page.
func (s *Server) handleInbound(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Could not read the form", http.StatusBadRequest)
		return
	}
	from, text := strings.TrimSpace(r.PostForm.Get("from")), r.PostForm.Get("text")
	phone, err := crm.ParsePhone(from)
	if err != nil {
		http.Error(w, fmt.Sprintf("from %q is not a Kenyan mobile number", from), http.StatusBadRequest)
		return
	}
	if text == "" {
		http.Error(w, "text is required", http.StatusBadRequest)
		return
	}
	parts, gsm := templates.Segments(text)
	m := &Message{
		ID: newUUID(), Direction: "inbound", Phone: string(phone), Sender: s.cfg.Shortcode, Text: text,
		Segments: parts, Encoding: map[bool]string{true: "GSM-7", false: "UCS-2"}[gsm], At: time.Now(),
	}
	status := http.StatusOK
	if s.cfg.InboundURL == "" {
		m.Status = "not forwarded: no inbound URL configured"
		status = http.StatusConflict
	} else {
		form := url.Values{
			"from": {m.Phone}, "to": {s.cfg.Shortcode}, "text": {text},
			"date": {m.At.UTC().Format("2006-01-02T15:04:05.000Z")},
			"id":   {m.ID}, "linkId": {newUUID()}, "networkCode": {networkCode(m.Phone)},
		}
		code, err := s.postForm(s.cfg.InboundURL, form)
		switch {
		case err != nil:
			m.Status = "forward failed: " + err.Error()
			status = http.StatusBadGateway
		case code < 200 || code >= 300:
			m.Status = fmt.Sprintf("forward failed: HTTP %d", code)
			status = http.StatusBadGateway
		default:
			m.Status = fmt.Sprintf("forwarded (HTTP %d)", code)
		}
	}
	s.store.add(m)
	s.log.Info("atsandbox inbound sms", "phone", phone, "result", m.Status)
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, status, m)
}
