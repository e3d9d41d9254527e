package flowstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/internal/testkit"
)

// A journey is a conversation kept as data: what a citizen types or keys on each dial, and
// every screen they get back, in testdata/journeys/<name>.json of the channel's package. A
// test plays it against the channel and compares the screens exactly; `go test -update`
// rewrites them from what the channel answers now, so a changed wording is one reviewed diff
// of that file, and a new journey is written as its inputs alone, then played with -update.
//
// Numbers that differ on every run (booking references, case numbers) appear in the file
// under names: those a test sets up are given to PlayJourney, those a screen hands out are
// named ref1, ref2, … in the order they first appear, and later inputs may use them.

// Journey is the file.
type Journey struct {
	About string `json:"about"`
	Dials []Dial `json:"dials"`
}

// Dial is one session (a USSD dial, a phone call) from a phone.
type Dial struct {
	Phone string `json:"phone"`
	Hops  []Hop  `json:"hops"`
}

// Hop is one request and the screen it got. A hop with no action is the session's opening
// request (the dial itself).
type Hop struct {
	// Press is what the citizen types (USSD) or keys (voice).
	Press *string `json:"press,omitempty"`
	// Again sends the last request once more, as an aggregator repeating it.
	Again bool `json:"again,omitempty"`
	// Silent lets a voice prompt pass (Africa's Talking follows its Redirect).
	Silent bool `json:"silent,omitempty"`
	// Record ends a voice recording.
	Record bool `json:"record,omitempty"`
	// Step posts Press to the callback of the voice answer numbered Step, whatever the call
	// was last told: a callback for an answer the gateway does not know.
	Step int `json:"step,omitempty"`
	// Screen is the answer, one line a string (written by -update).
	Screen []string `json:"screen"`
}

// Opening reports whether the hop is a session's opening request.
func (h Hop) Opening() bool {
	return h.Press == nil && !h.Again && !h.Silent && !h.Record && h.Step == 0
}

// Phone is one dial of a journey on a channel: each method sends one request and returns
// the answer, one line a string. A channel's phone may also have the methods of Repeater,
// Listener or Lost, for journeys that use them.
type Phone interface {
	// Open sends the session's opening request (the dial).
	Open() []string
	// Press sends what the citizen types or keys.
	Press(input string) []string
}

// Repeater is a Phone whose last request can be sent again, as an aggregator repeats it.
type Repeater interface{ Again() []string }

// Listener is a Phone that can let a prompt pass, or end a recording.
type Listener interface {
	Silent() []string
	Record() []string
}

// Lost is a Phone that can send keys for an answer the gateway has no record of.
type Lost interface {
	Late(step int, input string) []string
}

// send sends the hop on the phone.
func send(t testing.TB, p Phone, h Hop, input string) []string {
	t.Helper()
	repeater, _ := p.(Repeater)
	listener, _ := p.(Listener)
	lost, _ := p.(Lost)
	switch {
	case h.Opening():
		return p.Open()
	case h.Again && repeater != nil:
		return repeater.Again()
	case h.Silent && listener != nil:
		return listener.Silent()
	case h.Record && listener != nil:
		return listener.Record()
	case h.Step != 0 && lost != nil:
		return lost.Late(h.Step, input)
	case h.Press != nil && !h.Again && !h.Silent && !h.Record && h.Step == 0:
		return p.Press(input)
	}
	t.Fatalf("this channel's phone cannot play %+v", h)
	return nil
}

// Played is a journey as it was played: the screens as the channel answered (under names, as
// in the file), and the values of every name.
type Played struct {
	Journey Journey
	Vars    map[string]string
}

// Value is the value of a name (a reference by its 9 digits).
func (p *Played) Value(t testing.TB, name string) string {
	t.Helper()
	v, ok := p.Vars[name]
	if !ok {
		t.Fatalf("the journey has no %s (it has %v)", name, p.Vars)
	}
	return v
}

// PlayJourney plays testdata/journeys/<name>.json: for each dial, dial returns the Phone of
// a new session from its number (session is unique to the dial), and each hop is sent on it. vars are the values the test set up, named in the file as {name}; a
// 9-digit value is a reference, written on screens as it is shown ({name}: "600 042 550"),
// as it is keyed ({name:digits}) or as it is spoken ({name:spoken}: "6 0 0, 0 4 2, 5 5 0").
// The screens are then compared with the file's (rewritten under -update).
func PlayJourney(t testing.TB, name string, vars map[string]string, dial func(session, number string) Phone) *Played {
	t.Helper()
	path := filepath.Join("testdata", "journeys", name+".json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("journey %s: %v", name, err)
	}
	var j Journey
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("journey %s: %v", path, err)
	}
	n := &names{vars: map[string]string{}}
	for k, v := range vars {
		n.vars[k] = v
	}
	for i := range j.Dials {
		d := &j.Dials[i]
		phone := dial(fmt.Sprintf("%s-%d", name, i+1), n.expand(t, d.Phone))
		for k := range d.Hops {
			h := &d.Hops[k]
			input := ""
			if h.Press != nil {
				input = n.expand(t, *h.Press)
			}
			h.Screen = n.name(send(t, phone, *h, input))
		}
	}
	testkit.Golden(t, path, j.encode())
	return &Played{Journey: j, Vars: n.vars}
}

