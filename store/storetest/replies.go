package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Saved replies are kept by name and language: putting one again replaces its body (same id),
// the same name in another language is another reply, and the list is by language then name.
func testSavedReplies(t *testing.T, s Store) {
	ctx := Context(t)
	put := func(name string, l crm.Lang, body string) crm.SavedReply {
		t.Helper()
		r, err := s.PutSavedReply(ctx, crm.SavedReply{Name: name, Lang: l, Body: body, UpdatedBy: "chebet", UpdatedAt: caseAt(time.Hour)})
		if err != nil {
			t.Fatalf("PutSavedReply: %v", err)
		}
		return r
	}
	counters := put("Counters", crm.English, "Two more counters open from Monday.")
	put("Counters", crm.Swahili, "Madirisha mawili zaidi yatafunguliwa Jumatatu.")
	put("Apology", crm.English, "We are sorry for the wait.")
	again := put("Counters", crm.English, "Two more counters open from Tuesday.")
	if again.ID != counters.ID {
		t.Fatalf("putting a reply again made another (id %d, was %d)", again.ID, counters.ID)
	}
	list, err := s.SavedReplies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list {
		got = append(got, string(r.Lang)+"/"+r.Name+": "+r.Body)
		if r.UpdatedBy != "chebet" || !r.UpdatedAt.Equal(caseAt(time.Hour)) {
			t.Fatalf("reply %+v lost who or when", r)
		}
	}
	want := []string{"en/Apology: We are sorry for the wait.", "en/Counters: Two more counters open from Tuesday.",
		"sw/Counters: Madirisha mawili zaidi yatafunguliwa Jumatatu."}
	if len(got) != len(want) {
		t.Fatalf("saved replies %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("saved replies %q, want %q", got, want)
		}
	}
	if err := s.DeleteSavedReply(ctx, counters.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSavedReply(ctx, counters.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("deleting it twice: %v, want ErrNotFound", err)
	}
}
