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

// Prompt recognises the screen built from the catalogue key.
func (c *Catalog) Prompt(key string) Matcher { return Prompt(key, c.texts(key)...) }

// Option chooses the option labelled with the catalogue key's text.
func (c *Catalog) Option(key string) Rule {
	r := Label(c.texts(key)...)
	r.Name = key
	return r
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
		Steps: []Step{
			{Name: "language", Screen: c.Prompt("language.title"), Optional: true, Choose: c.Option("language.en")},
			{Name: "resume", Screen: c.Prompt("resume.title"), Optional: true, Choose: c.Option("resume.restart")},
			{Name: "main", Screen: c.Prompt("main.title"), Choose: c.Option("main.book")},
			{Name: "county", Screen: c.Prompt("book.county"), Choose: Browse(2)},
			{Name: "centre", Screen: c.Prompt("book.centre"), Choose: Random()},
			{Name: "service", Screen: c.Prompt("book.service"), Choose: Browse(2)},
			{Name: "day", Screen: c.Prompt("book.day"), Choose: Random()},
			{Name: "time", Screen: c.Prompt("book.time"), Choose: Random()},
			{Name: "confirm", Screen: c.Prompt("book.confirm"), Choose: c.Option("book.confirm.yes")},
		},
		Done:    c.Prompt("book.done"),
		Booking: true,
		Retry:   []Matcher{c.Prompt("err.day_full"), c.Prompt("err.taken")},
		Wrong:   []Matcher{c.Prompt("err.choice"), c.Prompt("err.gone")},
		Detours: []Detour{{Screen: c.Prompt("book.no_times"), Press: "0", Avoid: "day"}},
		Failures: []Failure{
			{Screen: c.Prompt("notice.system"), Kind: KindSystemNotice},
			{Screen: c.Prompt("notice.slow"), Kind: KindSystemNotice},
		},
	}
}

// Huduma is the traffic on our gateway. Today it is all bookings; status checks and
// complaints join the mix as the menus gain them.
func Huduma(msgs *flows.Messages) (Profile, error) {
	c := NewCatalog(msgs)
	p := Profile{Name: "huduma", Journeys: []Weighted{{Journey: HudumaBooking(c), Weight: 1}}}
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
		Done:    Prompt("booked", "Booked."),
		Booking: true,
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
		Name: "book", Steps: steps, Done: Prompt("booked", "Booked."), Booking: true,
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
