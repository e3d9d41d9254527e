package africastalking

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// CallEntry is one number an outbound call was placed to.
type CallEntry struct {
	PhoneNumber string `json:"phoneNumber"`
	Status      string `json:"status"`    // "Queued" when placed, otherwise why not
	SessionID   string `json:"sessionId"` // "ATVId_...", the call's id in voice callbacks
}

// Call places an outbound call from one of our Africa's Talking numbers to one or more
// numbers (comma-separated), as the SDKs' voice.call. clientRequestID, if set, comes back
// in the call's voice callbacks so the call can be tied to what asked for it.
func (c *Client) Call(ctx context.Context, from, to, clientRequestID string) ([]CallEntry, error) {
	const op = "call"
	if from == "" || to == "" {
		return nil, c.newError(op, ErrPermanent, 0, "from and to are required", nil)
	}
	form := url.Values{"from": {from}, "to": {to}}
	if clientRequestID != "" {
		form.Set("clientRequestId", clientRequestID)
	}
	status, body, err := c.post(ctx, op, c.voiceURL+"/call", form)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Entries      []CallEntry `json:"entries"`
		ErrorMessage string      `json:"errorMessage"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, c.badResponse(op, status, body, err)
	}
	if failed(resp.ErrorMessage) {
		return resp.Entries, c.newError(op, ErrPermanent, status, "refused: "+excerpt([]byte(resp.ErrorMessage)), nil)
	}
	return resp.Entries, nil
}

// QueuedCalls is how many calls wait in the queues of one of our numbers.
type QueuedCalls struct {
	PhoneNumber string
	QueueName   string
	NumCalls    int
}

// QueueStatus asks how many callers wait on each of our voice numbers, as the SDKs'
// voice.getNumQueuedCalls.
func (c *Client) QueueStatus(ctx context.Context, phoneNumbers []string) ([]QueuedCalls, error) {
	const op = "queue status"
	if len(phoneNumbers) == 0 {
		return nil, c.newError(op, ErrPermanent, 0, "no phone numbers", nil)
	}
	status, body, err := c.post(ctx, op, c.voiceURL+"/queueStatus", url.Values{"phoneNumbers": {strings.Join(phoneNumbers, ",")}})
	if err != nil {
		return nil, err
	}
	var resp struct {
		Entries []struct {
			PhoneNumber string  `json:"phoneNumber"`
			QueueName   string  `json:"queueName"`
			NumCalls    flexInt `json:"numCalls"`
		} `json:"entries"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, c.badResponse(op, status, body, err)
	}
	if failed(resp.ErrorMessage) {
		return nil, c.newError(op, ErrPermanent, status, "refused: "+excerpt([]byte(resp.ErrorMessage)), nil)
	}
	out := make([]QueuedCalls, len(resp.Entries))
	for i, e := range resp.Entries {
		out[i] = QueuedCalls{PhoneNumber: e.PhoneNumber, QueueName: e.QueueName, NumCalls: int(e.NumCalls)}
	}
	return out, nil
}

// failed reads the voice API's errorMessage, which is "None" on success.
func failed(errorMessage string) bool {
	m := strings.TrimSpace(errorMessage)
	return m != "" && m != "None"
}
