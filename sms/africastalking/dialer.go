package africastalking

import (
	"context"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// VoiceDialer is the back office's voice provider (crm.VoiceDialer) on Africa's Talking:
// outbound calls from the contact-centre number, and the number's queue status.
type VoiceDialer struct {
	Client *Client
	From   string // our contact-centre number, the caller ID citizens see
}

var _ crm.VoiceDialer = VoiceDialer{}

// Call rings to from From and returns the call's voice session id. Africa's Talking answers
// a refused number with an entry whose status is not "Queued" (InvalidPhoneNumber, …) rather
// than an error: that is an ErrPermanent here, as is an answer without an entry.
func (d VoiceDialer) Call(ctx context.Context, to crm.Phone, clientRequestID string) (string, error) {
	const op = "call"
	entries, err := d.Client.Call(ctx, d.From, string(to), clientRequestID)
	if err != nil {
		return "", err
	}
	if len(entries) == 0 {
		return "", d.Client.newError(op, ErrPermanent, 0, "no call was placed (empty entries)", nil)
	}
	e := entries[0]
	if e.Status != "Queued" {
		return "", d.Client.newError(op, ErrPermanent, 0, "not placed: "+excerpt([]byte(e.Status)), nil)
	}
	if id := strings.TrimSpace(e.SessionID); id != "" && id != "None" {
		return id, nil
	}
	return "", d.Client.newError(op, ErrPermanent, 0, "placed without a session id", nil)
}

// QueuedCalls asks how many callers wait on From and adds them up by queue name ("agents-en",
// "agents-sw"). Callers Africa's Talking counts without a queue name are reported under "".
func (d VoiceDialer) QueuedCalls(ctx context.Context) (map[string]int, error) {
	list, err := d.Client.QueueStatus(ctx, []string{d.From})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, q := range list {
		out[q.QueueName] += q.NumCalls
	}
	return out, nil
}
