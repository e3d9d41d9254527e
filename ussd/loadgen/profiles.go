package loadgen

import (
	"fmt"
	"strings"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// Catalog finds the texts of our own menus in flows' message catalogues, in every language,
// so a journey names "main.book" rather than "1" or "Book appointment".
type Catalog struct {
	msgs *flows.Messages
	errs []error
}

// NewCatalog wraps the catalogues the gateway serves.
func NewCatalog(msgs *flows.Messages) *Catalog { return &Catalog{msgs: msgs} }

var catalogLangs = []crm.Lang{crm.English, crm.Swahili}

// texts is the key's text in every language, cut at its first argument: the part every
// screen built from it starts with.
func (c *Catalog) texts(key string) []string {
	var out []string
	for _, l := range catalogLangs {
		t := c.msgs.Text(l, key)
		if t == key { // flows renders a missing key as the key itself
			c.errs = append(c.errs, fmt.Errorf("message catalogue has no %q", key))
			return nil
		}
		if i := strings.IndexByte(t, '%'); i >= 0 {
			t = t[:i]
		}
		if t == "" {
			c.errs = append(c.errs, fmt.Errorf("message %q starts with an argument; it cannot recognise a screen", key))
			return nil
		}
		out = append(out, t)
	}
	return out
}

// Prompt recognises the screens built from the catalogue keys.
func (c *Catalog) Prompt(keys ...string) Matcher {
	var texts []string
	for _, k := range keys {
		texts = append(texts, c.texts(k)...)
	}
	return Prompt(strings.Join(keys, " | "), texts...)
}

// Option chooses the option labelled with the catalogue key's text.
func (c *Catalog) Option(key string) Rule {
	r := Label(c.texts(key)...)
	r.Name = key
	return r
}

// OneOf chooses at random among the options labelled with the keys' texts.
func (c *Catalog) OneOf(keys ...string) Rule {
	var labels []string
	for _, k := range keys {
		labels = append(labels, c.texts(k)...)
	}
	r := AnyLabel(labels...)
	r.Name = "one of " + strings.Join(keys, " | ")
	return r
}

// Reference reads the reference on a screen built from one of the keys, whose text gives it
// as its first argument ("Complaint received. Case %[1]s. …"): the digits and spaces right
// after the text before it, checked as crm reads a reference.
func (c *Catalog) Reference(keys ...string) func(screen string) (crm.Reference, bool) {
	var prefixes []string
	for _, k := range keys {
		prefixes = append(prefixes, c.texts(k)...)
	}
	return func(screen string) (crm.Reference, bool) {
		for _, p := range prefixes {
			rest, ok := strings.CutPrefix(screen, p)
			if !ok {
				continue
			}
			end := strings.IndexFunc(rest, func(r rune) bool { return r != ' ' && (r < '0' || r > '9') })
			if end < 0 {
				end = len(rest)
			}
			if ref, err := crm.ParseReference(strings.TrimSpace(rest[:end])); err == nil {
				return ref, true
			}
		}
		return "", false
	}
}

// Err reports every key a journey named that the catalogue lacks.
func (c *Catalog) Err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("loadgen: %w", c.errs[0])
}

// HudumaBooking is a first-time caller booking an appointment on our gateway: English, Book
// appointment, a county (browsing the list), a centre, a service, a day, a time, Confirm. A
// day that filled up or a time taken meanwhile is answered by choosing another.
func HudumaBooking(c *Catalog) Journey {
	return Journey{
		Name: "book",
		Steps: append(opening(c, "main.book"),
			Step{Name: "county", Screen: c.Prompt("book.county"), Choose: Browse(2)},
			Step{Name: "centre", Screen: c.Prompt("book.centre"), Choose: Random()},
			Step{Name: "service", Screen: c.Prompt("book.service"), Choose: Browse(2)},
			Step{Name: "day", Screen: c.Prompt("book.day"), Choose: Random()},
			Step{Name: "time", Screen: c.Prompt("book.time"), Choose: Random()},
			Step{Name: "confirm", Screen: c.Prompt("book.confirm"), Choose: c.Option("book.confirm.yes")},
		),
		Done:     c.Prompt("book.done"),
		Counts:   CountsBooking,
		Retry:    []Matcher{c.Prompt("err.day_full"), c.Prompt("err.taken")},
		Wrong:    []Matcher{c.Prompt("err.choice"), c.Prompt("err.gone")},
		Detours:  []Detour{{Screen: c.Prompt("book.no_times"), Press: "0", Avoid: "day"}},
		Failures: notices(c),
	}
}

