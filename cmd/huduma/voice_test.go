package main

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/ivr"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A new user tries the voice channel as the issue asks: `huduma call -script` plays a caller
// who chooses English, complains about staff conduct by recording a message and hangs up; a
// supervisor then finds the case in the API with the recording and the call.
func TestComplaintByVoiceThroughTheSimulatorReachesTheAPI(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			var out bytes.Buffer
			if err := agentCommand(storetest.Context(t), []string{"add", "-db", url, "-username", "njeri", "-role", "supervisor",
				"-phone", "+254722000009", "-password-stdin"}, strings.NewReader("a long passphrase\n"), &out); err != nil {
				t.Fatalf("agent add: %v", err)
			}
			base, _ := startGatewayWith(t, "-db", url, "-callback-key", "k3y", "-voice-number", "+254711082000")
			script := filepath.Join(t.TempDir(), "complaint.txt")
			// The lines the README gives, so that its example cannot drift from the menus.
			if err := os.WriteFile(script, []byte(strings.Join(readmeCallLines(t), "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			phone := randomPhone(t)
			out.Reset()
			if err := callCommand(storetest.Context(t), []string{"-url", base + ivr.Path + "?key=k3y", "-phone", phone, "-script", script}, nil, &out); err != nil {
				t.Fatalf("call: %v\n%s", err, out.String())
			}
			said := out.String()
			for _, want := range []string{"SAY   Karibu Huduma. Welcome to Huduma. English, press 1.", "> 3\n", "SAY   After the tone",
				"(recorded https://voice.example.org/recordings/", "SAY   Complaint received. Case ", "(call ended after "} {
				if !strings.Contains(said, want) {
					t.Fatalf("huduma call printed\n%s\nwithout %q", said, want)
				}
			}

			token := apiLogin(t, base, "njeri", "a long passphrase")
			var list struct {
				Cases []struct {
					ID           int64  `json:"id"`
					Number       string `json:"number_grouped"`
					Phone        string `json:"phone"`
					Category     string `json:"category"`
					RecordingURL string `json:"recording_url"`
				} `json:"cases"`
			}
			apiCall(t, base, token, "GET", "/api/v1/cases?status=new,assigned", "", http.StatusOK, &list)
			if len(list.Cases) != 1 || list.Cases[0].Phone != phone || list.Cases[0].Category != "staff_conduct" ||
				!strings.HasPrefix(list.Cases[0].RecordingURL, ivr.SimRecordingBase) {
				t.Fatalf("cases = %+v", list.Cases)
			}
			var detail struct {
				Calls []struct {
					Outcome      string `json:"outcome"`
					RecordingURL string `json:"recording_url"`
					Active       bool   `json:"active"`
					HangupCause  string `json:"hangup_cause"`
				} `json:"calls"`
			}
			apiCall(t, base, token, "GET", "/api/v1/cases/"+itoa(list.Cases[0].ID), "", http.StatusOK, &detail)
			if len(detail.Calls) != 1 || detail.Calls[0].Outcome != "complaint" || detail.Calls[0].Active ||
				detail.Calls[0].HangupCause != "NORMAL_CLEARING" || detail.Calls[0].RecordingURL != list.Cases[0].RecordingURL {
				t.Fatalf("calls of the case = %+v", detail.Calls)
			}
		})
	}
}

// Voice settings are checked at start-up and named when wrong.
func TestVoiceSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-voice-number", "0711082000"}, "HUDUMA_VOICE_NUMBER"},
		{[]string{"-voice-agent-line", "+254711082999"}, "HUDUMA_VOICE_AGENT_LINE (-voice-agent-line) is set but HUDUMA_VOICE_NUMBER (-voice-number) is not"},
		{[]string{"-voice-hold-music", "hold.mp3"}, "HUDUMA_VOICE_HOLD_MUSIC"},
		{[]string{"-public-url", "https://huduma.test/at/voice"}, "HUDUMA_PUBLIC_URL"},
	} {
		var cfg config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		if err := cfg.flags(fs, true); err != nil {
			t.Fatal(err)
		}
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Voice.check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	t.Setenv("HUDUMA_VOICE_MAX_QUEUE", "lots")
	var cfg config
	if err := cfg.flags(flag.NewFlagSet("serve", flag.ContinueOnError), true); err == nil || !strings.Contains(err.Error(), "HUDUMA_VOICE_MAX_QUEUE") {
		t.Errorf("a malformed HUDUMA_VOICE_MAX_QUEUE: %v", err)
	}
}
