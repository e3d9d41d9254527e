package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ussd"
)

// Made-up references are well formed: the gateway must answer "not found", never "not valid".
func TestMadeUpReferencesAreValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		ref := madeUpReference(rng)
		if got, err := crm.ParseReference(string(ref)); err != nil || got != ref {
			t.Fatalf("%q: %v", ref, err)
		}
	}
}

// Every description a caller types is one the domain keeps as typed, fits a USSD input, and
// holds no "*" (which would split it into two inputs).
func TestDescriptionsAreAccepted(t *testing.T) {
	for _, format := range complaintTexts {
		for _, n := range []int{2, 999} {
			text := fmt.Sprintf(format, n)
			clean, err := crm.CleanDescription(text)
			if err != nil || clean != text || strings.Contains(text, "*") || len(text) > ussd.MaxText/4 {
				t.Errorf("%q: %v (kept as %q)", text, err, clean)
			}
		}
	}
	c := &choosing{rng: rand.New(rand.NewPCG(1, 2))}
	if _, _, ok := Type("a star", func(*rand.Rand) string { return "1*2" }).pick(&Screen{}, c); ok {
		t.Error(`Type sent a text holding "*"`)
	}
}

// A complaint's case number is read off its final screen in both languages, and not off
// anything else.
func TestCatalogReference(t *testing.T) {
	msgs, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	c := NewCatalog(msgs)
	read := c.Reference("complaint.done", "complaint.done.integrity")
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	ref := madeUpReference(rand.New(rand.NewPCG(3, 4)))
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		for _, key := range []string{"complaint.done", "complaint.done.integrity"} {
			screen := msgs.Text(l, key, ref.Grouped())
			if got, ok := read(screen); !ok || got != ref {
				t.Errorf("%s %s: read %q, %v from %q", l, key, got, ok, screen)
			}
		}
		if got, ok := read(msgs.Text(l, "case.stranger", ref.Grouped(), "x")); ok {
			t.Errorf("%s: read %q off a status screen", l, got)
		}
		mistyped := ref[:len(ref)-1] + crm.Reference(fmt.Sprint((ref[len(ref)-1]-'0'+1)%10))
		if got, ok := read(msgs.Text(l, "complaint.done", mistyped.Grouped())); ok {
			t.Errorf("%s: read %q, whose check digit is wrong", l, got)
		}
	}
}

// The run's memory of references is bounded and hands out only what it was given.
func TestRefBook(t *testing.T) {
	var b refBook
	rng := rand.New(rand.NewPCG(5, 6))
	if _, ok := b.pick(rng); ok {
		t.Fatal("an empty book gave a reference")
	}
	for i := range refsKept + 10 {
		b.add(crm.Reference(fmt.Sprint(i)))
	}
	if len(b.refs) != refsKept {
		t.Fatalf("%d kept, want %d", len(b.refs), refsKept)
	}
	for range 100 {
		r, ok := b.pick(rng)
		if n, err := strconv.Atoi(string(r)); !ok || err != nil || n < 10 {
			t.Fatalf("picked %q, %v: not one of the latest %d", r, ok, refsKept)
		}
	}
}
