package ivr_test

import (
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// hangupRecording sends the end-of-call notification of a caller who ended a Record by
// hanging up: Africa's Talking sends the recording with it, and with nothing else.
func (c *call) hangupRecording() *call {
	c.t.Helper()
	c.recs++
	return c.send("/at/voice?key="+key, "final_recording", map[string]string{"RECORDING": c.recording(), "DURATION": "61"})
}

// A message left outside hours by hanging up after it still becomes the callback case with
// the recording, and the call's record links it. A complaint recorded that way only reaches
// its confirmation: nothing is lodged without the caller's "send".
func TestMessageLeftByHangingUpBecomesACase(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := storetest.Context(t)
	w.clock.Set(closed)
	p := w.citizen(t, crm.English)
	c := w.dial(t, p).press("0").pick("To leave a voice message").expect("After the tone, say what you need.")
	c.hangupRecording()
	if len(c.root.Children) != 0 {
		t.Fatalf("the end-of-call notification was answered with actions:\n%s", c.body)
	}
	cases, err := w.store.Cases(ctx, crm.CaseFilter{Phone: p, Limit: 10})
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases %v %v", cases, err)
	}
	cs := cases[0]
	if cs.Kind != crm.KindCallback || cs.RecordingURL != c.recording() {
		t.Fatalf("case %+v; want a callback with %s", cs, c.recording())
	}
	got := c.stored()
	if got.CaseID != cs.ID || got.Outcome != crm.CallMessage || got.RecordingURL != c.recording() || got.Active || got.DurationSeconds != 61 {
		t.Fatalf("call %+v", got)
	}
	// Sent twice, or followed by the recording callback itself: still one case.
	c.send("/at/voice?key="+key, "final_recording", map[string]string{"RECORDING": c.recording(), "DURATION": "61"})
	if cases, err := w.store.Cases(ctx, crm.CaseFilter{Phone: p, Limit: 10}); err != nil || len(cases) != 1 {
		t.Fatalf("%d cases after a repeated notification (%v)", len(cases), err)
	}

	w.clock.Set(open)
	q := w.citizen(t, crm.English)
	d := w.dial(t, q).pick("To make a complaint").pick("Corruption or bribery").expect("After the tone")
	d.hangupRecording()
	if s := d.state(); s.Screen.Key != "voice.complaint.confirm" || s.Screen.CaseID != 0 {
		t.Fatalf("a complaint recorded by hanging up left the call on %s (case %d)", s.Screen.Key, s.Screen.CaseID)
	}
	if cases, err := w.store.Cases(ctx, crm.CaseFilter{Phone: q, Limit: 10}); err != nil || len(cases) != 0 {
		t.Fatalf("a complaint was lodged without its confirmation: %v (%v)", cases, err)
	}
	if got := d.stored(); got.RecordingURL != "" || got.CaseID != 0 {
		t.Fatalf("call %+v", got)
	}
}

// A recording reaches the call's record only with its case: a complaint recorded, then
// cancelled (or not yet sent), leaves none there for phone staff to hear.
func TestRecordingOnlyWithItsCase(t *testing.T) {
	w := newWorld(t, setup{})
	c := w.dial(t, w.citizen(t, crm.English)).pick("To make a complaint").pick("Corruption or bribery").record()
	if got := c.stored(); got.RecordingURL != "" {
		t.Fatalf("an unsent complaint's recording is on the call: %+v", got)
	}
	c.pick("To cancel")
	c.hangup(40, "NORMAL_CLEARING")
	if got := c.stored(); got.RecordingURL != "" || got.CaseID != 0 {
		t.Fatalf("a cancelled complaint's recording is on the call: %+v", got)
	}
}
