package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/console"
	"github.com/huduma-connect/huduma/console/web"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/internal/callbackauth"
	"github.com/huduma-connect/huduma/internal/loop"
	"github.com/huduma-connect/huduma/sms/inbound"
	"github.com/huduma-connect/huduma/sms/templates"
	sessionredis "github.com/huduma-connect/huduma/store/redis"
	"github.com/huduma-connect/huduma/ussd"
)

// bodyLimit caps a callback's body. Africa's Talking's forms are a few hundred bytes; the cap
// is generous enough that an absurd but well-formed hop (a 10 KB text) still gets a polite
// END from the handler rather than a bare 413.
const bodyLimit = 64 << 10

// shedReportInterval is how often an overloaded gateway logs how many hops it answered busy.
const shedReportInterval = 10 * time.Second

var serveHelp = command{name: "serve", usage: "huduma serve [flags]",
	summary: "Runs the gateway: Africa's Talking's callbacks, the staff console and the API (embedded SQLite and sessions in memory unless configured).",
	examples: []string{"huduma serve", "huduma serve -demo",
		"HUDUMA_DATABASE_URL=postgres://huduma@db:5432/huduma HUDUMA_REDIS_URL=redis://redis:6379/0 HUDUMA_ADDR=0.0.0.0:8080 HUDUMA_CALLBACK_KEY=$(openssl rand -hex 24) huduma serve"}}

func serveCommand(ctx context.Context, args []string) error {
	var cfg config
	fs := serveHelp.flags()
	if err := cfg.flags(fs, true); err != nil {
		return err
	}
	if err := serveHelp.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return misuse("serve", "unexpected arguments %q (flags only, e.g. -addr 127.0.0.1:8080)", fs.Args())
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log, err := cfg.logger()
	if err != nil {
		return err
	}
	sessionredis.LogThrough(log) // go-redis's own lines at debug: the gateway's message is the one to read
	// The port first: a gateway that cannot have it says so before anything else, and never
	// announces an address it is not listening on.
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	gw, err := openGateway(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer gw.close()
	// The SMS outbox worker and the delivery-report callback; both need the routes mounted
	// before the gateway listens.
	if err := startSMS(ctx, cfg, gw, log); err != nil {
		return err
	}
	stopAdmin, err := startAdmin(cfg.AdminAddr, gw.admin, log)
	if err != nil {
		return err
	}
	defer stopAdmin()

	if cfg.Demo {
		if err := seedDemo(ctx, gw.office, log); err != nil {
			return err
		}
	}
	noUsers := false
	if users, err := gw.office.Users(ctx, crm.UserFilter{}); err == nil && len(users) == 0 {
		noUsers = true
	}
	go gw.refreshCatalog(ctx, cfg.CatalogRefresh)
	// Every replica sweeps: escalation is a conditional write, so a breach met by two
	// schedulers is escalated by one of them.
	go gw.office.RunScheduler(ctx, cfg.SweepInterval)
	go gw.desk.RunReminders(ctx, reminderInterval, log)
	go gw.desk.RunInboundRetention(ctx, inboundRetentionInterval, log)
	go gw.office.RunLoginPurge(ctx, crm.LoginPurgeInterval)
	go gw.office.RunRetention(ctx, crm.Retention(cfg.Retention), retentionInterval, log)
	go watchOverload(ctx, gw.admission, shedReportInterval, log)
	errc := make(chan error, 1)
	go func() { errc <- gw.app.Listener(gw.conns.wrap(ln)) }()
	fmt.Fprint(os.Stderr, startupBlock(cfg, gw, noUsers))
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	case <-ctx.Done():
		log.Info("shutting down: finishing hops in flight")
		gw.console.Close() // event streams would hold the shutdown for its whole timeout
		return gw.app.ShutdownWithTimeout(10 * time.Second)
	}
}

// gateway is the assembled server: stores, domain, menus and routes.
type gateway struct {
	app          *fiber.App
	admin        *http.ServeMux // /metrics, for the admin listener (startAdmin), never the public port
	store        sqlStore
	desk         *crm.Desk
	office       *crm.Office
	admission    *flows.Admission // the bound on USSD hops and voice menu callbacks in flight
	conns        *connLimit       // the bound on open connections (wraps the listener)
	guard        *callbackauth.Guard
	notes        []string // what is not configured, each with the setting that enables it (startupBlock)
	console      *web.Console
	storeName    string
	sessionsName string
	closers      []func()
	log          *slog.Logger
}

