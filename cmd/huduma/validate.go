package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/huduma-connect/huduma/internal/callbackauth"
)

// validate checks the settings that are text until something reads them (addresses, URLs,
// zones, policies), so that `serve` and `check` refuse a bad one at once, naming its variable
// and flag, what was given, and what is wanted, with an example. Numbers and durations are
// checked as they are read (config.flags).
func (c *config) validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkListenAddr("HUDUMA_ADDR", "addr", c.Addr, false))
	add(checkListenAddr("HUDUMA_ADMIN_ADDR", "admin-addr", c.AdminAddr, true))
	if _, err := c.logLevel(); err != nil {
		add(err)
	}
	if _, err := c.calendar(); err != nil {
		add(err)
	}
	if _, err := c.officeConfig(nil); err != nil {
		add(err)
	}
	if db := c.DatabaseURL; db != "" && !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") && !strings.HasPrefix(db, "sqlite:") {
		add(fmt.Errorf("HUDUMA_DATABASE_URL (-db) = %q: want postgres://user:password@host:5432/db, sqlite:PATH, or empty for SQLite at %s", redactURL(db), defaultSQLitePath))
	}
	if r := c.RedisURL; r != "" && !strings.HasPrefix(r, "redis://") && !strings.HasPrefix(r, "rediss://") {
		add(fmt.Errorf("HUDUMA_REDIS_URL (-redis) = %q: want redis://host:6379/0 (rediss:// for TLS), or empty for sessions in memory", redactURL(r)))
	}
	if c.USSDCode == "" || !strings.HasPrefix(c.USSDCode, "*") || !strings.HasSuffix(c.USSDCode, "#") {
		add(fmt.Errorf("HUDUMA_USSD_CODE (-code) = %q: want a code as dialled, e.g. *384*50#", c.USSDCode))
	}
	if _, err := trustedProxies(*c); err != nil {
		add(err)
	}
	if _, err := callbackauth.ParsePrefixes(c.CallbackAllow); err != nil {
		add(fmt.Errorf("HUDUMA_CALLBACK_ALLOW (-callback-allow) = %q: %w; e.g. 196.201.214.0/24", c.CallbackAllow, err))
	}
	add(c.Voice.check())
	return errors.Join(errs...)
}

// checkListenAddr refuses an address to listen on that is not host:port ("8097" alone is a
// common slip); an empty one is allowed where it turns the listener off.
func checkListenAddr(env, flag, addr string, emptyOff bool) error {
	if addr == "" && emptyOff {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s (-%s) = %q: want host:port, e.g. 127.0.0.1:8080 (this machine only) or :8080 (every interface)", env, flag, addr)
	}
	return nil
}
