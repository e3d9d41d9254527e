package atsandbox

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
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

// handleQueueStatus is POST /queueStatus: how many callers wait on each number, one entry
// per queue the number has (see SetQueuedIn, in name order), or one entry without a queue
// name (0 unless set with SetQueued).
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
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		queues := s.queued[n]
		if len(queues) == 0 {
			answer.Entries = append(answer.Entries, entry{PhoneNumber: n})
			continue
		}
		for _, q := range slices.Sorted(maps.Keys(queues)) {
			answer.Entries = append(answer.Entries, entry{PhoneNumber: n, QueueName: q, NumCalls: queues[q]})
		}
	}
	s.mu.Unlock()
	if len(answer.Entries) == 0 {
		answer.ErrorMessage, answer.Status = "Missing phoneNumbers", "Failed"
	}
	writeJSON(w, http.StatusOK, answer)
}

// handleSetQueued is POST /queued: fields phoneNumber, queueName (may be empty) and numCalls,
// so a demo can show callers waiting in the agent queues.
func (s *Server) handleSetQueued(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Could not read the form", http.StatusBadRequest)
		return
	}
	number := strings.TrimSpace(r.PostForm.Get("phoneNumber"))
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("numCalls")))
	if number == "" || err != nil || n < 0 {
		http.Error(w, "phoneNumber and numCalls (0 or more) are required", http.StatusBadRequest)
		return
	}
	queue := strings.TrimSpace(r.PostForm.Get("queueName"))
	s.SetQueuedIn(number, queue, n)
	s.log.Info("atsandbox queue set", "number", number, "queue", queue, "calls", n)
	w.WriteHeader(http.StatusNoContent)
}
