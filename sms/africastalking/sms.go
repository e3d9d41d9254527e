package africastalking

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Message is one SMS to one or more recipients, as the SDKs' sms.send takes it.
type Message struct {
	To   []string // E.164 numbers, e.g. +254712345678
	Text string
	// From is the sender ID or shortcode; empty means the account's default.
	From string
	// Enqueue asks Africa's Talking to queue a large batch rather than send it at once.
	Enqueue bool
}

// Result is what happened to the message for one recipient.
type Result struct {
	Number     string // as given in Message.To
	StatusCode int    // Africa's Talking's per-recipient code, 0 when it gave none
	Status     string // its name: Success, InvalidPhoneNumber, ...
	MessageID  string // "ATXid_...", the key of delivery reports; "" unless accepted
	Cost       string // e.g. "KES 0.8000"
	Outcome    Outcome
}

// StatusMissing names the result of a recipient the response did not mention.
const StatusMissing = "MissingFromResponse"

// Send sends m and reports, in the order of m.To, what happened for each recipient. The
// error is non-nil only when the request as a whole failed; see ErrUnauthorized,
// ErrRetryable and ErrPermanent. A recipient the answer does not mention is Permanent, as is
// every recipient of an answer with no recipients at all (what an invalid sender ID gets):
// nothing was sent to them, and sending the same request again would not change that.
func (c *Client) Send(ctx context.Context, m Message) ([]Result, error) {
	const op = "send sms"
	if len(m.To) == 0 {
		return nil, c.newError(op, ErrPermanent, 0, "no recipients", nil)
	}
	if m.Text == "" {
		return nil, c.newError(op, ErrPermanent, 0, "empty message", nil)
	}
	form := url.Values{}
	form.Set("to", strings.Join(m.To, ","))
	form.Set("message", m.Text)
	form.Set("bulkSMSMode", "1") // as the SDKs do: bulk (sender ID) messaging, not premium
	if m.From != "" {
		form.Set("from", m.From)
	}
	if m.Enqueue {
		form.Set("enqueue", "1")
	}
	start := time.Now()
	status, body, err := c.post(ctx, op, c.smsURL+"/version1/messaging", form)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "africastalking send failed",
			slog.Int("recipients", len(m.To)), slog.Duration("took", time.Since(start)), slog.String("err", err.Error()))
		return nil, err
	}
	var resp smsResponse
	if err := json.Unmarshal(body, &resp); err != nil || resp.SMSMessageData == nil {
		return nil, c.badResponse(op, status, body, err)
	}
	results := match(m.To, resp.SMSMessageData)
	accepted := 0
	for _, r := range results {
		if r.Outcome == Accepted {
			accepted++
			continue
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "africastalking refused a recipient",
			slog.String("phone", crm.MaskPhone(r.Number)), slog.Int("code", r.StatusCode),
			slog.String("status", r.Status), slog.String("outcome", r.Outcome.String()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "africastalking sent sms",
		slog.Int("recipients", len(m.To)), slog.Int("accepted", accepted), slog.Duration("took", time.Since(start)))
	return results, nil
}

// smsResponse is the messaging API's JSON answer.
type smsResponse struct {
	SMSMessageData *smsData
}

type smsData struct {
	Message    string
	Recipients []recipient
}

type recipient struct {
	StatusCode flexInt `json:"statusCode"`
	Number     string  `json:"number"`
	Status     string  `json:"status"`
	Cost       string  `json:"cost"`
	MessageID  string  `json:"messageId"`
}

// match pairs each number we sent to with the answer's entry for it. Numbers are compared
// by their digits, then by their last nine (the subscriber number), because the answer
// gives E.164 even when we sent 07...; each entry is used once, so a number sent twice gets
// both of its entries.
func match(to []string, data *smsData) []Result {
	used := make([]bool, len(data.Recipients))
	find := func(number string, same func(a, b string) bool) int {
		for i, r := range data.Recipients {
			if !used[i] && same(digits(r.Number), digits(number)) {
				used[i] = true
				return i
			}
		}
		return -1
	}
	exact := func(a, b string) bool { return a != "" && a == b }
	tail := func(a, b string) bool { return len(a) >= 9 && len(b) >= 9 && a[len(a)-9:] == b[len(b)-9:] }

	results := make([]Result, len(to))
	for i, number := range to {
		if len(data.Recipients) == 0 {
			// No recipients at all: the request was refused whole, usually InvalidSenderId,
			// which the answer's Message names.
			name := strings.TrimSpace(data.Message)
			if name == "" || strings.Contains(name, " ") {
				name = statusNames[StatusInvalidSenderID]
			}
			results[i] = Result{Number: number, StatusCode: codeOf(name), Status: name, Outcome: Permanent}
			continue
		}
		j := find(number, exact)
		if j < 0 {
			j = find(number, tail)
		}
		if j < 0 {
			results[i] = Result{Number: number, Status: StatusMissing, Outcome: Permanent}
			continue
		}
		r := data.Recipients[j]
		code := int(r.StatusCode)
		status := r.Status
		if status == "" {
			status = StatusName(code)
		}
		res := Result{Number: number, StatusCode: code, Status: status, Cost: r.Cost, Outcome: OutcomeOf(code)}
		if res.Outcome == Accepted && r.MessageID != "None" {
			res.MessageID = r.MessageID
		}
		results[i] = res
	}
	return results
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// flexInt reads a number that may arrive as a JSON number or a string ("101").
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*n = flexInt(v)
	return nil
}
