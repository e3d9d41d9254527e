package flows_test

import (
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/flows/flowstest"
)

// A "voice:" entry replaces an entry that exists, taking the same arguments, on calls only:
// the USSD screens keep their short forms.
func TestVoiceVariantsReplaceExistingEntries(t *testing.T) {
	m, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	voice := m.ForChannel(flows.ChannelVoice)
	n := 0
	for _, k := range m.Keys() {
		base, ok := strings.CutPrefix(k, flows.ChannelVoice+":")
		if !ok {
			continue
		}
		n++
		for _, l := range []crm.Lang{crm.English, crm.Swahili} {
			orig, variant := m.Text(l, base), m.Text(l, k)
			if orig == base {
				t.Errorf("%s replaces %s, which does not exist", k, base)
				continue
			}
			if strings.Count(orig, "%[") != strings.Count(variant, "%[") {
				t.Errorf("%s %s takes other arguments than %s: %q vs %q", l, k, base, variant, orig)
			}
			if voice.Text(l, base) != variant {
				t.Errorf("%s %s on a call reads %q", l, base, voice.Text(l, base))
			}
		}
	}
	if n == 0 {
		t.Fatal("no voice variants")
	}
	if m.Text(crm.English, "day.2") != "Tue" || voice.Text(crm.English, "day.2") != "Tuesday" {
		t.Errorf("day.2: USSD %q, voice %q", m.Text(crm.English, "day.2"), voice.Text(crm.English, "day.2"))
	}
}

// The voice menus cannot be built without knowing the contact centre's hours.
func TestVoiceEngineNeedsTheContactCentre(t *testing.T) {
	w := flowstest.New(t, 10)
	if _, err := flows.NewVoiceEngine(w.Desk, w.Office, w.Msgs, flows.VoiceConfig{}); err == nil {
		t.Fatal("built without hours")
	}
	e, err := flows.NewVoiceEngine(w.Desk, w.Office, w.Msgs, flows.VoiceConfig{Centre: w.Office})
	if err != nil {
		t.Fatal(err)
	}
	// A USSD session is not a call: no agent queue from it.
	s := &flows.Session{ID: "ATUid_1", Phone: "+254712000001", Lang: crm.English, State: "main", Screen: flows.Screen{Input: flows.InputChoice}}
	if e.AgentReachable(s) {
		t.Error("an agent is reachable from a USSD session")
	}
	s.Channel = flows.ChannelVoice
	if !e.AgentReachable(s) {
		t.Error("no agent from a call's main menu")
	}
	if got := flows.AgentQueue(crm.Swahili); got != "agents-sw" {
		t.Errorf("queue %s", got)
	}
}
