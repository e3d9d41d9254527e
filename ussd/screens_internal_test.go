package ussd

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// The complaint's confirmation sums up the category, the centre and the service: for every
// centre, every service it offers and every category, in both languages, it is one page that
// fits with the longest error line above it.
func TestEveryComplaintSummaryFits(t *testing.T) {
	w := flowstest.New(t, 10)
	r := newRenderer(w.Msgs)
	longestErr := ""
	for _, k := range w.Msgs.Keys() {
		for _, l := range []crm.Lang{crm.English, crm.Swahili} {
			if e := w.Msgs.Text(l, k); strings.HasPrefix(k, "err.") && utf8.RuneCountInString(e) > utf8.RuneCountInString(longestErr) {
				longestErr = e
			}
		}
	}
	cat := w.Desk.Catalog()
	ctx := context.Background()
	checked := 0
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		for _, county := range cat.Counties() {
			for _, centre := range cat.CentresIn(county) {
				services := append([]crm.Service{{}}, cat.ServicesAt(centre.Code)...)
				for _, svc := range services {
					for _, category := range crm.ComplaintCategories {
						s := &flows.Session{ID: "summary", Phone: "+254712000000", Lang: l, State: "complaint_describe",
							Screen: flows.Screen{Input: flows.InputText, Nav: true},
							Draft:  flows.Draft{County: county, Centre: centre.Code, Service: svc.Code, Category: category}}
						if err := w.Engine.Step(ctx, s, "Foleni ndefu"); err != nil || s.State != "complaint_confirm" {
							t.Fatalf("step: %v, at %s", err, s.State)
						}
						s.Error = longestErr
						if r.morePages(s) {
							t.Fatalf("the summary takes more than one page:\n%s", r.render(s))
						}
						if reply := r.render(s); utf8.RuneCountInString(reply) > MaxReply {
							t.Fatalf("%d characters:\n%s", utf8.RuneCountInString(reply), reply)
						}
						checked++
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}
