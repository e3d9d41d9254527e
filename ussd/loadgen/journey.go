package loadgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// A Journey is what one caller sets out to do in one session, written as the screens they
// expect and what they press on each. Options are chosen by what they say (a label, or a rule
// such as "any free option"), never by their number, so reordering a menu or adding an item
// to it does not break a journey.
type Journey struct {
	Name string
	// Steps are the screens in order. A step that does not match the current screen is
	// skipped when Optional (the language screen only a new phone sees), and otherwise the
	// runner looks for an earlier step that matches (a re-prompt, or the way back after a
	// detour) before it calls the screen unexpected.
	Steps []Step
	// Done recognises the END screen that completes the journey.
	Done Matcher
	// DoneIf replaces Done after a particular choice (a corruption report ends on its own
	// screen): the first entry whose step chose a label it recognises decides.
	DoneIf []DoneIf
	// HangUpOn are error lines above a CON screen that answer what the caller came for
	// ("We found no ticket or case with that number."): the journey is complete and the
	// caller hangs up there, as callers do, leaving the session to expire on the gateway. The
	// same answer to a reference this run was given (see RecallReference) is an error.
	HangUpOn []Matcher
	// Counts names the report's tally a completed journey adds to.
	Counts Tally
	// Remember, when set, reads the reference the Done screen gives (a complaint's case
	// number); the run keeps it for later journeys to type (RecallReference). A Done screen
	// it finds none in is an error.
	Remember func(screen string) (crm.Reference, bool)
	// Retry are error lines that are expected answers under load (a day that filled up, a
	// time taken a moment ago): the runner chooses again, avoiding what it chose before.
	Retry []Matcher
	// Wrong are error lines that mean the journey sent something the server did not expect
	// ("Invalid choice"); they are counted as errors.
	Wrong []Matcher
	// Detours are screens that may appear on the way and what to press there.
	Detours []Detour
	// Failures classify END screens that are not Done. Unlisted ones are "end-too-early".
	Failures []Failure
}

// Step is one screen of a journey and what to press on it.
type Step struct {
	Name     string
	Screen   Matcher
	Optional bool
	Choose   Rule
}

// Tally is one of the report's counts of completed journeys.
type Tally int

// The tallies. A journey that writes something counts as what it wrote.
const (
	Uncounted         Tally = iota
	CountsBooking           // an appointment written by the server
	CountsComplaint         // a case opened by the server
	CountsStatusCheck       // a ticket or case number looked up
	numTallies
)

// DoneIf is an ending that depends on a choice made on the way: when the step named Step
// chose a label Chose recognises, the journey is complete on Done and not on Journey.Done.
type DoneIf struct {
	Step  string
	Chose Matcher
	Done  Matcher
}

// Detour is a screen that can legitimately interrupt a journey ("No free times on …"):
// press Press there, and when Avoid names a step, do not choose that step's last choice again.
type Detour struct {
	Screen Matcher
	Press  string
	Avoid  string
}

// Failure names the kind of error an END screen is.
type Failure struct {
	Screen Matcher
	Kind   string
}

// Weighted is a journey with its share of the sessions a profile starts.
type Weighted struct {
	Journey Journey
	Weight  int
}

// Profile is the traffic mix for one server: which journeys its callers make, and how often.
type Profile struct {
	Name     string
	Journeys []Weighted
}

// pick draws a journey by weight.
func (p *Profile) pick(rng *rand.Rand) *Journey {
	total := 0
	for _, w := range p.Journeys {
		total += max(w.Weight, 0)
	}
	if total == 0 {
		return &p.Journeys[0].Journey
	}
	n := rng.IntN(total)
	for i := range p.Journeys {
		if n -= max(p.Journeys[i].Weight, 0); n < 0 {
			return &p.Journeys[i].Journey
		}
	}
	return &p.Journeys[len(p.Journeys)-1].Journey
}

// Validate reports a profile that cannot run.
func (p *Profile) Validate() error {
	if len(p.Journeys) == 0 {
		return fmt.Errorf("profile %q has no journeys", p.Name)
	}
	total := 0
	for _, w := range p.Journeys {
		total += max(w.Weight, 0)
		j := w.Journey
		if len(j.Steps) == 0 {
			return fmt.Errorf("profile %q: journey %q has no steps", p.Name, j.Name)
		}
		for _, s := range j.Steps {
			if s.Choose.pick == nil {
				return fmt.Errorf("profile %q: journey %q: step %q has no rule", p.Name, j.Name, s.Name)
			}
		}
		for _, d := range j.DoneIf {
			if j.stepIndex(d.Step) < 0 {
				return fmt.Errorf("profile %q: journey %q: its ending depends on a step %q it does not have", p.Name, j.Name, d.Step)
			}
		}
	}
	if total == 0 {
		return fmt.Errorf("profile %q: no journey has a weight", p.Name)
	}
	return nil
}

