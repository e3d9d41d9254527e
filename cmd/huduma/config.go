package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/console/web"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// config is everything the gateway can be told. Each setting comes from a flag, else from
// its environment variable (the form containers and systemd use), else its default: with
// nothing set at all, the gateway runs on a laptop.
type config struct {
	Addr             string
	DatabaseURL      string
	RedisURL         string
	RedisPipeline    bool
	USSDCode         string
	Timezone         string
	SaturdayHours    string
	SlotCapacity     int
	CallbackKey      string
	CallbackKeyPrev  string
	InsecureCallback bool
	CallbackAllow    string
	TrustedProxies   string
	LogLevel         string
	CatalogRefresh   time.Duration
	HopDeadline      time.Duration
	MaxHops          int
	MaxConnections   int
	IdleTimeout      time.Duration
	ConsoleIdle      time.Duration
	Demo             bool
	SLAPolicies      string
	AgentCap         int
	LoginTTL         time.Duration
	SweepInterval    time.Duration
	InboundRetention time.Duration
	AdminAddr        string
	PasswordShare    int // percent of one core
	PasswordChecks   int
	Voice            voiceSettings
	Retention        retentionSettings // citizen.go
}

// defaultSQLitePath is where the embedded store lives when nothing else is configured.
const defaultSQLitePath = "./data/huduma.db"

// flags registers the settings a command uses on its flag set, defaults taken from the
// environment. A malformed environment value is an error, not a silent default: an operator
// who set HUDUMA_SLOT_CAPACITY=ten must hear about it.
func (c *config) flags(fs *flag.FlagSet, server bool) error {
	var errs []error
	str := func(p *string, name, env, def, help string) {
		fs.StringVar(p, name, envOr(env, def), help+" ("+env+")")
	}
	parsed := func(v flag.Value, name, env, def, help string) {
		raw := envOr(env, def)
		if err := v.Set(raw); err != nil {
			errs = append(errs, fmt.Errorf("%s (-%s) = %q: %w; the default is %s", env, name, raw, err, def))
		}
		fs.Var(v, name, help+" ("+env+")")
	}
	str(&c.DatabaseURL, "db", "HUDUMA_DATABASE_URL", "", "postgres://… selects Postgres; sqlite:PATH or empty selects SQLite at "+defaultSQLitePath)
	str(&c.LogLevel, "log-level", "HUDUMA_LOG_LEVEL", "info", "debug, info, warn or error")
	str(&c.Timezone, "tz", "HUDUMA_TIMEZONE", "Africa/Nairobi", "time zone of the opening hours and SLA business hours")
	str(&c.SLAPolicies, "sla", "HUDUMA_SLA_POLICIES", "", "SLA overrides, e.g. corruption=1h/45h/1h (first response/resolution/step, business time)")
	parsed((*intValue)(&c.AgentCap), "agent-cap", "HUDUMA_AGENT_CAP", strconv.Itoa(crm.DefaultAgentCap), "open cases one agent is given at most by round-robin")
	parsed((*durationValue)(&c.LoginTTL), "login-ttl", "HUDUMA_LOGIN_TTL", crm.DefaultTokenTTL.String(), "how long a console login lasts")
	parsed((*intValue)(&c.PasswordChecks), "password-checks", "HUDUMA_PASSWORD_CHECKS", strconv.Itoa(crm.DefaultPasswordChecks), "password checks run at once; more wait their turn (see HUDUMA_PASSWORD_SHARE)")
	parsed((*intValue)(&c.PasswordShare), "password-share", "HUDUMA_PASSWORD_SHARE", strconv.Itoa(int(crm.DefaultPasswordShare*100)), "percent of one core that password checks may take, however many logins arrive at once (1-100); the rest stays with the citizens' hops")
	parsed((*durationValue)(&c.ConsoleIdle), "console-idle", "HUDUMA_CONSOLE_IDLE", web.DefaultIdleTimeout.String(), "a console session left unused this long ends (the web console's cookie sessions; API tokens last HUDUMA_LOGIN_TTL)")
	if !server {
		return errors.Join(errs...)
	}
	str(&c.Addr, "addr", "HUDUMA_ADDR", "127.0.0.1:8080", "address to listen on")
	str(&c.AdminAddr, "admin-addr", "HUDUMA_ADMIN_ADDR", DefaultAdminAddr, "serve /metrics and Go profiles (/debug/pprof/) on this admin address, never on the public one; empty: off")
	str(&c.RedisURL, "redis", "HUDUMA_REDIS_URL", "", "redis://… for sessions; empty keeps them in memory (one process only)")
	parsed((*boolValue)(&c.RedisPipeline), "redis-autopipeline", "HUDUMA_REDIS_AUTOPIPELINE", "true", "batch the session writes of concurrent hops into one Redis round trip (go-redis's experimental automatic pipelining); false sends each on its own")
	str(&c.USSDCode, "code", "HUDUMA_USSD_CODE", "*384*50#", "the USSD code citizens dial")
	str(&c.SaturdayHours, "saturday", "HUDUMA_SATURDAY_HOURS", "", "Saturday opening hours, e.g. 08:00-13:00; empty: closed")
	str(&c.CallbackKey, "callback-key", "HUDUMA_CALLBACK_KEY", "", "the secret every Africa's Talking callback must carry as ?key=<this> (openssl rand -hex 24); required unless the gateway listens on loopback only")
	str(&c.CallbackKeyPrev, "callback-key-previous", "HUDUMA_CALLBACK_KEY_PREVIOUS", "", "the key being rotated out, still accepted until every callback URL in Africa's Talking's dashboard carries the new one")
	parsed((*boolValue)(&c.InsecureCallback), "insecure-callbacks", "HUDUMA_INSECURE_CALLBACKS", "false", "accept callbacks without a key on a non-loopback address (testing only: anyone could forge them)")
	str(&c.CallbackAllow, "callback-allow", "HUDUMA_CALLBACK_ALLOW", "", "if set, callbacks only from these networks (comma-separated CIDRs, e.g. Africa's Talking's published ranges)")
	str(&c.TrustedProxies, "trusted-proxies", "HUDUMA_TRUSTED_PROXIES", "", "load balancers whose X-Forwarded-For names the client (comma-separated addresses or CIDRs); empty: the connection's own address")
	parsed((*intValue)(&c.SlotCapacity), "slot-capacity", "HUDUMA_SLOT_CAPACITY", "10", "citizens per half-hour slot per service")
	parsed((*durationValue)(&c.CatalogRefresh), "catalog-refresh", "HUDUMA_CATALOG_REFRESH", "1m", "how often to reload centres, services and holidays")
	parsed((*durationValue)(&c.HopDeadline), "hop-deadline", "HUDUMA_HOP_DEADLINE", flows.DefaultHopDeadline.String(), "give up on a USSD hop after this long")
	parsed((*boolValue)(&c.Demo), "demo", "HUDUMA_DEMO", "false", "add demo users and cases (once) so the console has something to show; never on a gateway citizens reach")
	parsed((*intValue)(&c.MaxConnections), "max-conns", "HUDUMA_MAX_CONNECTIONS", "4096", "open HTTP connections served at once; past it a new one gets a 503 (each costs about 20 KB)")
	parsed((*durationValue)(&c.IdleTimeout), "idle-timeout", "HUDUMA_IDLE_TIMEOUT", "30s", "a keep-alive connection idle this long between requests is closed, freeing its place among HUDUMA_MAX_CONNECTIONS")
	parsed((*intValue)(&c.MaxHops), "max-hops", "HUDUMA_MAX_HOPS", strconv.Itoa(flows.DefaultMaxHops), "USSD hops and voice menu callbacks run at once on this replica; past it one waits briefly for a place, then gets a polite \"busy\"")
	parsed((*durationValue)(&c.SweepInterval), "sweep-interval", "HUDUMA_SWEEP_INTERVAL", crm.DefaultSweepInterval.String(), "how often each replica looks for SLA breaches and unassigned cases")
	parsed((*durationValue)(&c.InboundRetention), "inbound-retention", "HUDUMA_INBOUND_RETENTION", crm.DefaultInboundRetention.String(), "how long citizens' SMS are kept (personal data; needed only while the aggregator might deliver one again)")
	errs = append(errs, c.Voice.flags(fs)) // voice.go
	errs = append(errs, c.Retention.flags(fs))
	return errors.Join(errs...)
}

