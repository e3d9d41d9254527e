package flows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/huduma-connect/huduma/crm"
)

// ErrNoSession means the session store holds no (unexpired) session under that key.
var ErrNoSession = errors.New("no such session")

// ErrStaleSession means a save was refused because the session changed in the store after
// this copy of it was loaded (a repeated request handled at the same time, or by another
// replica). The caller loads the session again and handles the request from there.
var ErrStaleSession = errors.New("session changed since it was loaded")

// SessionStore keeps sessions between hops. Sessions expire on their own (the store's TTL);
// a session that ends mid-booking is also kept under the phone number for a short resume
// window, so the citizen is offered to continue on the next dial.
type SessionStore interface {
	// Load returns the session saved under id, or ErrNoSession.
	Load(ctx context.Context, id string) (*Session, error)
	// Save writes the session. With keepForResume it also keeps a copy under the session's
	// phone for the resume window; without, it removes any such copy (a finished or
	// abandoned booking is not offered back). Resume copies are USSD's: saving a session of
	// another channel (Channel set) neither keeps nor drops one, so a citizen who calls the
	// voice line after a dropped USSD booking can still continue it. It is one round trip.
	//
	// Save is conditional: it writes only if the stored session is still the revision s was
	// loaded at (s.Rev; 0 for a session that was not stored), else it writes nothing and
	// returns ErrStaleSession. On success it sets s.Rev to the revision written. This lets a
	// store answer Load from a copy it keeps (no round trip) and still never lose a hop.
	Save(ctx context.Context, s *Session, keepForResume bool) error
	// LoadResumable returns the copy kept for the phone, or ErrNoSession.
	LoadResumable(ctx context.Context, phone crm.Phone) (*Session, error)
}

// Session is one citizen's conversation on one channel: where they are in the menus, what
// they have chosen so far, and the last answer (so a repeated request is answered the same).
type Session struct {
	ID    string    `json:"id"`
	Phone crm.Phone `json:"phone"`
	Lang  crm.Lang  `json:"lang,omitempty"`

	State  string `json:"state"`
	Page   int    `json:"page,omitempty"`
	Screen Screen `json:"screen"`
	// Error is the short error line shown above the screen after wrong input.
	Error string `json:"error,omitempty"`

	Draft Draft `json:"draft,omitempty"`

	// LastRequest and LastReply let a channel answer a repeated request (same session, same
	// input history) with the reply it already gave, without running anything again.
	LastRequest string `json:"last_request"`
	LastReply   string `json:"last_reply"`
	Hops        int    `json:"hops"`
	// Rev is the store's revision of the session this copy was loaded or saved at (see
	// SessionStore.Save). Stores keep it beside the encoding, not in it.
	Rev uint64 `json:"-"`

	// Channel is the channel the session runs on: "" for USSD, ChannelVoice for a phone call.
	// A few screens differ by channel (a recorded complaint instead of a typed one).
	Channel string `json:"channel,omitempty"`
}

// Draft is what the citizen has chosen so far in the booking, appointment, status,
// complaint and callback menus. County, Centre and Service serve complaints too.
type Draft struct {
	County      string        `json:"county,omitempty"`
	Centre      string        `json:"centre,omitempty"`
	Service     string        `json:"service,omitempty"`
	Day         string        `json:"day,omitempty"` // YYYY-MM-DD
	Start       int           `json:"start,omitempty"`
	Appointment crm.Reference `json:"appointment,omitempty"`
	// Ref is the ticket or case number the citizen looked up.
	Ref crm.Reference `json:"ref,omitempty"`
	// Category and Description are the complaint being written.
	Category    crm.Category `json:"category,omitempty"`
	Description string       `json:"description,omitempty"`
	// WindowFrom and WindowTo (Unix seconds) are the callback window chosen; ASAP marks the
	// "as soon as possible" one.
	WindowFrom int64 `json:"window_from,omitempty"`
	WindowTo   int64 `json:"window_to,omitempty"`
	ASAP       bool  `json:"asap,omitempty"`
	// Case is the number of the complaint or callback case just opened.
	Case crm.Reference `json:"case,omitempty"`
	// ResumeState is where a dropped session stood, while the citizen is asked whether to
	// continue from there.
	ResumeState string `json:"resume_state,omitempty"`
}

// Clone copies the session so that the copy shares nothing mutable with s: strings are
// immutable, and the only reference in a Session is its screen's options (a test fails when
// a field adds another, so that Clone is extended with it). Session stores hand out and keep
// clones rather than encodings: decoding JSON on every hop was the largest cost of a hop.
func (s *Session) Clone() *Session {
	c := *s
	c.Screen.Options = slices.Clone(s.Screen.Options)
	return &c
}

// MarshalBinary encodes the session for a session store. Every store uses this one encoding,
// so the embedded and the Redis store hold exactly the same thing.
func (s *Session) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// AppendBinary appends MarshalBinary's encoding to b, so that a store writing every hop can
// reuse one buffer instead of allocating the encoding each time.
func (s *Session) AppendBinary(b []byte) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	if err := json.NewEncoder(buf).Encode(s); err != nil {
		return b, fmt.Errorf("encode session: %w", err)
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil // Encode ends the value with a newline; Marshal does not
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (s *Session) UnmarshalBinary(b []byte) error {
	if err := json.Unmarshal(b, s); err != nil {
		return fmt.Errorf("decode session: %w", err)
	}
	return nil
}

// Option is one numbered choice on a screen. Numbers are positions (1-based) in Options.
type Option struct {
	Label string `json:"l"`
	Value string `json:"v"`
}

// InputKind is what a screen expects the citizen to type.
type InputKind string

const (
	InputChoice InputKind = "choice" // a number from the options
	InputText   InputKind = "text"   // free text (a reference, a description)
	InputNone   InputKind = ""       // a final screen
	// InputRecording is a recorded message (voice): the input is the recording's URL.
	InputRecording InputKind = "recording"
)

// Screen is what a flow shows: a prompt, numbered options, and what it expects back. It is
// channel-neutral: USSD renders it as text, voice as speech, SMS as a message.
type Screen struct {
	// Key is the catalogue key of the prompt, so a channel can choose a recording for it.
	Key     string    `json:"key"`
	Text    string    `json:"text"`
	Options []Option  `json:"options,omitempty"`
	Input   InputKind `json:"input,omitempty"`
	// End marks the last screen of a session.
	End bool `json:"end,omitempty"`
	// Nav says the 0 (back) and 00 (main menu) conventions apply here.
	Nav bool `json:"nav,omitempty"`

	// Queue, on a voice screen, names the agent queue the caller is put in after hearing it.
	Queue string `json:"queue,omitempty"`
	// CaseID is the case this screen announces as just opened, so a channel can link it (a
	// call's record to its case).
	CaseID int64 `json:"case_id,omitempty"`
}
