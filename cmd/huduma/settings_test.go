package main

import (
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
)

// badSettings is one bad value for each setting of `serve`. Those with no bad value (any text
// is a valid key, any path a file to read later) are named in anyValue with the reason.
var badSettings = map[string]string{
	"HUDUMA_DATABASE_URL": "mysql://db/huduma", "HUDUMA_LOG_LEVEL": "loud", "HUDUMA_TIMEZONE": "Nairobi",
	"HUDUMA_SLA_POLICIES": "corruption=fast", "HUDUMA_AGENT_CAP": "fifteen", "HUDUMA_LOGIN_TTL": "12",
	"HUDUMA_PASSWORD_CHECKS": "0", "HUDUMA_PASSWORD_SHARE": "quarter", "HUDUMA_CONSOLE_IDLE": "30",
	"HUDUMA_ADDR": "8097", "HUDUMA_ADMIN_ADDR": "localhost", "HUDUMA_REDIS_URL": "127.0.0.1:6379",
	"HUDUMA_REDIS_AUTOPIPELINE": "yes please", "HUDUMA_USSD_CODE": "384*50", "HUDUMA_SATURDAY_HOURS": "8-1",
	"HUDUMA_INSECURE_CALLBACKS": "maybe", "HUDUMA_CALLBACK_ALLOW": "africastalking.com",
	"HUDUMA_TRUSTED_PROXIES": "10.0.0.0/33", "HUDUMA_SLOT_CAPACITY": "ten", "HUDUMA_CATALOG_REFRESH": "often",
	"HUDUMA_HOP_DEADLINE": "soon", "HUDUMA_DEMO": "sure", "HUDUMA_MAX_CONNECTIONS": "-1", "HUDUMA_MAX_HOPS": "lots",
	"HUDUMA_SWEEP_INTERVAL": "0", "HUDUMA_INBOUND_RETENTION": "a month", "HUDUMA_VOICE_NUMBER": "0711082000",
	"HUDUMA_VOICE_AGENT_LINE": "agents", "HUDUMA_VOICE_HOLD_MUSIC": "hold.mp3", "HUDUMA_PUBLIC_URL": "huduma.example.go.ke",
	"HUDUMA_VOICE_MAX_QUEUE": "ten", "HUDUMA_IDLE_TIMEOUT": "30",
	"HUDUMA_RETAIN_CLOSED_CASES": "two years", "HUDUMA_RETAIN_RECORDINGS": "90", "HUDUMA_RETAIN_MESSAGE_BODIES": "0d",
	"HUDUMA_RETAIN_APPOINTMENT_PHONES": "12m",
}

// redacted are the settings whose values errors shorten, since they may carry a password.
var redacted = map[string]bool{"HUDUMA_DATABASE_URL": true, "HUDUMA_REDIS_URL": true}

var anyValue = map[string]string{
	"HUDUMA_CALLBACK_KEY":          "any text is a key",
	"HUDUMA_CALLBACK_KEY_PREVIOUS": "any text is a key (alone it is refused: TestStartRefusedWithoutACallbackKey)",
	"HUDUMA_VOICE_AUDIO":           "a path, read (and refused with its line number) when the voice channel starts",
}

// Every setting of serve, given a bad value, is refused before anything starts, and the error
// names the variable and the flag and shows what was given.
func TestEveryBadSettingIsNamed(t *testing.T) {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := cfg.flags(fs, true); err != nil {
		t.Fatal(err)
	}
	envOf := regexp.MustCompile(`\((HUDUMA_[A-Z_]+)\)$`)
	flagOf := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if m := envOf.FindStringSubmatch(f.Usage); m != nil {
			flagOf[m[1]] = f.Name
		}
	})
	for env := range flagOf {
		if _, bad := badSettings[env]; !bad && anyValue[env] == "" {
			t.Errorf("%s (-%s) has no bad value in the table", env, flagOf[env])
		}
	}
	for env, bad := range badSettings {
		t.Run(env, func(t *testing.T) {
			name, ok := flagOf[env]
			if !ok {
				t.Fatalf("%s is no setting of serve", env)
			}
			t.Setenv(env, bad)
			var cfg config
			err := cfg.flags(flag.NewFlagSet("serve", flag.ContinueOnError), true)
			err = errors.Join(err, cfg.validate())
			if err == nil {
				t.Fatalf("%s=%q accepted", env, bad)
			}
			msg := err.Error()
			shown := strings.Contains(msg, bad) || redacted[env] // a URL may carry a password: only its start is shown
			if !strings.Contains(msg, env) || !strings.Contains(msg, "-"+name) || !shown {
				t.Errorf("%s=%q: the error does not name the variable, the flag -%s and the value:\n%s", env, bad, name, msg)
			}
		})
	}
}
