package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/ussd"
	"github.com/huduma-connect/huduma/ussd/loadgen"
)

// loadtestCommand runs `huduma loadtest`: whole USSD sessions over HTTP exactly as Africa's
// Talking sends them, from many phones at once, through journeys that end in real bookings,
// complaints and status checks.
// It exits non-zero when any answer was not what a caller should get.
func loadtestCommand(ctx context.Context, args []string) error {
	return loadtest(ctx, args, os.Stdout, os.Stderr)
}

func loadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	help := command{name: "loadtest", usage: "huduma loadtest [flags]", out: stdout,
		summary: "Drives whole USSD sessions against a running gateway (or the benchmark peer and floor) the way Africa's Talking calls it,\n" +
			"and reports hops/s, hop latency and every unexpected answer. Closed loop with -phones, open loop with -rate. Exits 1 on any unexpected answer.",
		examples: []string{"huduma loadtest -phones 32 -duration 20s", "huduma loadtest -rate 2000 -duration 20s -json"}}
	fs := help.flags()
	target := fs.String("target", "", "USSD callback URL (default "+dialDefaultURLHelp()+")")
	profile := fs.String("profile", "huduma", "journeys: huduma (our menus), peer (shared/bench/peer-ussd-menu-builder), floor (shared/bench/limit)")
	mix := fs.String("mix", "", "journey weights, e.g. book=70,complaint=15,status=15 (huduma's own mix, the default); a journey left out does not run")
	phones := fs.Int("phones", 32, "closed loop: phones, each starting its next session when its last one ends")
	rate := fs.Float64("rate", 0, "open loop: new sessions per second, however slowly the server answers (replaces -phones)")
	maxInFlight := fs.Int("max-inflight", 10000, "open loop: most sessions running at once; a start beyond it counts as an error")
	duration := fs.Duration("duration", 20*time.Second, "measured window (with -sessions and no -duration: until those sessions are done)")
	warmup := fs.Duration("warmup", 0, "load before the measured window, not measured")
	sessions := fs.Int("sessions", 0, "start at most this many sessions")
	hangup := fs.Int("hangup-after", 0, "end every session after this many hops, leaving it open on the gateway (for measuring live sessions)")
	think := fs.Duration("think", 0, "pause before each input, as a person reading the screen")
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	code := fs.String("code", ussd.SimDefaultCode, "serviceCode sent")
	network := fs.String("network", ussd.SimDefaultNetwork, "networkCode sent")
	var firstPhone int64
	fs.Func("first-phone", "session n calls from +2547 and the 8 digits of this plus n (default random)", func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64) // decimal: "00001234" is not octal here
		if err != nil || n < 0 || n >= 100_000_000 {
			return errors.New("want up to 8 digits")
		}
		firstPhone = n
		return nil
	})
	seed := fs.Uint64("seed", 0, "seed for the callers' choices (default random)")
	cpuProfile := fs.String("cpuprofile", "", "write the load generator's own CPU profile to this file")
	if err := help.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return misuse("loadtest", "unexpected arguments %q (flags only)", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *sessions > 0 && !set["duration"] {
		*duration = 0
	}
	if *rate > 0 {
		*phones = 0
	}

	p, err := loadgen.ProfileByName(*profile)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if *mix != "" {
		if err := p.SetMix(*mix); err != nil {
			return fmt.Errorf("loadtest: -mix: %w", err)
		}
	}
	u := *target
	if u == "" {
		u = dialDefaultURL(strings.TrimSpace(os.Getenv("HUDUMA_ADDR")), strings.TrimSpace(os.Getenv("HUDUMA_CALLBACK_KEY")))
	}
	cfg := loadgen.Config{
		Target: u, Profile: p, Phones: *phones, Rate: *rate, MaxInFlight: *maxInFlight,
		Duration: *duration, Warmup: *warmup, Sessions: *sessions, HangUpAfter: *hangup, Think: *think,
		Code: *code, Network: *network, FirstPhone: firstPhone, Seed: *seed,
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if *jsonOut {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("loadtest: write report: %w", err)
	}
	if rep.Errors > 0 {
		return fmt.Errorf("loadtest: %d unexpected answers", rep.Errors)
	}
	return nil
}
