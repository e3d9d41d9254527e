package crm_test

import (
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Each kind outlives its use when the policy says, and kinds that stay true never expire.
func TestExpiryPolicy(t *testing.T) {
	nairobi := time.FixedZone("EAT", 3*60*60)
	created := time.Date(2031, 2, 3, 10, 0, 0, 0, nairobi)
	appt := map[string]string{"ref": "600042550", "centre": "KSM", "service": "ID-NEW", "day": "2031-02-04", "time": "09:30"}
	p := crm.ExpiryPolicy{Acknowledgement: 48 * time.Hour, Location: nairobi}
	for _, tt := range []struct {
		kind   crm.NotificationKind
		params map[string]string
		at     time.Time // zero: never
	}{
		{crm.NotifyBookingConfirmed, appt, time.Date(2031, 2, 4, 10, 0, 0, 0, nairobi)}, // the slot's end
		{crm.NotifyBookingCancelled, appt, time.Date(2031, 2, 4, 10, 0, 0, 0, nairobi)},
		{crm.NotifyReminderEvening, appt, time.Date(2031, 2, 4, 10, 0, 0, 0, nairobi)},
		{crm.NotifyReminderMorning, appt, time.Date(2031, 2, 4, 10, 0, 0, 0, nairobi)},
		{crm.NotifyBookingConfirmed, map[string]string{"day": "soon"}, time.Time{}}, // unreadable: sent rather than lost
		{crm.NotifyComplaintAck, nil, created.Add(48 * time.Hour)},
		{crm.NotifyCallbackAck, nil, created.Add(48 * time.Hour)},
		{crm.NotifySatisfaction, nil, created.Add(48 * time.Hour)},
		{crm.NotifyCaseReply, nil, time.Time{}},
		{crm.NotifyCaseResolved, nil, time.Time{}},
		{crm.NotifyEscalation, nil, time.Time{}},
		{crm.NotifyRequestStatus, nil, time.Time{}},
	} {
		n := crm.Notification{Kind: tt.kind, Params: tt.params, CreatedAt: created}
		at, why, ok := p.Expires(n)
		if ok != !tt.at.IsZero() || (ok && (!at.Equal(tt.at) || why == "")) {
			t.Errorf("%s %v: expires %v (%t, %q), want %v", tt.kind, tt.params, at, ok, why, tt.at)
			continue
		}
		if !ok {
			if _, expired := p.Expired(n, created.AddDate(1, 0, 0)); expired {
				t.Errorf("%s: expired a year on, want never", tt.kind)
			}
			continue
		}
		if _, expired := p.Expired(n, tt.at.Add(-time.Second)); expired {
			t.Errorf("%s: expired a second before %v", tt.kind, tt.at)
		}
		if _, expired := p.Expired(n, tt.at); !expired {
			t.Errorf("%s: not expired at %v", tt.kind, tt.at)
		}
	}
	for _, bad := range []time.Duration{-time.Hour, 30 * time.Minute, 32 * 24 * time.Hour} {
		if err := (crm.ExpiryPolicy{Acknowledgement: bad}).Check(); err == nil {
			t.Errorf("Check(%v): no error", bad)
		}
	}
}
