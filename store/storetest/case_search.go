package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// testCaseSearch is what an agent types into the search box, read by crm.ParseCaseSearch,
// narrowed into a filter and scoped as the Office scopes it: the stores must find the same
// cases by number (grouped any way), by phone (whole, or its last digits) and by words (all
// of them, ignoring case), combined with the other fields, and never a case outside the
// user's scope.
func testCaseSearch(t *testing.T, s Store) {
	const (
		pA = crm.Phone("+254712345678")
		pB = crm.Phone("+254722005678") // shares its last four digits with pA
		pC = crm.Phone("+254733111222")
	)
	mk := func(p crm.Phone, cat crm.Category, st crm.CaseStatus, centreCode, desc string, due time.Duration) crm.Case {
		t.Helper()
		c := complaint(t, p)
		c.Category, c.Queue, c.Status, c.Centre, c.Description, c.DueAt = cat, crm.QueueFor(cat), st, centreCode, desc, caseAt(due)
		return mustCreateCase(t, s, c)
	}
	s1 := mk(pA, crm.CategoryLongWait, crm.CaseNew, "KSM", "Nilisubiri saa tano, foleni haikusonga", time.Hour)
	s2 := mk(pB, crm.CategoryStaffConduct, crm.CaseResolved, "KSM", "Waited five hours in the QUEUE at Kisumu", 2*time.Hour)
	s3 := mk(pC, crm.CategoryLongWait, crm.CaseAssigned, "NRB", "Foleni ndefu sana; waited for hours", 3*time.Hour)
	s4 := mk(pA, crm.CategoryCorruption, crm.CaseNew, "KSM", "Afisa aliomba hongo ya foleni", 4*time.Hour)
	s5 := mk(pC, crm.CategoryOther, crm.CaseNew, "KSM", "Nililipa 50% zaidi kwa ID_NEW", 5*time.Hour)
	s6 := mk(pB, crm.CategoryOther, crm.CaseNew, "KSM", "Nililipa 500 zaidi kwa IDXNEW", 6*time.Hour)

	n1, g1 := string(s1.Number), s1.Number.Grouped()
	agent := crm.User{Role: crm.RoleAgent}
	integrity := crm.User{Role: crm.RoleIntegrityOfficer}
	managerKSM := crm.User{Role: crm.RoleCentreManager, Centre: "KSM"}
	newOnly := []crm.CaseStatus{crm.CaseNew}

	for _, tc := range []struct {
		name string
		q    string         // parsed by crm.ParseCaseSearch and narrowed into f
		f    crm.CaseFilter // the rest of the filter, or the search fields set directly
		as   *crm.User      // scoped as the Office scopes this user's lists; nil: unscoped
		want []crm.Case
	}{
		{"number as stored", n1, crm.CaseFilter{}, nil, []crm.Case{s1}},
		{"number in threes", g1, crm.CaseFilter{}, nil, []crm.Case{s1}},
		{"number with dashes", strings.ReplaceAll(g1, " ", "-"), crm.CaseFilter{}, nil, []crm.Case{s1}},
		{"number as four and five", n1[:4] + " " + n1[4:], crm.CaseFilter{}, nil, []crm.Case{s1}},
		{"number and a status it does not have", g1, crm.CaseFilter{Status: []crm.CaseStatus{crm.CaseResolved}}, nil, nil},
		{"an integrity case's number", string(s4.Number), crm.CaseFilter{}, nil, []crm.Case{s4}},
		{"an integrity case's number, as an agent", string(s4.Number), crm.CaseFilter{}, &agent, nil},
		{"an integrity case's number, as a centre manager", string(s4.Number), crm.CaseFilter{}, &managerKSM, nil},
		{"an integrity case's number, as an integrity officer", string(s4.Number), crm.CaseFilter{}, &integrity, []crm.Case{s4}},
		{"a general case's number, as an integrity officer", n1, crm.CaseFilter{}, &integrity, nil},

		{"phone 07", "0712345678", crm.CaseFilter{}, nil, []crm.Case{s1, s4}},
		{"phone +254 grouped", "+254 712 345 678", crm.CaseFilter{}, nil, []crm.Case{s1, s4}},
		{"phone 254", "254712345678", crm.CaseFilter{}, nil, []crm.Case{s1, s4}},
		{"phone, as an agent", "0712345678", crm.CaseFilter{}, &agent, []crm.Case{s1}},
		{"phone, as an integrity officer", "0712345678", crm.CaseFilter{}, &integrity, []crm.Case{s4}},
		{"last four digits", "5678", crm.CaseFilter{}, nil, []crm.Case{s1, s2, s4, s6}},
		{"last four digits, as an agent", "5678", crm.CaseFilter{}, &agent, []crm.Case{s1, s2, s6}},
		{"last five digits", "05678", crm.CaseFilter{}, nil, []crm.Case{s2, s6}},
		{"last six digits grouped", "345 678", crm.CaseFilter{}, nil, []crm.Case{s1, s4}},
		{"last eight digits", "12345678", crm.CaseFilter{}, nil, []crm.Case{s1, s4}},
		{"last digits and a status", "5678", crm.CaseFilter{Status: []crm.CaseStatus{crm.CaseResolved}}, nil, []crm.Case{s2}},
		{"last digits nobody has", "9999", crm.CaseFilter{}, nil, nil},

		{"a word", "foleni", crm.CaseFilter{}, nil, []crm.Case{s1, s3, s4}},
		{"a word in capitals", "FOLENI", crm.CaseFilter{}, nil, []crm.Case{s1, s3, s4}},
		{"capitals in the description", "queue kisumu", crm.CaseFilter{}, nil, []crm.Case{s2}},
		{"every word must appear", "foleni saa", crm.CaseFilter{}, nil, []crm.Case{s1}},
		{"English words", "waited hours", crm.CaseFilter{}, nil, []crm.Case{s2, s3}},
		{"Kiswahili and English", "foleni waited", crm.CaseFilter{}, nil, []crm.Case{s3}},
		{"part of a word", "subiri", crm.CaseFilter{}, nil, []crm.Case{s1}},
		{"words and a status", "foleni", crm.CaseFilter{Status: newOnly}, nil, []crm.Case{s1, s4}},
		{"words and a queue", "foleni", crm.CaseFilter{Queue: crm.QueueGeneral}, nil, []crm.Case{s1, s3}},
		{"words, as an agent", "foleni", crm.CaseFilter{}, &agent, []crm.Case{s1, s3}},
		{"words, as the Kisumu manager", "foleni", crm.CaseFilter{}, &managerKSM, []crm.Case{s1}},
		{"words only an integrity case has, as an agent", "hongo", crm.CaseFilter{}, &agent, nil},
		{"words only an integrity case has, as an integrity officer", "hongo", crm.CaseFilter{}, &integrity, []crm.Case{s4}},
		{"words and a phone's ending", "zaidi", crm.CaseFilter{PhoneEnding: "1222"}, nil, []crm.Case{s5}},

		// LIKE's wildcards in a word match only themselves.
		{"a percent sign", "", crm.CaseFilter{Words: []string{"50%"}}, nil, []crm.Case{s5}},
		{"an underscore", "", crm.CaseFilter{Words: []string{"id_new"}}, nil, []crm.Case{s5}},
		{"a backslash", "", crm.CaseFilter{Words: []string{`\%`}}, nil, nil},
		{"a phone and its ending", "", crm.CaseFilter{Phone: pA, PhoneEnding: "5678"}, nil, []crm.Case{s1, s4}},
		{"a phone and another ending", "", crm.CaseFilter{Phone: pA, PhoneEnding: "1222"}, nil, nil},
		{"a number and words it lacks", "", crm.CaseFilter{Number: s1.Number, Words: []string{"hongo"}}, nil, nil},
		{"nine last digits", "", crm.CaseFilter{PhoneEnding: "722005678"}, nil, []crm.Case{s2, s6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			if tc.q != "" {
				search, err := crm.ParseCaseSearch(tc.q)
				if err != nil {
					t.Fatalf("ParseCaseSearch(%q): %v", tc.q, err)
				}
				var ok bool
				if f, ok = search.Narrow(f); !ok {
					t.Fatalf("Narrow(%+v) found a contradiction", f)
				}
			}
			if tc.as != nil {
				var ok bool
				if f, ok = crm.Scope(*tc.as, f); !ok {
					t.Fatalf("Scope(%s) sees nothing", tc.as.Role)
				}
			}
			if g, w := caseIDs(mustCases(t, s, f)), caseIDs(tc.want); !slices.Equal(g, w) {
				t.Errorf("Cases(%+v): IDs %v, want %v", f, g, w)
			}
		})
	}
}
