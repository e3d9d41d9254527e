package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// Citizens' SMS are kept for the retention and no longer: older ones are deleted, younger
// ones stay; a negative retention keeps them all.
func TestOldInboundMessagesAreForgotten(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		retention time.Duration
		oldKept   bool
	}{
		{"default retention (30 days)", 0, false},
		{"kept for ever", -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := flowstest.New(t, 10)
			d, err := crm.NewDesk(ctx, w.Store, crm.DeskConfig{
				Calendar: crm.DefaultCalendar(flowstest.Nairobi), SlotCapacity: 10,
				Now: func() time.Time { return flowstest.Now }, InboundRetention: tc.retention,
			})
			if err != nil {
				t.Fatal(err)
			}
			record := func(id string, age time.Duration) {
				in := crm.Inbound{ID: id, Phone: "+254712000301", Text: "HELP", ReceivedAt: flowstest.Now.Add(-age).UTC()}
				if _, err := d.RecordInbound(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			record("ATXid_31days", 31*24*time.Hour)
			record("ATXid_29days", 29*24*time.Hour)
			if _, err := d.ForgetOldInbound(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]bool{"ATXid_31days": tc.oldKept, "ATXid_29days": true} {
				if seen, err := d.InboundSeen(ctx, id); err != nil || seen != want {
					t.Errorf("%s kept: %v, %v; want %v", id, seen, err, want)
				}
			}
		})
	}
}
