package crm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A citizen is told "expected to be ready by <date>" while the request is under way, so a
// date already past is refused for those statuses (with what to send instead), and allowed
// once the request is done, where no promise is read from it.
func TestExpectedReadyInThePastIsRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		ctx := storetest.Context(t)
		o := newOffice(t, open(t), at("2026-11-24 09:00"))
		ag, _, err := o.AddAgency(ctx, "NRB", "National Registration Bureau", o.ServicesOf("National Registration Bureau"))
		if err != nil {
			t.Fatal(err)
		}
		yesterday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		for _, tt := range []struct {
			status crm.RequestStatus
			ok     bool
		}{
			{crm.RequestReceived, false}, {crm.RequestProcessing, false}, {crm.RequestNeedsAction, false},
			{crm.RequestReady, true}, {crm.RequestCollected, true},
		} {
			in := crm.NewRequest{Phone: "+254712000901", Service: "ID-NEW", Centre: "KSM", Status: tt.status, Ready: yesterday}
			_, _, err := o.RegisterRequest(ctx, ag, in)
			if tt.ok && err != nil {
				t.Errorf("%s with a past date: %v", tt.status, err)
			}
			if !tt.ok && (!errors.Is(err, crm.ErrBadInput) || !containsAll(err.Error(), "2026-11-23", "before today (2026-11-24)")) {
				t.Errorf("%s with a past date: %v, want bad input naming the date and today", tt.status, err)
			}
		}
		r, _, err := o.RegisterRequest(ctx, ag, crm.NewRequest{Phone: "+254712000902", Service: "ID-NEW", Centre: "KSM", Ready: yesterday.AddDate(0, 0, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := o.PushRequestEvent(ctx, ag, r.Ref, crm.RequestEvent{Status: crm.RequestProcessing, Ready: yesterday}); !errors.Is(err, crm.ErrBadInput) {
			t.Fatalf("a push with a past date: %v, want bad input", err)
		}
	})
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
