package atsandbox

import (
	_ "embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// page.html is the sandbox's one page: what was sent, newest first, and forms to text the
// shortcode and to change the faults.
//
//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"hasPrefix": strings.HasPrefix}).Parse(pageHTML))

// handlePage is GET /.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Username, DeliveryURL, InboundURL, Shortcode string
		Faults                                       Faults
		Messages                                     []Message
		Calls                                        []Call
	}{s.cfg.Username, s.cfg.DeliveryURL, s.cfg.InboundURL, s.cfg.Shortcode, s.Faults(), s.Messages(), s.Calls()}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTmpl.Execute(w, data); err != nil {
		s.log.Error("atsandbox page", "err", err)
	}
}

// handleMessages is GET /messages: the messages as JSON, newest first.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Messages())
}

// handleCalls is GET /calls.
func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Calls())
}

// handleReset is DELETE /messages: forget everything, for a clean demo.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleGetFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

// handleSetFaults is POST /faults: fields failRate, timeoutRate, recipientFailRate and
// deliveryFailRate, each 0–1; a field left out keeps its value.
func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Could not read the form", http.StatusBadRequest)
		return
	}
	f := s.Faults()
	for name, dst := range map[string]*float64{"failRate": &f.FailRate, "timeoutRate": &f.TimeoutRate,
		"recipientFailRate": &f.RecipientFailRate, "deliveryFailRate": &f.DeliveryFailRate} {
		v := strings.TrimSpace(r.PostForm.Get(name))
		if v == "" {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			http.Error(w, name+" is not a number", http.StatusBadRequest)
			return
		}
		*dst = n
	}
	if err := s.SetFaults(f); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.log.Info("atsandbox faults set", "fail", f.FailRate, "timeout", f.TimeoutRate,
		"recipient", f.RecipientFailRate, "delivery", f.DeliveryFailRate)
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, f)
}
