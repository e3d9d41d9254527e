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
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // Africa/Nairobi must resolve on minimal images without zoneinfo
)

const usage = `usage: huduma <command> [flags]

commands:
  serve     run the gateway (embedded SQLite and in-memory sessions unless configured)
  migrate   bring the database schema up to date
  seed      load centres, services and holidays (idempotent; keeps operators' edits)
  dial      a terminal USSD phone for a running gateway
  call      a terminal voice phone for a running gateway (the voice menus, the agent queue)
  loadtest  drive whole USSD sessions from many phones and report hops/s, latency, errors
  agent     add a console user: huduma agent add -username amina -role agent
  agency    register an agency: huduma agency add -code NRB -institution "..."
  import    import tracked requests: huduma import requests -agency NRB FILE.csv
  citizen   a citizen's data (Data Protection Act): huduma citizen export|erase|erasures|find PHONE

"huduma <command> -h" lists a command's flags; every flag can also be set by the
environment variable shown with it.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "serve":
		err = serveCommand(ctx, args)
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
	default:
		fmt.Fprintf(os.Stderr, "huduma: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "huduma:", err)
		os.Exit(1)
	}
}
