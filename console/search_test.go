package console_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// caseList is the answer of GET /cases as the search tests read it.
type caseList struct {
	Cases    []apiCase
	SearchAs string `json:"search_as"`
	Ticket   *string
}

// list calls GET /cases with the query as username and wants a 200.
func (w *world) list(t *testing.T, username string, q url.Values) caseList {
	t.Helper()
	status, body := w.as(t, username, http.MethodGet, "/api/v1/cases?"+q.Encode(), nil)
	if status != http.StatusOK {
		t.Fatalf("GET /cases?%s as %s: HTTP %d: %s", q.Encode(), username, status, body)
	}
	var out caseList
	decodeInto(t, body, &out)
	return out
}

// lodge lodges a complaint with its own words, as a citizen would through a channel.
func (w *world) lodge(t *testing.T, phone crm.Phone, centre string, cat crm.Category, words string) crm.Case {
	t.Helper()
	c, err := w.office.LodgeComplaint(storetest.Context(t), crm.Complaint{
		Phone: phone, Lang: crm.Swahili, Centre: centre, Category: cat, Service: "ID-NEW", Description: words,
	})
	if err != nil {
		t.Fatalf("lodge complaint: %v", err)
	}
	return c
}

// numbers are the case numbers of a list, sorted (the order is the stores' and is tested
// there).
func numbers(list []apiCase) []string {
	out := make([]string, 0, len(list))
	for _, c := range list {
		out = append(out, c.Number)
	}
	slices.Sort(out)
	return out
}

// caseNumbers is numbers for cases as the domain returns them.
func caseNumbers(list []crm.Case) []string {
	out := make([]string, 0, len(list))
	for _, c := range list {
		out = append(out, string(c.Number))
	}
	slices.Sort(out)
	return out
}

// An agent finds the case whose number a citizen reads out, however it is grouped, the
// cases of a phone, whole or by its last digits, and the cases whose description holds every
// word typed; never a case their role may not see.
func TestCaseSearch(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		const (
			citizen = crm.Phone("+254722555111")
			other   = crm.Phone("+254733000111")
		)
		c1 := w.lodge(t, citizen, "KSM", crm.CategoryLongWait, "Foleni ndefu sana pale Kisumu")
		c2 := w.lodge(t, other, "MSA", crm.CategoryStaffConduct, "Waited four hours and no one helped")
		c3 := w.lodge(t, citizen, "KSM", crm.CategoryCorruption, "Afisa aliomba hongo ya foleni")
		n1, n3 := string(c1.Number), string(c3.Number)

		q := func(kv ...string) url.Values {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Add(kv[i], kv[i+1])
			}
			return v
		}
		for _, tc := range []struct {
			name  string
			as    string
			query url.Values
			want  []crm.Case
			read  string // search_as
		}{
			{"no search", "agent", q(), []crm.Case{c1, c2}, ""},
			{"number as stored", "agent", q("q", n1), []crm.Case{c1}, "number"},
			{"number in threes", "agent", q("q", c1.Number.Grouped()), []crm.Case{c1}, "number"},
			{"number with dashes", "agent", q("q", strings.ReplaceAll(c1.Number.Grouped(), " ", "-")), []crm.Case{c1}, "number"},
			{"number as four and five", "agent", q("q", n1[:4]+" "+n1[4:]), []crm.Case{c1}, "number"},
			{"an integrity case's number, as an agent", "agent", q("q", n3), nil, "number"},
			{"an integrity case's number, as a supervisor", "supervisor", q("q", n3), nil, "number"},
			{"an integrity case's number, as the Kisumu manager", "manager_ksm", q("q", n3), nil, "number"},
			{"an integrity case's number, as an admin", "admin", q("q", n3), nil, "number"},
			{"an integrity case's number, as an integrity officer", "integrity", q("q", n3), []crm.Case{c3}, "number"},
			{"phone 07", "agent", q("q", "0722 555 111"), []crm.Case{c1}, "phone"},
			{"phone +254", "agent", q("q", "+254722555111"), []crm.Case{c1}, "phone"},
			{"phone, as an integrity officer", "integrity", q("q", "0722555111"), []crm.Case{c3}, "phone"},
			{"last digits", "agent", q("q", "5111"), []crm.Case{c1}, "phone_ending"},
			{"other last digits", "agent", q("q", "0111"), []crm.Case{c2}, "phone_ending"},
			{"five last digits", "agent", q("q", "55111"), []crm.Case{c1}, "phone_ending"},
			{"?phone= by last digits", "agent", q("phone", "5111"), []crm.Case{c1}, ""},
			{"?phone= whole", "agent", q("phone", "+254 722 555 111"), []crm.Case{c1}, ""},
			{"?phone= by its national number", "agent", q("phone", "722555111"), []crm.Case{c1}, ""},
			{"a word", "agent", q("q", "foleni"), []crm.Case{c1}, "words"},
			{"a word, as an integrity officer", "integrity", q("q", "foleni"), []crm.Case{c3}, "words"},
			{"every word, any case", "agent", q("q", "FOLENI kisumu"), []crm.Case{c1}, "words"},
			{"a word the case lacks", "agent", q("q", "foleni hours"), nil, "words"},
			{"words and a status", "agent", q("q", "foleni", "status", "resolved"), nil, "words"},
			{"words and a centre", "supervisor", q("q", "waited", "centre", "MSA"), []crm.Case{c2}, "words"},
			{"words and a phone", "agent", q("q", "waited", "phone", "0111"), []crm.Case{c2}, "words"},
			{"words and another phone", "agent", q("q", "foleni", "phone", "0111"), nil, "words"},
			{"a phone and another phone", "agent", q("q", "0722555111", "phone", "0111"), nil, "phone"},
			{"an empty search is no search", "agent", q("q", "  ", "phone", ""), []crm.Case{c1, c2}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := w.list(t, tc.as, tc.query)
				if g, want := numbers(got.Cases), caseNumbers(tc.want); !slices.Equal(g, want) {
					t.Errorf("GET /cases?%s as %s: cases %v, want %v", tc.query.Encode(), tc.as, g, want)
				}
				if got.SearchAs != tc.read {
					t.Errorf("GET /cases?%s: search_as %q, want %q", tc.query.Encode(), got.SearchAs, tc.read)
				}
				if got.Ticket != nil {
					t.Errorf("GET /cases?%s: ticket %q, and there is none", tc.query.Encode(), *got.Ticket)
				}
			})
		}
	})
}

