package atsandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// reportAttempts is how many times a delivery report is posted before the sandbox gives
// up; Africa's Talking also retries callbacks that fail.
const reportAttempts = 3

// scheduleReport decides how an accepted message fared and, after DeliveryDelay, tells the
// gateway in a delivery report, asynchronously as Africa's Talking does.
func (s *Server) scheduleReport(m *Message) {
	status, reason := "Success", ""
	if s.roll(s.Faults().DeliveryFailRate) {
		status, reason = "Failed", "DeliveryFailure"
	}
	if !s.track() {
		return
	}
	go func() {
		defer s.wg.Done()
		select {
		case <-time.After(s.cfg.DeliveryDelay):
		case <-s.ctx.Done():
			return
		}
		s.store.update(m, func(m *Message) { m.Delivery = status })
		if s.cfg.DeliveryURL == "" {
			return
		}
		form := url.Values{
			"id": {m.ID}, "status": {status}, "phoneNumber": {m.Phone},
			"networkCode": {networkCode(m.Phone)}, "retryCount": {"0"},
		}
		if reason != "" {
			form.Set("failureReason", reason)
		}
		result := s.postReport(form)
		s.store.update(m, func(m *Message) { m.Report = result })
	}()
}

// postReport posts one delivery report, retrying a failure with a growing pause, and says
// how it went (for the page).
func (s *Server) postReport(form url.Values) string {
	var last string
	for attempt := 1; attempt <= reportAttempts; attempt++ {
		if attempt > 1 {
			form.Set("retryCount", strconv.Itoa(attempt-1))
			select {
			case <-time.After(time.Duration(attempt-1) * 500 * time.Millisecond):
			case <-s.ctx.Done():
				return "not reported: sandbox closed"
			}
		}
		code, err := s.postForm(s.cfg.DeliveryURL, form)
		if err == nil && code >= 200 && code < 300 {
			return fmt.Sprintf("reported (HTTP %d)", code)
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("HTTP %d", code)
		}
		s.log.Warn("atsandbox delivery report failed", "attempt", attempt, "id", form.Get("id"),
			"phone", crm.MaskPhone(form.Get("phoneNumber")), "err", last)
	}
	return "report failed: " + last
}

// postForm posts a callback form and returns the answer's status.
func (s *Server) postForm(target string, form url.Values) (int, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "atsandbox (Africa's Talking stand-in)")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
