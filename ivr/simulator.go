package ivr

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Simulator stands in for a phone and Africa's Talking's voice platform, so the voice menus
// can be tried against a running gateway (`huduma call`): it posts the callbacks Africa's
// Talking would, follows each answer's callbackUrl, and prints what the caller would hear.
// There is no voice sandbox at Africa's Talking; this is how the channel is tried by hand.
type Simulator struct {
	URL    string // the gateway's voice callback URL, with ?key= when it needs one
	Phone  string // the caller
	Number string // the number dialled: the contact centre, or the agent line
	// RecordingBase is where simulated recordings "are": a recording's URL is this, the
	// session id and a count (default SimRecordingBase).
	RecordingBase string
	Client        *http.Client
	Now           func() time.Time // the call's clock, for its duration (default time.Now)
}

// Defaults of the simulator.
const (
	SimDefaultPhone  = "+254712345678"
	SimDefaultNumber = "+254711082000"
	SimRecordingBase = "https://voice.example.org/recordings/"
	simCostPerMinute = 2.0 // KES, what the simulated calls "cost"
)

// What a simulated call waits for after an answer.
const (
	WaitKeys      = "keys"      // a GetDigits: keys, an empty line for silence
	WaitRecording = "recording" // a Record: "rec" for a finished recording
	WaitQueue     = "queue"     // in an agent queue: "agent PHONE" to be answered, or hang up
	WaitConnected = "connected" // talking to someone (Dial, Dequeue, answered from the queue)
	WaitNothing   = ""          // the call has ended
)

// SimCall is one simulated call.
type SimCall struct {
	sim     *Simulator
	Session string
	started time.Time
	// Last is the gateway's latest answer.
	Last *Node
	// Lines are what the caller heard and saw since the last input, for printing.
	Lines []string
	wait  string
	recs  int
	// hops bounds the Redirects followed in a row, against a gateway that redirects for ever.
	hops int
}

// NewSimSessionID draws a voice session id in Africa's Talking's style.
func NewSimSessionID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return "ATVId_sim" + hex.EncodeToString(b), nil
}

func (s *Simulator) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 15 * time.Second}
}

func (s *Simulator) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Dial places the call: the first callback, as the number's callback URL gets it.
func (s *Simulator) Dial(ctx context.Context) (*SimCall, error) {
	id, err := NewSimSessionID()
	if err != nil {
		return nil, err
	}
	c := &SimCall{sim: s, Session: id, started: s.now()}
	return c, c.post(ctx, s.URL, url.Values{"callSessionState": {"Ringing"}})
}

// Waiting is what the call waits for (one of the Wait constants).
func (c *SimCall) Waiting() string { return c.wait }

// Input acts on one line typed by the caller, as the call's state reads it: keys (an empty
// line lets the prompt pass in silence), "rec" to finish a recording, "agent PHONE" for an
// agent to answer from the queue, "hangup" to end the call.
func (c *SimCall) Input(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	if line == "hangup" {
		return c.Hangup(ctx, "NORMAL_CLEARING")
	}
	switch c.wait {
	case WaitKeys:
		if line == "" {
			return c.silence(ctx)
		}
		return c.post(ctx, c.callbackURL(), url.Values{"dtmfDigits": {line}, "callSessionState": {"Active"}})
	case WaitRecording:
		switch line {
		case "":
			return c.silence(ctx)
		case "rec":
			c.recs++
			base := c.sim.RecordingBase
			if base == "" {
				base = SimRecordingBase
			}
			rec := fmt.Sprintf("%s%s-%d.mp3", base, c.Session, c.recs)
			c.Lines = append(c.Lines, "(recorded "+rec+")")
			return c.post(ctx, c.callbackURL(), url.Values{"recordingUrl": {rec}, "callSessionState": {"Active"}})
		}
		c.Lines = []string{"(recording: type rec when you have finished speaking, an empty line for silence, or hangup)"}
		return nil
	case WaitQueue:
		if agent, ok := strings.CutPrefix(line, "agent "); ok {
			c.wait = WaitConnected
			c.Lines = []string{"(an agent answers: " + strings.TrimSpace(agent) + ")"}
			return c.post(ctx, c.sim.URL, url.Values{"dequeuedToPhoneNumber": {strings.TrimSpace(agent)},
				"dequeueTime": {c.sim.now().Format("2006-01-02 15:04:05")}, "callSessionState": {"Bridged"}})
		}
		c.Lines = []string{"(waiting for an agent: type agent +2547... to be answered, or hangup)"}
		return nil
	case WaitConnected:
		c.Lines = []string{"(on the line: type hangup to end the call)"}
		return nil
	}
	return errors.New("the call has ended")
}