// calendar builds the opening timetable from the settings.
func (c *config) calendar() (crm.Calendar, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" {
		return crm.Calendar{}, fmt.Errorf("HUDUMA_TIMEZONE (-tz) = %q: not a time zone; want an IANA name, e.g. Africa/Nairobi", c.Timezone)
	}
	cal := crm.DefaultCalendar(loc)
	if cal.Saturday, err = crm.ParseHours(c.SaturdayHours); err != nil {
		return crm.Calendar{}, fmt.Errorf("HUDUMA_SATURDAY_HOURS (-saturday) = %q: %w; e.g. 08:00-13:00, or empty for closed", c.SaturdayHours, err)
	}
	return cal, nil
}

// officeConfig builds the back office's settings.
func (c *config) officeConfig(log *slog.Logger) (crm.OfficeConfig, error) {
	pol, err := crm.ParseSLAPolicies(c.SLAPolicies)
	if err != nil {
		return crm.OfficeConfig{}, fmt.Errorf("HUDUMA_SLA_POLICIES (-sla) = %q: %w; e.g. corruption=1h/45h/1h,default=4h/45h/4h", c.SLAPolicies, err)
	}
	if c.PasswordChecks < 1 {
		return crm.OfficeConfig{}, fmt.Errorf("HUDUMA_PASSWORD_CHECKS (-password-checks) = %d: want at least 1, e.g. 1", c.PasswordChecks)
	}
	if c.PasswordShare < 1 || c.PasswordShare > 100 {
		return crm.OfficeConfig{}, fmt.Errorf("HUDUMA_PASSWORD_SHARE (-password-share) = %d: want a percent of one core from 1 to 100, e.g. 25", c.PasswordShare)
	}
	return crm.OfficeConfig{Policies: pol, AgentCap: c.AgentCap, TokenTTL: c.LoginTTL, Logger: log,
		PasswordChecks: c.PasswordChecks, PasswordShare: float64(c.PasswordShare) / 100}, nil
}

// logger logs to stderr at the configured level, and becomes slog's default.
func (c *config) logger() (*slog.Logger, error) {
	level, err := c.logLevel()
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// Parts built without a logger of their own (the Postgres store's language writer) log
	// through the default: the same handler and level.
	slog.SetDefault(log)
	return log, nil
}

func (c *config) logLevel() (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("HUDUMA_LOG_LEVEL (-log-level) = %q: want debug, info, warn or error", c.LogLevel)
	}
	return level, nil
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return strings.TrimSpace(v)
	}
	return def
}

// intValue and durationValue are flag.Values, so that a value from the environment is parsed
// (and refused) exactly as one from the command line.
type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 30s or 5m")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }
