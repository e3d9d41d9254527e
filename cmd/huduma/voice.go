package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ivr"
	"github.com/huduma-connect/huduma/sms/africastalking"
)

// voiceSettings configure the voice channel (POST /at/voice). Like every setting, each is an
// environment variable that a serve flag overrides.
type voiceSettings struct {
	Number    string // HUDUMA_VOICE_NUMBER: the contact-centre number citizens call
	AgentLine string // HUDUMA_VOICE_AGENT_LINE: the number agents call to take a caller
	HoldMusic string // HUDUMA_VOICE_HOLD_MUSIC: URL of the queue's music
	Audio     string // HUDUMA_VOICE_AUDIO: CSV lang,key,url,text_sha256 of recorded prompts
	MaxQueue  int    // HUDUMA_VOICE_MAX_QUEUE: callers waiting from which a callback is offered instead
	PublicURL string // HUDUMA_PUBLIC_URL: the gateway's address as Africa's Talking reaches it
}

// voiceNumber is a phone number as Africa's Talking writes it: E.164.
var voiceNumber = regexp.MustCompile(`^\+[1-9]\d{7,14}$`)

// flags registers the voice settings on the serve flag set.
func (v *voiceSettings) flags(fs *flag.FlagSet) error {
	str := func(p *string, name, env, help string) {
		fs.StringVar(p, name, envOr(env, ""), help+" ("+env+")")
	}
	str(&v.Number, "voice-number", "HUDUMA_VOICE_NUMBER", "the contact-centre number citizens call, E.164 (+254…)")
	str(&v.AgentLine, "voice-agent-line", "HUDUMA_VOICE_AGENT_LINE", "the number agents call to take the longest-waiting caller; empty: none")
	str(&v.HoldMusic, "voice-hold-music", "HUDUMA_VOICE_HOLD_MUSIC", "URL of the music callers hear in the agent queue")
	str(&v.Audio, "voice-audio", "HUDUMA_VOICE_AUDIO", "CSV file of recorded prompts (lang,key,url,text_sha256); Kiswahili prompts without one are spoken by text-to-speech")
	str(&v.PublicURL, "public-url", "HUDUMA_PUBLIC_URL", "the gateway's address as Africa's Talking reaches it, e.g. https://huduma.example.go.ke; empty: the address each callback arrived on")
	raw := envOr("HUDUMA_VOICE_MAX_QUEUE", strconv.Itoa(flows.DefaultMaxQueue))
	var err error
	if err = (*intValue)(&v.MaxQueue).Set(raw); err != nil {
		err = fmt.Errorf("HUDUMA_VOICE_MAX_QUEUE (-voice-max-queue) = %q: %w, e.g. %d", raw, err, flows.DefaultMaxQueue)
	}
	fs.Var((*intValue)(&v.MaxQueue), "voice-max-queue", "callers waiting in a queue from which a new caller is offered a callback instead (HUDUMA_VOICE_MAX_QUEUE)")
	return err
}

// check refuses settings the channel cannot work with, naming the variable.
func (v *voiceSettings) check() error {
	var errs []error
	for _, n := range []struct{ env, flag, val string }{{"HUDUMA_VOICE_NUMBER", "voice-number", v.Number}, {"HUDUMA_VOICE_AGENT_LINE", "voice-agent-line", v.AgentLine}} {
		if n.val != "" && !voiceNumber.MatchString(n.val) {
			errs = append(errs, fmt.Errorf("%s (-%s) = %q: want an E.164 number such as +254711082000", n.env, n.flag, n.val))
		}
	}
	if v.AgentLine != "" && v.Number == "" {
		errs = append(errs, errors.New("HUDUMA_VOICE_AGENT_LINE (-voice-agent-line) is set but HUDUMA_VOICE_NUMBER (-voice-number) is not: agents are handed callers of that number; set both, e.g. +254711082000 and +254711082001"))
	}
	if v.HoldMusic != "" && !httpURL(v.HoldMusic) {
		errs = append(errs, fmt.Errorf("HUDUMA_VOICE_HOLD_MUSIC (-voice-hold-music) = %q: want an absolute http(s) URL, e.g. https://media.example.go.ke/hold.mp3", redactURL(v.HoldMusic)))
	}
	if v.PublicURL != "" {
		if u, err := url.Parse(v.PublicURL); !httpURL(v.PublicURL) || err != nil || strings.Trim(u.Path, "/") != "" {
			errs = append(errs, fmt.Errorf("HUDUMA_PUBLIC_URL (-public-url) = %q: want scheme and host only, such as https://huduma.example.go.ke", redactURL(v.PublicURL)))
		}
	}
	return errors.Join(errs...)
}

