package ivr_test

import (
	"net/url"
	"testing"
)

// Whatever a voice callback carries, the answer is XML Africa's Talking accepts, or a 4xx,
// never a 500. Seeds in testdata/fuzz/FuzzCallback.
func FuzzCallback(f *testing.F) {
	f.Add("ATVId_f1", "1", "+254712000001", "1", "", "")
	f.Add("ATVId_f2", "1", "+254712000001", "2*\x00", "https://voice.example/r.mp3", "3")
	f.Add("ATVId_f3", "0", "+2547\xff", "", "javascript:alert(1)", "1e308")
	w := newWorld(f, setup{})
	w.logs.AllowErrors()
	f.Fuzz(func(t *testing.T, session, active, caller, digits, recording, duration string) {
		form := url.Values{"sessionId": {session}, "isActive": {active}, "direction": {"Inbound"}, "callerNumber": {caller},
			"destinationNumber": {number}, "dtmfDigits": {digits}, "recordingUrl": {recording}, "durationInSeconds": {duration}}
		status, ctype, body := w.post(t, "/at/voice?key="+key, form.Encode())
		if status >= 500 {
			t.Fatalf("%d %s %q", status, ctype, body)
		}
		if status == 200 {
			if errs := validateAT(t, body); len(errs) > 0 {
				t.Fatalf("%v\n%s", errs, body)
			}
		}
	})
}
