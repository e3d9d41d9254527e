package ivr_test

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/ivr"
	"github.com/huduma-connect/huduma/store/storetest"
)

// The simulator behind `huduma call` walks a gateway's menus as Africa's Talking would:
// a complaint, recorded, then hangs up; silence is a Redirect; the queue waits for an agent.
func TestSimulatorDrivesACall(t *testing.T) {
	w := newWorld(t, setup{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go w.app.Listener(ln)
	t.Cleanup(func() { w.app.Shutdown() })
	p := w.citizen(t, crm.English)
	sim := &ivr.Simulator{URL: "http://" + ln.Addr().String() + "/at/voice?key=" + key, Phone: string(p), Number: number}

	var out bytes.Buffer
	script := "\n3\n2\nrec\n1\n"
	if err := sim.Run(storetest.Context(t), strings.NewReader(script), &out, true); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"SAY   Welcome to Huduma Kenya. To check a status, press 1.",
		"(silence)", "SAY   Sorry, we did not hear anything. Welcome to Huduma Kenya.",
		"SAY   After the tone, tell us what happened",
		"(recorded https://voice.example.org/recordings/ATVId_sim",
		"SAY   Complaint received. Case ",
		"(call ended after ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the simulator printed\n%s\nwithout %q", out.String(), want)
		}
	}
	cases, err := w.store.Cases(storetest.Context(t), crm.CaseFilter{Phone: p, Limit: 5})
	if err != nil || len(cases) != 1 || !strings.HasPrefix(cases[0].RecordingURL, ivr.SimRecordingBase) {
		t.Fatalf("cases %+v %v", cases, err)
	}
	calls, err := w.store.CallsOfCase(storetest.Context(t), cases[0].ID)
	if err != nil || len(calls) != 1 || calls[0].Active || calls[0].HangupCause != "NORMAL_CLEARING" || calls[0].Cost == "" {
		t.Fatalf("calls %+v %v", calls, err)
	}

	out.Reset()
	if err := sim.Run(storetest.Context(t), strings.NewReader("0\nagent "+string(agentEN)+"\nhangup\n"), &out, true); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "QUEUE agents-en (hold music "+holdMusic+")") || !strings.Contains(out.String(), "(an agent answers: ") {
		t.Fatalf("queue walk printed\n%s", out.String())
	}
}
