package ivr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The voice actions Africa's Talking executes, as its documentation and the official SDKs'
// ActionBuilder write them (attribute spellings follow the documentation: callbackUrl,
// ringbackTone). Each is a struct marshalled by encoding/xml, so text and URLs are escaped by
// the encoder, never by hand.

// Action is one voice action in a Response.
type Action interface{ action() }

// Prompt is what a GetDigits or Record wraps: exactly one Say or Play.
type Prompt interface {
	Action
	prompt()
}

// Response is the answer to a voice callback: its actions run in order.
type Response struct {
	XMLName xml.Name `xml:"Response"`
	Actions []Action
}

// Say speaks text with Africa's Talking's text-to-speech.
type Say struct {
	XMLName  xml.Name `xml:"Say"`
	Voice    string   `xml:"voice,attr,omitempty"` // "man" or "woman"
	PlayBeep bool     `xml:"playBeep,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

// Play plays recorded audio from a URL.
type Play struct {
	XMLName xml.Name `xml:"Play"`
	URL     string   `xml:"url,attr"`
}

// GetDigits plays its prompt and collects key presses, which Africa's Talking posts to
// CallbackURL as dtmfDigits. When the caller presses nothing, the next action runs.
type GetDigits struct {
	XMLName     xml.Name `xml:"GetDigits"`
	Timeout     int      `xml:"timeout,attr,omitempty"` // seconds
	FinishOnKey string   `xml:"finishOnKey,attr,omitempty"`
	NumDigits   int      `xml:"numDigits,attr,omitempty"`
	CallbackURL string   `xml:"callbackUrl,attr,omitempty"`
	Prompt      Prompt
}

// Record plays its prompt and records the caller; the recording's URL is posted to
// CallbackURL as recordingUrl.
type Record struct {
	XMLName     xml.Name `xml:"Record"`
	FinishOnKey string   `xml:"finishOnKey,attr,omitempty"`
	MaxLength   int      `xml:"maxLength,attr,omitempty"` // seconds
	TrimSilence bool     `xml:"trimSilence,attr,omitempty"`
	PlayBeep    bool     `xml:"playBeep,attr,omitempty"`
	CallbackURL string   `xml:"callbackUrl,attr,omitempty"`
	Prompt      Prompt
}

// Dial connects the caller to one of PhoneNumbers (comma-separated).
type Dial struct {
	XMLName      xml.Name `xml:"Dial"`
	PhoneNumbers string   `xml:"phoneNumbers,attr"`
	Record       bool     `xml:"record,attr,omitempty"`
	Sequential   bool     `xml:"sequential,attr,omitempty"`
	CallerID     string   `xml:"callerId,attr,omitempty"`
	RingbackTone string   `xml:"ringbackTone,attr,omitempty"`
	MaxDuration  int      `xml:"maxDuration,attr,omitempty"` // seconds
}

// Enqueue puts the caller in a named queue, with music while they wait.
type Enqueue struct {
	XMLName   xml.Name `xml:"Enqueue"`
	HoldMusic string   `xml:"holdMusic,attr,omitempty"`
	Name      string   `xml:"name,attr,omitempty"`
}

// Dequeue connects the agent who called in to the longest-waiting caller of a queue.
// PhoneNumber is the number the waiting callers dialled.
type Dequeue struct {
	XMLName     xml.Name `xml:"Dequeue"`
	PhoneNumber string   `xml:"phoneNumber,attr"`
	Name        string   `xml:"name,attr,omitempty"`
}

// Redirect hands the call to the script at URL.
type Redirect struct {
	XMLName xml.Name `xml:"Redirect"`
	URL     string   `xml:",chardata"`
}

// Reject refuses the call; it must be the only action of its Response.
type Reject struct {
	XMLName xml.Name `xml:"Reject"`
}

func (*Say) action()       {}
func (*Play) action()      {}
func (*GetDigits) action() {}
func (*Record) action()    {}
func (*Dial) action()      {}
func (*Enqueue) action()   {}
func (*Dequeue) action()   {}
func (*Redirect) action()  {}
func (*Reject) action()    {}

func (*Say) prompt()  {}
func (*Play) prompt() {}

// Builder assembles a Response the way the SDKs' ActionBuilder does: one call per action, in
// the order they run.
type Builder struct{ r Response }

// NewBuilder starts an empty response.
func NewBuilder() *Builder { return &Builder{} }

// Say adds text-to-speech.
func (b *Builder) Say(text, voice string) *Builder { return b.Add(&Say{Voice: voice, Text: text}) }

// Play adds recorded audio.
func (b *Builder) Play(url string) *Builder { return b.Add(&Play{URL: url}) }

// Add appends any action.
func (b *Builder) Add(a ...Action) *Builder {
	b.r.Actions = append(b.r.Actions, a...)
	return b
}

// Response is what was built.
func (b *Builder) Response() Response { return b.r }

// Bytes is the built response as Africa's Talking reads it.
func (b *Builder) Bytes() []byte { return b.r.Bytes() }

// Bytes marshals the response with its XML declaration. The actions are this package's own
// types, which always marshal; a failure would be a programming error, answered with an empty
// (still valid) response.
func (r Response) Bytes() []byte {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(r); err != nil {
		return []byte(xml.Header + "<Response></Response>")
	}
	return buf.Bytes()
}

// Node is a parsed XML element: a response read back, by the simulator and the tests.
type Node struct {
	Name     string
	Attrs    map[string]string
	Text     string // character data directly inside, trimmed
	Children []*Node
	// AttrOrder keeps the attributes as written, for messages.
	AttrOrder []string
}

// Attr is the value of an attribute ("" when absent).
func (n *Node) Attr(name string) string { return n.Attrs[name] }

// Parse reads a voice response into a tree of nodes; it fails on anything that is not
// well-formed XML with a single root.
func Parse(b []byte) (*Node, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var root *Node
	var stack []*Node
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("parse voice response: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: t.Name.Local, Attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.Attrs[a.Name.Local] = a.Value
				n.AttrOrder = append(n.AttrOrder, a.Name.Local)
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("parse voice response: more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.Text = strings.TrimSpace(n.Text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("parse voice response: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("parse voice response: no root element")
	}
	return root, nil
}
