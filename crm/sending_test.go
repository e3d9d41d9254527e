package crm_test

import (
	"slices"
	"testing"

	"github.com/huduma-connect/huduma/crm"
)

// TestFoldDeliveryReports: one report an id, with the effect of the id's reports applied in
// order.
func TestFoldDeliveryReports(t *testing.T) {
	r := func(id, status, reason string) crm.DeliveryReport {
		return crm.DeliveryReport{ATMessageID: id, Status: status, FailureReason: reason}
	}
	for _, tt := range []struct {
		name string
		in   []crm.DeliveryReport
		want []crm.DeliveryReport
	}{
		{"one report", []crm.DeliveryReport{r("a", "Sent", "")}, []crm.DeliveryReport{r("a", "Sent", "")}},
		{"a later report replaces one that is not final",
			[]crm.DeliveryReport{r("a", "Buffered", ""), r("a", "Success", "")}, []crm.DeliveryReport{r("a", "Success", "")}},
		{"a final status sticks",
			[]crm.DeliveryReport{r("a", "Success", ""), r("a", "Submitted", ""), r("a", "Failed", "DeliveryFailure")},
			[]crm.DeliveryReport{r("a", "Success", "")}},
		{"a reason stays until another is given",
			[]crm.DeliveryReport{r("a", "Buffered", "AbsentSubscriber"), r("a", "Sent", "")},
			[]crm.DeliveryReport{r("a", "Sent", "AbsentSubscriber")}},
		{"ids keep the order they first appear in",
			[]crm.DeliveryReport{r("b", "Sent", ""), r("a", "Sent", ""), r("b", "Success", "")},
			[]crm.DeliveryReport{r("b", "Success", ""), r("a", "Sent", "")}},
		{"no id, no report", []crm.DeliveryReport{r("", "Success", "")}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.FoldDeliveryReports(tt.in); !slices.Equal(got, tt.want) {
				t.Fatalf("FoldDeliveryReports(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