// HudumaComplaint is a first-time caller making a complaint: English, Make a complaint, about
// a centre (then a county, browsing the list, and a centre) or not, a category, a service or
// Skip when asked, a few words typed in English or Kiswahili, Confirm. It ends on the case
// number, which the run remembers for status checks; a corruption report ends on its own
// screen (to the integrity unit), and the other one's screen there is an error.
func HudumaComplaint(c *Catalog) Journey {
	return Journey{
		Name: "complaint",
		Steps: append(opening(c, "main.complaint"),
			Step{Name: "about", Screen: c.Prompt("complaint.about"), Choose: c.OneOf("complaint.about.yes", "complaint.about.no")},
			Step{Name: "county", Screen: c.Prompt("complaint.county"), Optional: true, Choose: Browse(2)},
			Step{Name: "centre", Screen: c.Prompt("complaint.centre"), Optional: true, Choose: Random()},
			Step{Name: "category", Screen: c.Prompt("complaint.category"), Choose: Browse(2)},
			Step{Name: "service", Screen: c.Prompt("complaint.service"), Optional: true, Choose: Browse(2)},
			Step{Name: "describe", Screen: c.Prompt("complaint.describe"), Choose: Describe()},
			Step{Name: "confirm", Screen: c.Prompt("complaint.confirm"), Choose: c.Option("complaint.confirm.yes")},
		),
		Done: c.Prompt("complaint.done"),
		DoneIf: []DoneIf{{
			Step: "category", Chose: c.Prompt("category.corruption"), Done: c.Prompt("complaint.done.integrity"),
		}},
		Remember: c.Reference("complaint.done", "complaint.done.integrity"),
		Counts:   CountsComplaint,
		Wrong:    []Matcher{c.Prompt("err.choice"), c.Prompt("complaint.err.empty"), c.Prompt("complaint.err.long")},
		Failures: notices(c),
	}
}

// HudumaStatusCheck is a first-time caller checking a status: English, Check status, a case
// number typed in. The number is one a complaint of this run was given, answered with the
// case's status; before the run has one, a made-up number, answered "no ticket or case with
// that number" (where the caller hangs up). A made-up number that happens to be a real case's
// or ticket's gets its status, which is a right answer too.
func HudumaStatusCheck(c *Catalog) Journey {
	return Journey{
		Name: "status",
		Steps: append(opening(c, "main.status"),
			Step{Name: "reference", Screen: c.Prompt("status.prompt"), Choose: RecallReference()},
		),
		Done:     c.Prompt("case.owner", "case.stranger", "request.owner", "request.stranger"),
		HangUpOn: []Matcher{c.Prompt("status.err.unknown")},
		Counts:   CountsStatusCheck,
		Wrong:    []Matcher{c.Prompt("err.choice"), c.Prompt("status.err.bad")},
		Failures: notices(c),
	}
}

// opening is how every journey starts: the language screen a new phone sees (English), the
// offer to continue a booking this phone dropped (no), and the main menu's option mainKey.
func opening(c *Catalog, mainKey string) []Step {
	return []Step{
		{Name: "language", Screen: c.Prompt("language.title"), Optional: true, Choose: c.Option("language.en")},
		{Name: "resume", Screen: c.Prompt("resume.title"), Optional: true, Choose: c.Option("resume.restart")},
		{Name: "main", Screen: c.Prompt("main.title"), Choose: c.Option(mainKey)},
	}
}

// notices are the gateway's apologies, each an error.
func notices(c *Catalog) []Failure {
	return []Failure{
		{Screen: c.Prompt("notice.system"), Kind: KindSystemNotice},
		{Screen: c.Prompt("notice.slow"), Kind: KindSystemNotice},
		{Screen: c.Prompt("notice.busy"), Kind: KindBusy},
	}
}

// Huduma is the traffic on our gateway: bookings, complaints and status checks, 70:15:15
// (SetMix changes it).
func Huduma(msgs *flows.Messages) (Profile, error) {
	c := NewCatalog(msgs)
	p := Profile{Name: "huduma", Journeys: []Weighted{
		{Journey: HudumaBooking(c), Weight: 70},
		{Journey: HudumaComplaint(c), Weight: 15},
		{Journey: HudumaStatusCheck(c), Weight: 15},
	}}
	return p, c.Err()
}

// Peer is the booking on the comparison server in shared/bench/peer-ussd-menu-builder
// (ussd-menu-builder on Express): its menu is fixed text, so its labels are written here.
func Peer() Profile {
	return Profile{Name: "peer", Journeys: []Weighted{{Weight: 1, Journey: Journey{
		Name: "book",
		Steps: []Step{
			{Name: "main", Screen: Prompt("welcome", "Welcome to Huduma"), Choose: Label("Book appointment")},
			{Name: "centre", Screen: Prompt("centre", "Select centre:"), Choose: Random()},
			{Name: "service", Screen: Prompt("service", "Select service:"), Choose: Random()},
			{Name: "confirm", Screen: Prompt("confirm", "Confirm booking"), Choose: Label("Confirm")},
		},
		Done:   Prompt("booked", "Booked."),
		Counts: CountsBooking,
	}}}}
}

// Floor is the lower bound in shared/bench/limit: any input is fine, it answers CON until the
// fourth input and then END. The same five hops as the peer's booking.
func Floor() Profile {
	steps := make([]Step, 4)
	for i := range steps {
		steps[i] = Step{Name: fmt.Sprintf("input %d", i+1), Screen: AnyScreen(), Choose: First()}
	}
	return Profile{Name: "floor", Journeys: []Weighted{{Weight: 1, Journey: Journey{
		Name: "book", Steps: steps, Done: Prompt("booked", "Booked."), Counts: CountsBooking,
	}}}}
}

// ProfileByName returns huduma, peer or floor.
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "huduma":
		msgs, err := flows.LoadMessages()
		if err != nil {
			return Profile{}, err
		}
		return Huduma(msgs)
	case "peer":
		return Peer(), nil
	case "floor":
		return Floor(), nil
	}
	return Profile{}, fmt.Errorf("loadgen: unknown profile %q (huduma, peer or floor)", name)
}
