package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/huduma-connect/huduma/ivr"
)

// callCommand runs `huduma call`: a terminal stand-in for a phone and Africa's Talking's
// voice platform (which has no sandbox), so the voice menus of a running server can be
// walked. It reads the same HUDUMA_ADDR, HUDUMA_CALLBACK_KEY and HUDUMA_VOICE_NUMBER as the
// server, so in a shell set up for `serve` a bare `huduma call` reaches it.
func callCommand(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	help := command{name: "call", usage: "huduma call [flags]",
		summary: "Calls a running gateway's voice menus the way Africa's Talking does and prints what the caller hears.\n" +
			"At each prompt type keys and Enter (# optional); an empty line is silence; \"rec\" finishes a recording;\n" +
			"in the agent queue \"agent +2547…\" is an agent answering; \"hangup\" ends the call (with its duration and cost).\n" +
			"Ctrl-D hangs up. To be an agent on the agent line: -phone <the agent's phone> -number $HUDUMA_VOICE_AGENT_LINE.",
		examples: []string{"huduma call", "huduma call -phone +254722000123", "huduma call -script walk.txt"}}
	fs := help.flags()
	target := fs.String("url", "", "voice callback URL (default "+strings.Replace(dialDefaultURLHelp(), "/at/ussd", ivr.Path, 1)+")")
	phone := fs.String("phone", ivr.SimDefaultPhone, "the caller's phone number (E.164)")
	defNumber := ivr.SimDefaultNumber
	if v := strings.TrimSpace(os.Getenv("HUDUMA_VOICE_NUMBER")); v != "" {
		defNumber = v
	}
	number := fs.String("number", defNumber, "the number called: the contact centre (HUDUMA_VOICE_NUMBER) or the agent line")
	script := fs.String("script", "", "read the inputs from this file, one per line, instead of the terminal (echoed as they are used)")
	help.out = stdout
	if err := help.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return misuse("call", "unexpected arguments %q (flags only, e.g. -phone +254712345678)", fs.Args())
	}
	u := *target
	if u == "" {
		// The key is added only to this default, never to a URL given with -url.
		u = strings.Replace(dialDefaultURL(strings.TrimSpace(os.Getenv("HUDUMA_ADDR")), strings.TrimSpace(os.Getenv("HUDUMA_CALLBACK_KEY"))), "/at/ussd", ivr.Path, 1)
	}
	in, echo := stdin, false
	if *script != "" {
		f, err := os.Open(*script)
		if err != nil {
			return fmt.Errorf("call: %w", err)
		}
		defer f.Close()
		in, echo = f, true
	}
	sim := &ivr.Simulator{URL: u, Phone: *phone, Number: *number}
	err := sim.Run(ctx, in, stdout, echo)
	if errors.Is(err, context.Canceled) {
		return nil // Ctrl-C is how a user hangs up
	}
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	return nil
}