// Hangup sends the end-of-call notification with the call's duration, its cost and the cause.
func (c *SimCall) Hangup(ctx context.Context, cause string) error {
	secs := int(math.Round(c.sim.now().Sub(c.started).Seconds()))
	cost := math.Ceil(float64(max(secs, 1))/60) * simCostPerMinute
	c.Lines = append(c.Lines, fmt.Sprintf("(call ended after %d s: %s)", secs, cause))
	err := c.post(ctx, c.sim.URL, url.Values{
		"isActive": {"0"}, "durationInSeconds": {strconv.Itoa(secs)}, "currencyCode": {"KES"},
		"amount": {strconv.FormatFloat(cost, 'f', 4, 64)}, "hangupCause": {cause}, "callSessionState": {"Completed"},
	})
	c.wait = WaitNothing
	return err
}

// silence lets the prompt pass: Africa's Talking runs the action after it, the Redirect.
func (c *SimCall) silence(ctx context.Context) error {
	c.Lines = append(c.Lines, "(silence)")
	for _, n := range c.Last.Children {
		if n.Name == "Redirect" {
			return c.post(ctx, n.Text, url.Values{"callSessionState": {"Active"}})
		}
	}
	return c.post(ctx, c.callbackURL(), url.Values{"callSessionState": {"Active"}})
}

// callbackURL is the waiting action's callbackUrl.
func (c *SimCall) callbackURL() string {
	for _, n := range c.Last.Children {
		if n.Name == "GetDigits" || n.Name == "Record" {
			return n.Attr("callbackUrl")
		}
	}
	return c.sim.URL
}