// Matcher recognises a screen (by how its prompt starts), an error line, or (in DoneIf) the
// label of an option.
type Matcher struct {
	Name     string
	prefixes []string
	any      bool
}

// Prompt matches a screen whose prompt starts with any of the texts.
func Prompt(name string, texts ...string) Matcher {
	return Matcher{Name: name, prefixes: texts}
}

// AnyScreen matches every screen.
func AnyScreen() Matcher { return Matcher{Name: "any screen", any: true} }

// Match reports whether the screen's prompt is the one m recognises.
func (m Matcher) Match(s *Screen) bool { return m.any || m.matchText(s.Prompt) }

func (m Matcher) matchText(t string) bool {
	for _, p := range m.prefixes {
		if p != "" && strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// Rule chooses what to press on a screen, or what to type on one that asks for text.
type Rule struct {
	Name string
	// pick returns the option to choose, or more=true to ask for the next page; ok=false
	// when the screen offers nothing the rule accepts.
	pick func(s *Screen, c *choosing) (opt Option, more, ok bool)
}

// choosing is what a rule may use besides the screen.
type choosing struct {
	avoid map[string]bool // labels tried before at this step (full, taken)
	pages int             // pages read at this step since its last choice
	rng   *rand.Rand
	refs  *refBook // the references this run was given
	// recalled is set by a rule that typed a reference this run was given.
	recalled bool
}

func (c *choosing) avoided(label string) bool { return c.avoid[label] }

// Label chooses the option that says one of the labels, paging with 98 until it shows.
func Label(labels ...string) Rule {
	return Rule{Name: "label " + strings.Join(labels, " | "), pick: func(s *Screen, c *choosing) (Option, bool, bool) {
		for _, o := range s.Options {
			for _, l := range labels {
				if o.Label == l && !c.avoided(o.Label) {
					return o, false, true
				}
			}
		}
		return Option{}, s.More, false
	}}
}

// AnyLabel chooses at random among the options on this page that say one of the labels (a
// caller who answers yes or no by chance), paging until one shows.
func AnyLabel(labels ...string) Rule {
	return Rule{Name: "any of " + strings.Join(labels, " | "), pick: func(s *Screen, c *choosing) (Option, bool, bool) {
		var fit []Option
		for _, o := range s.Options {
			if slices.Contains(labels, o.Label) && !c.avoided(o.Label) {
				fit = append(fit, o)
			}
		}
		if len(fit) == 0 {
			return Option{}, s.More, false
		}
		return fit[c.rng.IntN(len(fit))], false, true
	}}
}

// LabelPrefix chooses the first option whose label starts with prefix, paging until it shows.
func LabelPrefix(prefix string) Rule {
	return Rule{Name: "label starting " + prefix, pick: func(s *Screen, c *choosing) (Option, bool, bool) {
		for _, o := range s.Options {
			if strings.HasPrefix(o.Label, prefix) && !c.avoided(o.Label) {
				return o, false, true
			}
		}
		return Option{}, s.More, false
	}}
}

// First chooses the first option not tried before, paging when all on this page were.
func First() Rule {
	return Rule{Name: "first option", pick: func(s *Screen, c *choosing) (Option, bool, bool) {
		for _, o := range s.Options {
			if !c.avoided(o.Label) {
				return o, false, true
			}
		}
		return Option{}, s.More, false
	}}
}

// Random chooses any option on this page not tried before, paging when all were.
func Random() Rule { return Browse(0) }

// Browse reads up to pages further pages (each time with even odds, as a caller scrolling
// for their county would) and then chooses any option on the page it stopped at. It spreads
// sessions over long lists, so load does not pile onto the first few entries.
func Browse(pages int) Rule {
	return Rule{Name: fmt.Sprintf("any option within %d pages", pages+1), pick: func(s *Screen, c *choosing) (Option, bool, bool) {
		if s.More && c.pages < pages && c.rng.IntN(2) == 0 {
			return Option{}, true, false
		}
		free := make([]int, 0, len(s.Options))
		for i, o := range s.Options {
			if !c.avoided(o.Label) {
				free = append(free, i)
			}
		}
		if len(free) == 0 {
			return Option{}, s.More, false
		}
		return s.Options[free[c.rng.IntN(len(free))]], false, true
	}}
}