// openGateway opens the stores, brings the schema up to date, seeds reference data (never
// overwriting an operator's edits) and mounts the routes.
func openGateway(ctx context.Context, cfg config, log *slog.Logger) (*gateway, error) {
	cal, err := cfg.calendar()
	if err != nil {
		return nil, err
	}
	if cfg.MaxHops < 1 || cfg.MaxConnections < 1 {
		return nil, fmt.Errorf("HUDUMA_MAX_HOPS=%d, HUDUMA_MAX_CONNECTIONS=%d: want at least 1 each", cfg.MaxHops, cfg.MaxConnections)
	}
	if cfg.IdleTimeout <= 0 {
		return nil, fmt.Errorf("HUDUMA_IDLE_TIMEOUT (-idle-timeout) = %v: want a positive duration", cfg.IdleTimeout)
	}
	gw := &gateway{log: log, admin: http.NewServeMux(), conns: newConnLimit(cfg.MaxConnections)}
	ok := false
	defer func() {
		if !ok {
			gw.close()
		}
	}()
	if gw.store, gw.storeName, err = openStore(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	gw.closers = append(gw.closers, gw.store.Close)
	if err := migrateAndSeed(ctx, gw.store); err != nil {
		return nil, err
	}
	sess, err := openSessions(ctx, cfg.RedisURL, cfg.RedisPipeline)
	if err != nil {
		return nil, err
	}
	gw.sessionsName = sess.name
	gw.closers = append(gw.closers, sess.close)

	gw.desk, err = crm.NewDesk(ctx, gw.store, crm.DeskConfig{Calendar: cal, SlotCapacity: cfg.SlotCapacity, LeadTime: 30 * time.Minute,
		InboundRetention: cfg.InboundRetention})
	if err != nil {
		return nil, err
	}
	msgs, err := flows.LoadMessages()
	if err != nil {
		return nil, err
	}
	oc, err := cfg.officeConfig(log)
	if err != nil {
		return nil, err
	}
	gw.office = crm.NewOffice(gw.desk, oc)
	engine := flows.NewEngine(gw.desk, gw.office, msgs)

	guard, err := callbackGuard(cfg, log)
	if err != nil {
		return nil, err
	}
	gw.guard = guard
	proxies, err := trustedProxies(cfg)
	if err != nil {
		return nil, err
	}
	gw.app = fiber.New(fiber.Config{
		// Behind a load balancer, the client's address (for the callback allow-list and the
		// login throttle) is its X-Forwarded-For, believed from the named proxies only.
		ProxyHeader:             proxyHeader(proxies),
		EnableTrustedProxyCheck: len(proxies) > 0,
		TrustedProxies:          proxies,
		EnableIPValidation:      true,
		AppName:                 "huduma",
		BodyLimit:               bodyLimit,
		ReadTimeout:             10 * time.Second,
		WriteTimeout:            10 * time.Second,
		IdleTimeout:             cfg.IdleTimeout,
		// Memory is bounded by connections, not by hops: every open connection holds a
		// goroutine and its request state (about 20 KB measured, with the read and write
		// buffers given back between requests by ReduceMemoryUsage; 25 KB without). Past
		// MaxConnections a new connection is refused with a 503 rather than let a storm of
		// them grow the process until the kernel kills it.
		ReduceMemoryUsage:     true,
		Concurrency:           cfg.MaxConnections,
		DisableStartupMessage: true,
		// Errors fiber raises itself (a body over the limit) answer in JSON on the API, as
		// its own errors do.
		ErrorHandler: console.ErrorHandler,
	})
	// /healthz is for the load balancer: a replica that cannot reach its database or its
	// sessions cannot answer a hop, so it says so and is taken out of rotation. It is public,
	// so it says up or down and no more; what is down goes to the log.
	gw.app.Get("/healthz", func(c *fiber.Ctx) error {
		hctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		for what, ping := range map[string]func(context.Context) error{"database": gw.store.Ping, "sessions": sess.ping} {
			if err := ping(hctx); err != nil {
				log.Warn("health check failed", "what", what, "err", err)
				return c.Status(fiber.StatusServiceUnavailable).SendString("unavailable\n")
			}
		}
		return c.SendString("ok\n")
	})
	// Every callback route is under /at and passes the guard first.
	gw.app.Use("/at", guard.Handler)
	gw.admission = flows.NewAdmission(cfg.MaxHops)
	ussd.New(engine, sess.store, ussd.Config{Deadline: cfg.HopDeadline,
		Admission: gw.admission, Logger: log}).Mount(gw.app)
	// Browsers are told to use https only when the gateway is reached over it.
	hsts := strings.HasPrefix(strings.ToLower(cfg.Voice.PublicURL), "https://")
	console.New(gw.office, console.Config{Logger: log, HSTS: hsts}).Mount(gw.app)
	// The staff console's pages, over the same office as the API.
	texts, err := templates.Load()
	if err != nil {
		return nil, err
	}
	if gw.console, err = web.New(gw.office, web.Config{Logger: log, IdleTimeout: cfg.ConsoleIdle, SMS: texts.In(cal.Location).WithUSSDCode(cfg.USSDCode), HSTS: hsts}); err != nil {
		return nil, err
	}
	gw.console.Mount(gw.app)
	gw.closers = append(gw.closers, gw.console.Close)
	gw.app.Get("/", func(c *fiber.Ctx) error { return c.Redirect(web.Prefix+"/", fiber.StatusFound) })
	// Incoming SMS: the keywords STATUS/HALI, APPOINTMENTS/MIADI, CANCEL/GHAIRI,
	// COMPLAINT/MALALAMIKO, HELP/MSAADA, STOP/ACHA, START/ANZA and the 1–4 rating reply.
	inbound.New(gw.desk, gw.office, inbound.Config{Logger: log}).Mount(gw.app)
	// Voice: the phone menus, the agent queue and line, call records (voice.go).
	if err := mountVoice(cfg, gw, msgs, sess.store, log); err != nil {
		return nil, err
	}
	ok = true
	return gw, nil
}

// refreshCatalog reloads reference data now and then, so that an operator's edit (a holiday
// gazetted at short notice) reaches every replica without a restart. The first reload is
// one interval after start: openGateway has just loaded it.
func (gw *gateway) refreshCatalog(ctx context.Context, every time.Duration) {
	loop.EveryAfter(ctx, every, func(ctx context.Context) {
		if err := gw.desk.Reload(ctx); err != nil && !errors.Is(err, context.Canceled) {
			gw.log.Warn("reload reference data; keeping the previous catalogue", "err", err)
		}
	})
}

func (gw *gateway) close() {
	for i := len(gw.closers) - 1; i >= 0; i-- {
		gw.closers[i]()
	}
}

func migrateAndSeed(ctx context.Context, s sqlStore) error {
	if err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	data, err := crm.DefaultRefData()
	if err != nil {
		return fmt.Errorf("reference data: %w", err)
	}
	if err := s.Seed(ctx, data); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}
