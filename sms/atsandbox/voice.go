package atsandbox

import (
	"net/http"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// handleCall is POST /call: the call is "placed" (Queued) to every valid number.
func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	from, to := strings.TrimSpace(r.PostForm.Get("from")), r.PostForm.Get("to")
	type entry struct {
		PhoneNumber string `json:"phoneNumber"`
		Status      string `json:"status"`
		SessionID   string `json:"sessionId"`
	}
	answer := struct {
		Entries      []entry `json:"entries"`
		ErrorMessage string  `json:"errorMessage"`
	}{Entries: []entry{}, ErrorMessage: "None"}
	if _, err := crm.ParsePhone(from); err != nil {
		answer.ErrorMessage = "Invalid callerId: " + from
		writeJSON(w, http.StatusOK, answer)
		return
	}
	for _, raw := range strings.Split(to, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		e := entry{PhoneNumber: raw, Status: "InvalidPhoneNumber", SessionID: "None"}
		if phone, err := crm.ParsePhone(raw); err == nil {
			e = entry{PhoneNumber: string(phone), Status: "Queued", SessionID: newID("ATVId_")}
		}
		s.store.addCall(Call{SessionID: e.SessionID, From: from, To: e.PhoneNumber, Status: e.Status,
			ClientRequestID: r.PostForm.Get("clientRequestId"), At: time.Now()})
		answer.Entries = append(answer.Entries, e)
	}
	if len(answer.Entries) == 0 {
		answer.ErrorMessage = "Missing or invalid to"
	}
	writeJSON(w, http.StatusOK, answer)
}

// handleQueueStatus is POST /queueStatus: how many callers wait on each number (see
// SetQueued; 0 unless set).
func (s *Server) handleQueueStatus(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		PhoneNumber string `json:"phoneNumber"`
		QueueName   string `json:"queueName"`
		NumCalls    int    `json:"numCalls"`
	}
	answer := struct {
		Entries      []entry `json:"entries"`
		ErrorMessage string  `json:"errorMessage"`
		Status       string  `json:"status"`
	}{Entries: []entry{}, ErrorMessage: "None", Status: "Success"}
	s.mu.Lock()
	for _, n := range strings.Split(r.PostForm.Get("phoneNumbers"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			answer.Entries = append(answer.Entries, entry{PhoneNumber: n, NumCalls: s.queued[n]})
		}
	}
	s.mu.Unlock()
	if len(answer.Entries) == 0 {
		answer.ErrorMessage, answer.Status = "Missing phoneNumbers", "Failed"
	}
	writeJSON(w, http.StatusOK, answer)
}
