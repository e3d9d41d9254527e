package atsandbox

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/sms/templates"
)

// costPerPart is what a bulk SMS part costs on Kenyan networks, near enough for a demo.
const costPerPart = 0.80

// recipient is one entry of the messaging API's answer.
type recipient struct {
	StatusCode int    `json:"statusCode"`
	Number     string `json:"number"`
	Status     string `json:"status"`
	Cost       string `json:"cost"`
	MessageID  string `json:"messageId"`
}

// handleMessaging is POST /version1/messaging: it "sends" the message to each recipient,
// answers as Africa's Talking does, and schedules the delivery reports.
func (s *Server) handleMessaging(w http.ResponseWriter, r *http.Request) {
	to, text, from := r.PostForm.Get("to"), r.PostForm.Get("message"), r.PostForm.Get("from")
	switch {
	case strings.TrimSpace(to) == "":
		http.Error(w, "Request is missing required form field 'to'", http.StatusBadRequest)
		return
	case text == "":
		http.Error(w, "Request is missing required form field 'message'", http.StatusBadRequest)
		return
	}
	if from != "" && len(s.cfg.SenderIDs) > 0 && !slices.Contains(s.cfg.SenderIDs, from) {
		s.log.Info("atsandbox refused a sender ID", "from", from)
		writeJSON(w, http.StatusCreated, smsAnswer("InvalidSenderId", []recipient{}))
		return
	}
	parts, gsm := templates.Segments(text)
	encoding := "GSM-7"
	if !gsm {
		encoding = "UCS-2"
	}
	sender := from
	if sender == "" {
		sender = "AFRICASTKNG" // the account's default sender ID
	}
	var (
		recipients []recipient
		accepted   []*Message
		total      float64
	)
	for _, raw := range strings.Split(to, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		rec := recipient{Number: raw, Cost: "0", MessageID: "None"}
		phone, err := crm.ParsePhone(raw)
		switch {
		case err != nil:
			rec.StatusCode, rec.Status = 403, "InvalidPhoneNumber"
		case s.roll(s.Faults().RecipientFailRate):
			rec.Number = string(phone)
			rec.StatusCode, rec.Status = 500, "InternalServerError"
		default:
			cost := costPerPart * float64(parts)
			total += cost
			rec.Number = string(phone)
			rec.StatusCode, rec.Status = 101, "Success"
			rec.Cost = fmt.Sprintf("KES %.4f", cost)
			rec.MessageID = newID("ATXid_")
		}
		m := &Message{
			ID: rec.MessageID, Direction: "outbound", Phone: rec.Number, Sender: sender, Text: text,
			Segments: parts, Encoding: encoding, StatusCode: rec.StatusCode, Status: rec.Status,
			Cost: rec.Cost, At: time.Now(),
		}
		if rec.StatusCode == 101 {
			m.Delivery = "pending"
			accepted = append(accepted, m)
		}
		s.store.add(m)
		recipients = append(recipients, rec)
	}
	summary := fmt.Sprintf("Sent to %d/%d Total Cost: KES %.4f", len(accepted), len(recipients), total)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "atsandbox sent sms",
		slog.Int("accepted", len(accepted)), slog.Int("recipients", len(recipients)), slog.Int("parts", parts))
	writeJSON(w, http.StatusCreated, smsAnswer(summary, recipients))
	for _, m := range accepted {
		s.scheduleReport(m)
	}
}

func smsAnswer(message string, recipients []recipient) any {
	type data struct {
		Message    string      `json:"Message"`
		Recipients []recipient `json:"Recipients"`
	}
	return struct {
		SMSMessageData data `json:"SMSMessageData"`
	}{data{message, recipients}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