// post sends one callback and reads the answer. The callback goes to the gateway the call
// was placed to, whatever host a callbackUrl names (the public address Africa's Talking
// uses may not be reachable from here); its path and query are kept.
func (c *SimCall) post(ctx context.Context, target string, extra url.Values) error {
	target, err := c.sim.onGateway(target)
	if err != nil {
		return err
	}
	form := url.Values{
		"isActive": {"1"}, "sessionId": {c.Session}, "direction": {"Inbound"},
		"callerNumber": {c.sim.Phone}, "destinationNumber": {c.sim.Number},
		"callerCarrierName": {"Safaricom"}, "callerCountryCode": {"254"},
	}
	for k, v := range extra {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("voice callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.sim.client().Do(req)
	if err != nil {
		return fmt.Errorf("voice callback: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("voice callback: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("voice callback: the gateway answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	root, err := Parse(body)
	if err != nil {
		return err
	}
	if form.Get("isActive") == "0" {
		return nil // the end-of-call notification's answer carries nothing to act on
	}
	if form.Get("dequeuedToPhoneNumber") != "" {
		return nil // a notification; the call stays with the agent
	}
	c.Last = root
	if !strings.Contains(target, "timeout=1") {
		c.hops = 0
	}
	c.read(ctx, root)
	return nil
}

// read turns an answer into what the caller hears, and what the call waits for next.
func (c *SimCall) read(ctx context.Context, root *Node) {
	c.wait = WaitNothing
	prompt := func(n *Node) {
		switch n.Name {
		case "Say":
			c.Lines = append(c.Lines, "SAY   "+n.Text)
		case "Play":
			c.Lines = append(c.Lines, "PLAY  "+n.Attr("url"))
		}
	}
	for _, n := range root.Children {
		switch n.Name {
		case "Say", "Play":
			prompt(n)
		case "GetDigits":
			for _, p := range n.Children {
				prompt(p)
			}
			c.wait = WaitKeys
			c.Lines = append(c.Lines, "      (keys, then Enter; an empty line is silence; hangup ends the call)")
			return
		case "Record":
			for _, p := range n.Children {
				prompt(p)
			}
			c.wait = WaitRecording
			c.Lines = append(c.Lines, "      (beep: speak, then type rec; an empty line is silence)")
			return
		case "Enqueue":
			c.wait = WaitQueue
			c.Lines = append(c.Lines, fmt.Sprintf("QUEUE %s (hold music %s): type agent +2547... to be answered, or hangup", n.Attr("name"), n.Attr("holdMusic")))
			return
		case "Dequeue":
			c.wait = WaitConnected
			c.Lines = append(c.Lines, fmt.Sprintf("DEQUEUE the longest-waiting caller of %s (on %s); hangup ends the call", n.Attr("name"), n.Attr("phoneNumber")))
			return
		case "Dial":
			c.wait = WaitConnected
			c.Lines = append(c.Lines, "DIAL  "+n.Attr("phoneNumbers")+"; hangup ends the call")
			return
		case "Redirect":
			if c.hops++; c.hops > 10 {
				c.Lines = append(c.Lines, "(too many redirects in a row)")
				return
			}
			if err := c.post(ctx, n.Text, url.Values{"callSessionState": {"Active"}}); err != nil {
				c.Lines = append(c.Lines, "(redirect failed: "+err.Error()+")")
			}
			return
		case "Reject":
			c.Lines = append(c.Lines, "REJECT (the call is refused)")
		}
	}
}

// onGateway points target at the simulator's gateway, keeping its path and query.
func (s *Simulator) onGateway(target string) (string, error) {
	base, err := url.Parse(s.URL)
	if err != nil || base.Host == "" {
		return "", fmt.Errorf("voice callback URL %q: want http(s)://host/at/voice", s.URL)
	}
	t, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("callbackUrl %q: %w", target, err)
	}
	t.Scheme, t.Host, t.User = base.Scheme, base.Host, base.User
	return t.String(), nil
}

// Run places a call and drives it from in, one line per input, printing what the caller hears
// to out. With echo, each input is printed as typed (for scripts). When in runs out before
// the call ends, the caller hangs up.
func (s *Simulator) Run(ctx context.Context, in io.Reader, out io.Writer, echo bool) error {
	fmt.Fprintf(out, "Calling %s from %s (session ends with hangup or Ctrl-D)\n", s.Number, s.Phone)
	c, err := s.Dial(ctx)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for {
		for _, l := range c.Lines {
			fmt.Fprintln(out, l)
		}
		c.Lines = nil
		if c.wait == WaitNothing {
			if err := c.Hangup(ctx, "NORMAL_CLEARING"); err != nil {
				return err
			}
			fmt.Fprintln(out, c.Lines[len(c.Lines)-1])
			return nil
		}
		fmt.Fprint(out, "> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			if err := sc.Err(); err != nil {
				return err
			}
			if err := c.Hangup(ctx, "NORMAL_CLEARING"); err != nil {
				return err
			}
			fmt.Fprintln(out, c.Lines[len(c.Lines)-1])
			return nil
		}
		line := sc.Text()
		if echo {
			fmt.Fprintln(out, line)
		}
		if strings.TrimSpace(line) == "hangup" {
			if err := c.Hangup(ctx, "NORMAL_CLEARING"); err != nil {
				return err
			}
			fmt.Fprintln(out, c.Lines[len(c.Lines)-1])
			return nil
		}
		if err := c.Input(ctx, line); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
