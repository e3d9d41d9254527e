package crm

import (
	"fmt"
	"time"
)

// ExpiryPolicy says when a queued message has outlived its use. A message that could not go
// out while the SMS provider was unreachable is sent when it comes back, however long that
// took, unless by then it would only confuse: a confirmation of an appointment that is over,
// the acknowledgement of a complaint the citizen made a week ago. Such a row ends expired
// (OutboxExpired), never failed, and the case or appointment shows it.
//
// Kinds that stay true whatever the delay (an agent's reply, a resolution, a status change,
// an alert to staff) never expire: late is better than never for them.
type ExpiryPolicy struct {
	// Acknowledgement is how long a complaint or callback acknowledgement, or the
	// satisfaction question, stays worth sending. Default DefaultAcknowledgementExpiry.
	Acknowledgement time.Duration
	// Location is where an appointment's day and time (as its params carry them) are read.
	// Default Africa/Nairobi (East Africa Time when the zone database is missing).
	Location *time.Location
	// Slot is how long an appointment lasts: its messages are useless once it is over.
	// Default 30 minutes.
	Slot time.Duration
}

// DefaultAcknowledgementExpiry is how long an acknowledgement stays worth sending by default:
// a long weekend and a day.
const DefaultAcknowledgementExpiry = 4 * 24 * time.Hour

// MaxAcknowledgementExpiry bounds a configured Acknowledgement: past a month an
// acknowledgement is noise, and a larger value is a typo.
const MaxAcknowledgementExpiry = 31 * 24 * time.Hour

var nairobi = func() *time.Location {
	if loc, err := time.LoadLocation("Africa/Nairobi"); err == nil {
		return loc
	}
	return time.FixedZone("EAT", 3*60*60) // no daylight saving since 1960
}()

func (p ExpiryPolicy) withDefaults() ExpiryPolicy {
	if p.Acknowledgement <= 0 {
		p.Acknowledgement = DefaultAcknowledgementExpiry
	}
	if p.Location == nil {
		p.Location = nairobi
	}
	if p.Slot <= 0 {
		p.Slot = 30 * time.Minute
	}
	return p
}

// Check refuses a policy that cannot be meant.
func (p ExpiryPolicy) Check() error {
	if p.Acknowledgement < 0 || p.Acknowledgement > MaxAcknowledgementExpiry {
		return fmt.Errorf("%w: an acknowledgement expiry of %v (between 1h and %v)", ErrBadInput, p.Acknowledgement, MaxAcknowledgementExpiry)
	}
	if p.Acknowledgement > 0 && p.Acknowledgement < time.Hour {
		return fmt.Errorf("%w: an acknowledgement expiry of %v (between 1h and %v)", ErrBadInput, p.Acknowledgement, MaxAcknowledgementExpiry)
	}
	return nil
}

// Expires says when n is no longer worth sending, and why; ok is false for a kind that
// never expires. An appointment message whose day or time cannot be read never expires:
// sending it is the safer mistake.
func (p ExpiryPolicy) Expires(n Notification) (at time.Time, why string, ok bool) {
	p = p.withDefaults()
	switch n.Kind {
	case NotifyBookingConfirmed, NotifyBookingCancelled, NotifyReminderEvening, NotifyReminderMorning:
		start, err := time.ParseInLocation("2006-01-02 15:04", n.Params["day"]+" "+n.Params["time"], p.Location)
		if err != nil {
			return time.Time{}, "", false
		}
		return start.Add(p.Slot), "the appointment it is about is over", true
	case NotifyComplaintAck, NotifyCallbackAck, NotifySatisfaction:
		if n.CreatedAt.IsZero() {
			return time.Time{}, "", false
		}
		return n.CreatedAt.Add(p.Acknowledgement), fmt.Sprintf("not sent within %v of the case", p.Acknowledgement), true
	}
	return time.Time{}, "", false
}

// Expired reports whether n has outlived its use at now, and why.
func (p ExpiryPolicy) Expired(n Notification, now time.Time) (why string, expired bool) {
	at, why, ok := p.Expires(n)
	if !ok || now.Before(at) {
		return "", false
	}
	return "expired: " + why, true
}