// httpURL reports whether s is an absolute http(s) URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// mountVoice mounts POST /at/voice: the voice menus over the same desk, office and session
// store as USSD. With Africa's Talking credentials and the contact-centre number, the office
// also gets the voice API (outbound calls from cases, queue lengths), which the menus ask
// before queueing a caller; without them, callers are queued without asking.
func mountVoice(cfg config, gw *gateway, msgs *flows.Messages, sessions flows.SessionStore, log *slog.Logger) error {
	v := cfg.Voice
	if err := v.check(); err != nil {
		return err
	}
	audio := ivr.NoAudio()
	if v.Audio != "" {
		var err error
		if audio, err = ivr.LoadAudioFile(v.Audio); err != nil {
			return err
		}
	}
	sc, err := readSMSConfig()
	if err != nil {
		return err
	}
	var queues flows.QueueCounter // stays a nil interface without a dialer
	switch {
	case sc.Username != "" && v.Number != "":
		d := africastalking.VoiceDialer{
			Client: africastalking.New(africastalking.Config{Username: sc.Username, APIKey: sc.APIKey, BaseURL: sc.APIURL, Logger: log}),
			From:   v.Number,
		}
		gw.office.SetVoiceDialer(d)
		queues = d
	case v.Number == "":
		gw.notes = append(gw.notes, "Voice calls:   agents cannot call citizens back until HUDUMA_VOICE_NUMBER (and the SMS credentials) are set")
	default:
		gw.notes = append(gw.notes, "Voice calls:   agents cannot call citizens back until HUDUMA_AT_USERNAME and HUDUMA_AT_API_KEY are set")
	}
	engine, err := flows.NewVoiceEngine(gw.desk, gw.office, msgs, flows.VoiceConfig{
		Centre: gw.office, Queues: queues, MaxQueue: v.MaxQueue, Now: gw.desk.Now, Logger: log,
	})
	if err != nil {
		return err
	}
	h := ivr.New(engine, sessions, gw.office, ivr.Config{
		CallbackKey: cfg.CallbackKey, PublicURL: v.PublicURL, Number: v.Number, AgentLine: v.AgentLine,
		HoldMusic: v.HoldMusic, Audio: audio, Queues: queues, Deadline: cfg.HopDeadline,
		Admission: gw.admission, Logger: log,
	})
	h.Mount(gw.app)
	for l, keys := range h.UnknownRecordings() {
		log.Warn("voice: HUDUMA_VOICE_AUDIO lists recordings of keys no menu plays (a typo, or a renamed key); nobody will hear them",
			"lang", l, "keys", strings.Join(keys, ","))
	}
	if missing := h.MissingRecordings(); len(missing) > 0 {
		gw.notes = append(gw.notes, fmt.Sprintf("Recordings:    %d Kiswahili voice prompts are spoken by text-to-speech (HUDUMA_VOICE_AUDIO; huduma check lists them)", len(missing)))
		log.Debug("voice: Kiswahili prompts without a recording", "missing", len(missing), "keys", strings.Join(missing, ","))
	}
	if stale := h.StaleRecordings(); len(stale) > 0 {
		log.Warn("voice: recordings that no longer say their catalogue text are not played (re-record them, then update text_sha256 in HUDUMA_VOICE_AUDIO)",
			"stale", len(stale))
		log.Debug("voice: stale recordings", "keys", strings.Join(stale, ","))
	}
	if unverified := h.UnverifiedRecordings(); len(unverified) > 0 {
		log.Debug("voice: recordings without a text hash are played unchecked", "count", len(unverified), "keys", strings.Join(unverified, ","))
	}
	log.Debug("voice channel mounted", "path", ivr.Path, "number", v.Number, "agent_line", v.AgentLine,
		"recordings_sw", audio.Len("sw"), "max_queue", v.MaxQueue)
	return nil
}