// A tracked request's number finds no case, and the answer says the ticket exists, for the
// console to link to it.
func TestCaseSearchOffersTheTicket(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		status, body := w.agency(t, w.nrbKey, http.MethodPost, "/api/v1/requests", testdata(t, "register.json"))
		if status != http.StatusCreated {
			t.Fatalf("register: %d %s", status, body)
		}
		var r apiRequest
		decodeInto(t, body, &r)

		got := w.list(t, "agent", url.Values{"q": {r.RefGrouped}})
		if len(got.Cases) != 0 || got.SearchAs != "number" || got.Ticket == nil || *got.Ticket != r.Ref {
			t.Fatalf("search for ticket %s: %+v, want no cases and the ticket", r.RefGrouped, got)
		}
		status, body = w.as(t, "agent", http.MethodGet, "/api/v1/requests/"+*got.Ticket, nil)
		wantStatus(t, "follow the ticket", status, body, http.StatusOK)
	})
}

// GET /cases never answers "every case" to a filter it did not understand: a parameter it
// does not know, one given twice and a value it cannot read are each a 400 that says what is
// wrong.
func TestCaseListRefusesWhatItCannotRead(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		w.lodge(t, "+254722555111", "KSM", crm.CategoryLongWait, "Foleni ndefu sana pale Kisumu")
		known := []string{"assignee", "breaching", "category", "centre", "level", "limit", "offset", "phone", "q", "status"}
		ref, err := crm.NewReference()
		if err != nil {
			t.Fatal(err)
		}
		bad := []byte(ref)
		bad[8] = '0' + (bad[8]-'0'+1)%10 // the check digit, wrong
		for _, tc := range []struct {
			name, query string
			says        []string
		}{
			{"an unknown parameter", "phonee=0722555111", append([]string{`unknown query parameter "phonee"`}, known...)},
			{"a parameter of another endpoint", "ref=" + string(ref), []string{`"ref"`, "GET /api/v1/cases takes " + strings.Join(known, ", ")}},
			{"a parameter in capitals", "Status=new", []string{`"Status"`}},
			{"a parameter without a value", "search", []string{`"search"`}},
			{"unknown beside known", "status=new&foo=1&bar=2", []string{`unknown query parameters "foo", "bar"`}},
			{"q twice", "q=foleni&q=kisumu", []string{`"q" given more than once`}},
			{"status twice", "status=new&status=assigned", []string{`"status" given more than once`, "comma-separated"}},
			{"a wrong check digit", "q=" + string(bad), []string{"check digit does not match"}},
			{"a wrong check digit, grouped", "q=" + url.QueryEscape(crm.Reference(bad).Grouped()), []string{"check digit does not match"}},
			{"a two-digit phone", "phone=12", []string{`"12" is too short`, "last 4 digits"}},
			{"a three-digit search", "q=111", []string{`"111" has too few digits`}},
			{"a landline", "q=0201234567", []string{"neither a case number", "nor a Kenyan mobile number"}},
			{"a landline by ?phone=", "phone=0201234567", []string{`"0201234567" is not a Kenyan mobile number`}},
			{"a phone of letters", "phone=akinyi", []string{`"akinyi" is not a phone number`}},
			{"punctuation only", "q=---", []string{"nothing to search for"}},
			{"a one-letter word", "q=a", []string{`"a" is too short`}},
			{"too many words", "q=" + url.QueryEscape("aa bb cc dd ee ff"), []string{"at most 5"}},
			{"too long", "q=" + strings.Repeat("x", 101), []string{"at most 100"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := w.as(t, "agent", http.MethodGet, "/api/v1/cases?"+tc.query, nil)
				if status != http.StatusBadRequest {
					t.Fatalf("GET /cases?%s: HTTP %d, want 400: %s", tc.query, status, body)
				}
				msg := errorOf(t, body)
				for _, s := range tc.says {
					if !strings.Contains(msg, s) {
						t.Errorf("GET /cases?%s: error %q does not say %q", tc.query, msg, s)
					}
				}
			})
		}
	})
}
