package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ivr"
	sessionredis "github.com/huduma-connect/huduma/store/redis"
)

var checkHelp = command{name: "check", usage: "huduma check [flags]",
	summary: "Reads the configuration (the same flags and environment as serve) and says what works and what does not: the settings, the database, " +
		"the sessions, Africa's Talking's credentials, the voice recordings, the callback key and the public URL. Exits 1 when something " +
		"serve needs is wrong. Run it before a deploy.",
	examples: []string{"huduma check", "HUDUMA_ADDR=0.0.0.0:8080 HUDUMA_DATABASE_URL=postgres://huduma@db:5432/huduma huduma check"}}

// errCheckFailed is check's verdict when something required is wrong; the lines said what.
var errCheckFailed = errors.New("check: something serve needs is wrong (the FAIL lines above)")

// checkCommand is `huduma check`.
func checkCommand(ctx context.Context, args []string, out io.Writer) error {
	var cfg config
	fs := checkHelp.flags()
	flagErr := cfg.flags(fs, true)
	if err := checkHelp.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return misuse("check", "unexpected arguments %q (flags only)", fs.Args())
	}
	failed := false
	say := func(verdict, what, detail string) {
		if verdict == "FAIL" {
			failed = true
		}
		fmt.Fprintf(out, "%-4s  %-12s %s\n", verdict, what, detail)
	}
	if log, err := cfg.logger(); err == nil {
		sessionredis.LogThrough(log) // go-redis's own lines at debug, as serve does
	}
	if err := errors.Join(flagErr, cfg.validate()); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			say("FAIL", "setting", line)
		}
		return errCheckFailed
	}
	say("ok", "settings", "every setting reads")

	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if s, name, err := openStore(ctx, cfg.DatabaseURL); err != nil {
		say("FAIL", "database", err.Error())
	} else {
		if err := s.Ping(ctx); err != nil {
			say("FAIL", "database", name+": "+err.Error())
		} else {
			say("ok", "database", name)
		}
		s.Close()
	}
	if cfg.RedisURL == "" {
		say("ok", "sessions", "in memory: one process only (HUDUMA_REDIS_URL for several replicas)")
	} else if sess, err := openSessions(ctx, cfg.RedisURL, cfg.RedisPipeline); err != nil {
		say("FAIL", "sessions", err.Error())
	} else {
		say("ok", "sessions", sess.name)
		sess.close()
	}

	sc, err := readSMSConfig()
	switch {
	case err != nil:
		say("FAIL", "sms", err.Error())
	case sc.Username == "" || sc.APIKey == "":
		say("warn", "sms", "HUDUMA_AT_USERNAME and HUDUMA_AT_API_KEY are not set: messages stay queued, nothing is sent")
	default:
		say("ok", "sms", "Africa's Talking credentials set for "+sc.Username+" (not tried: check sends nothing)")
	}

	switch {
	case cfg.CallbackKey == "" && !loopbackOnly(cfg.Addr) && !cfg.InsecureCallback:
		say("FAIL", "callbacks", "HUDUMA_ADDR="+cfg.Addr+" is reachable from other machines and HUDUMA_CALLBACK_KEY is empty: serve refuses to start")
	case cfg.CallbackKey == "" && !loopbackOnly(cfg.Addr):
		say("warn", "callbacks", "HUDUMA_INSECURE_CALLBACKS=true: anyone who can reach "+cfg.Addr+" can forge callbacks")
	case cfg.CallbackKey == "":
		say("ok", "callbacks", "no key, on loopback only ("+cfg.Addr+")")
	case len(cfg.CallbackKey) < 24:
		say("warn", "callbacks", fmt.Sprintf("HUDUMA_CALLBACK_KEY has %d characters; use 24 or more (openssl rand -hex 24)", len(cfg.CallbackKey)))
	default:
		say("ok", "callbacks", "a key is required on every callback")
	}

	switch {
	case cfg.Voice.PublicURL == "" && !loopbackOnly(cfg.Addr):
		say("warn", "public url", "HUDUMA_PUBLIC_URL is not set: voice callbacks are sent back to the address each one arrived on, wrong behind a proxy that terminates TLS")
	case strings.HasPrefix(cfg.Voice.PublicURL, "http://"):
		say("warn", "public url", "HUDUMA_PUBLIC_URL is http: callbacks and the console travel unencrypted")
	case cfg.Voice.PublicURL != "":
		say("ok", "public url", cfg.Voice.PublicURL)
	}

	audio := ivr.NoAudio()
	if cfg.Voice.Audio != "" {
		if audio, err = ivr.LoadAudioFile(cfg.Voice.Audio); err != nil {
			say("FAIL", "recordings", err.Error())
		}
	}
	if audio != nil {
		if missing := audio.Missing(crm.Swahili, ivr.PromptKeys); len(missing) > 0 {
			say("warn", "recordings", fmt.Sprintf("%d Kiswahili voice prompts have no recording and are spoken by text-to-speech (HUDUMA_VOICE_AUDIO): %s",
				len(missing), strings.Join(missing, ", ")))
		} else {
			say("ok", "recordings", "every Kiswahili voice prompt has a recording")
		}
		if msgs, err := flows.LoadMessages(); err == nil {
			if stale := audio.Stale(msgs); len(stale) > 0 {
				say("warn", "recordings", fmt.Sprintf("%d recordings no longer say their catalogue text and are not played (re-record them, then update text_sha256): %s",
					len(stale), strings.Join(stale, ", ")))
			}
		}
	}
	if cfg.Voice.Number == "" {
		say("warn", "voice", "HUDUMA_VOICE_NUMBER is not set: agents cannot call citizens back, and queue lengths are not asked")
	} else {
		say("ok", "voice", "contact-centre number "+cfg.Voice.Number)
	}
	if cfg.AdminAddr != "" && !loopbackOnly(cfg.AdminAddr) {
		say("warn", "admin", "HUDUMA_ADMIN_ADDR="+cfg.AdminAddr+" is reachable from other machines: keep /metrics and the profiles off public networks")
	}
	if failed {
		return errCheckFailed
	}
	return nil
}
