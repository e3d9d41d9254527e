// Command huduma is the Huduma Connect gateway: the callback server Africa's Talking calls for
// USSD (and later SMS and voice), plus the tools around it.
//
//	huduma serve     run the gateway (embedded SQLite and in-memory sessions by default)
//	huduma migrate   bring the database schema up to date
//	huduma seed      load the centres, services and holidays (never overwrites edits)
//	huduma dial      a terminal USSD phone that calls a running gateway as Africa's Talking does
//	huduma call      a terminal voice phone: posts a running gateway's voice callbacks as Africa's Talking does
//	huduma agent     add console users (agents, supervisors, managers, integrity officers)
//	huduma agency    register an agency and print its API key
//	huduma import    import tracked requests from a CSV file
//	huduma citizen   a citizen's data under the Data Protection Act: export, erase, find
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // Africa/Nairobi must resolve on minimal images without zoneinfo
)

const usage = `Huduma Connect: the gateway behind Huduma Kenya's USSD, SMS and voice channels, and its tools.

usage: huduma <command> [flags]

commands:
  serve     run the gateway (embedded SQLite and in-memory sessions unless configured)
  check     say what works and what does not in this configuration, before a deploy
  migrate   bring the database schema up to date
  seed      load centres, services and holidays (keeps operators' edits)
  dial      a terminal USSD phone for a running gateway
  call      a terminal voice phone for a running gateway (the voice menus, the agent queue)
  loadtest  drive whole USSD sessions from many phones and report hops/s, latency, errors
  agent     console users: add, disable, enable, reset-password, logout, unlock
  agency    register an agency: huduma agency add -code NRB -institution "..."
  import    import tracked requests: huduma import requests -agency NRB FILE.csv
  citizen   a citizen's data (Data Protection Act): huduma citizen export|erase|erasures|find PHONE

"huduma <command> -h" shows a command's own flags and examples; every flag can also be set
by the environment variable shown with it.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs one command line and says the exit code: 0, 1 for a failure, 2 for a misuse.
func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	var err error
	switch cmd, args := args[0], args[1:]; cmd {
	case "serve":
		err = serveCommand(ctx, args)
	case "check":
		err = checkCommand(ctx, args, os.Stdout)
	case "migrate":
		err = migrateCommand(ctx, args)
	case "seed":
		err = seedCommand(ctx, args)
	case "dial":
		err = dialCommand(ctx, args)
	case "call":
		err = callCommand(ctx, args, os.Stdin, os.Stdout)
	case "loadtest":
		err = loadtestCommand(ctx, args)
	case "agent":
		err = agentCommand(ctx, args, os.Stdin, os.Stdout)
	case "agency":
		err = agencyCommand(ctx, args, os.Stdout)
	case "import":
		err = importCommand(ctx, args, os.Stdout, os.Stderr)
	case "citizen":
		err = citizenCommand(ctx, args, os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "huduma: no command %q\n\n%s", cmd, usage)
		return 2
	}
	return exitCode(err, os.Stderr)
}