// names keeps the journey's names and their values.
type names struct {
	vars map[string]string
	refs int
}

var (
	placeholder = regexp.MustCompile(`\{([a-z][a-z0-9_]*)(?::(digits|spoken))?\}`)
	digitsOnly  = regexp.MustCompile(`^[0-9]{9}$`)
	// A reference on a screen, as shown or as spoken.
	shownRef  = regexp.MustCompile(`\b[0-9]{3} [0-9]{3} [0-9]{3}\b`)
	spokenRef = regexp.MustCompile(`\b[0-9] [0-9] [0-9], [0-9] [0-9] [0-9], [0-9] [0-9] [0-9]\b`)
)

// expand writes every {name} of s as its value.
func (n *names) expand(t testing.TB, s string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		v, ok := n.vars[sub[1]]
		if !ok {
			t.Fatalf("journey input %q names %s, which nothing set", s, m)
		}
		if !digitsOnly.MatchString(v) {
			return v
		}
		switch sub[2] {
		case "digits":
			return v
		case "spoken":
			return spoken(v)
		}
		return shown(v)
	})
}

// name writes every reference on the screen by its name, naming those not seen before.
func (n *names) name(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		for _, re := range []*regexp.Regexp{shownRef, spokenRef} {
			for _, m := range re.FindAllStringIndex(l, -1) {
				if !partOfLonger(l, m[0], m[1]) {
					n.named(strings.NewReplacer(" ", "", ",", "").Replace(l[m[0]:m[1]]))
				}
			}
		}
		out[i] = n.replacer().Replace(l)
	}
	return out
}

// partOfLonger reports whether the digits at l[from:to] run on, after a space, into more
// digits (a phone number written in groups): they are then no reference.
func partOfLonger(l string, from, to int) bool {
	digit := func(i int) bool { return i >= 0 && i < len(l) && l[i] >= '0' && l[i] <= '9' }
	return from >= 2 && l[from-1] == ' ' && digit(from-2) || to+1 < len(l) && l[to] == ' ' && digit(to+1)
}

// named returns the name of a reference, giving it the next refN if it has none.
func (n *names) named(digits string) string {
	for k, v := range n.vars {
		if v == digits {
			return k
		}
	}
	n.refs++
	k := fmt.Sprintf("ref%d", n.refs)
	n.vars[k] = digits
	return k
}

// replacer writes every form of every reference by its name.
func (n *names) replacer() *strings.Replacer {
	var pairs []string
	for k, v := range n.vars {
		if digitsOnly.MatchString(v) {
			pairs = append(pairs, spoken(v), "{"+k+":spoken}", shown(v), "{"+k+"}", v, "{"+k+":digits}")
		}
	}
	return strings.NewReplacer(pairs...)
}

func shown(d string) string { return d[0:3] + " " + d[3:6] + " " + d[6:9] }

func spoken(d string) string {
	group := func(g string) string { return g[0:1] + " " + g[1:2] + " " + g[2:3] }
	return group(d[0:3]) + ", " + group(d[3:6]) + ", " + group(d[6:9])
}

// encode writes the journey as its file: one screen line a line, so that a changed wording
// is a changed line in the diff.
func (j Journey) encode() []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"about\": " + jsonString(j.About) + ",\n  \"dials\": [")
	for i, d := range j.Dials {
		b.WriteString(sep(i) + "\n    {\"phone\": " + jsonString(d.Phone) + ", \"hops\": [")
		for k, h := range d.Hops {
			b.WriteString(sep(k) + "\n      {")
			if h.Press != nil {
				b.WriteString("\"press\": " + jsonString(*h.Press) + ", ")
			}
			for _, flag := range []struct {
				on   bool
				name string
			}{{h.Again, "again"}, {h.Silent, "silent"}, {h.Record, "record"}} {
				if flag.on {
					b.WriteString("\"" + flag.name + "\": true, ")
				}
			}
			if h.Step != 0 {
				fmt.Fprintf(&b, "\"step\": %d, ", h.Step)
			}
			b.WriteString("\"screen\": [")
			for l, line := range h.Screen {
				b.WriteString(sep(l) + "\n        " + jsonString(line))
			}
			b.WriteString("\n      ]}")
		}
		b.WriteString("\n    ]}")
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}

func sep(i int) string {
	if i == 0 {
		return ""
	}
	return ","
}

// jsonString quotes s for JSON without escaping <, > and &, which voice answers are full of.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}
