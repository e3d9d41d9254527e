package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Every command and subcommand speaks the same way: -h prints its own help (a one-line
// summary, its usage, examples, and only the flags that apply to it) and exits 0; a misuse (a
// bad flag, a flag of another command, a stray argument, a group without its subcommand)
// prints the error and one line pointing to -h, and exits 2; a failure exits 1.

// command describes one command's help.
type command struct {
	name     string    // "serve", "agent add"
	summary  string    // one line
	usage    string    // "huduma serve [flags]"
	examples []string  // whole command lines
	only     []string  // the gateway's settings (config.flags) that apply to it; nil: all it registers. Its own flags always apply.
	out      io.Writer // where -h prints; nil: standard output
}

// settingNames are the flags of the gateway's settings that every command besides serve and
// check registers (config.flags), so that their environment variables are read alike, but
// only some of which mean anything to a given command.
func settingNames() []string {
	var cfg config
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	_ = cfg.flags(fs, false)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// applies reports whether the flag named means something to c.
func (c command) applies(name string, settings []string) bool {
	return c.only == nil || slices.Contains(c.only, name) || !slices.Contains(settings, name)
}

// usageError is a misuse of the command line: main prints it, points to -h, and exits 2.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// misuse says the command line was wrong.
func misuse(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// flags makes the command's flag set: silent, since parse prints what is needed.
func (c command) flags() *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse reads args into fs. -h prints the help to stdout and returns flag.ErrHelp.
func (c command) parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		out := c.out
		if out == nil {
			out = os.Stdout
		}
		c.printHelp(out, fs)
		return flag.ErrHelp
	}
	if err != nil {
		return &usageError{cmd: c.name, err: err}
	}
	settings := settingNames()
	var foreign []string
	fs.Visit(func(f *flag.Flag) {
		if !c.applies(f.Name, settings) {
			foreign = append(foreign, "-"+f.Name)
		}
	})
	if len(foreign) > 0 {
		return misuse(c.name, "%s does not apply to %s", strings.Join(foreign, ", "), c.name)
	}
	return nil
}

// printHelp writes the help: summary, usage, examples, and the flags that apply.
func (c command) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nusage: %s\n", c.summary, c.usage)
	if len(c.examples) > 0 {
		fmt.Fprintf(w, "\nexamples:\n")
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	settings := settingNames()
	var shown []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if c.applies(f.Name, settings) {
			shown = append(shown, f)
		}
	})
	if len(shown) == 0 {
		return
	}
	fmt.Fprintf(w, "\nflags (each can also be set by the environment variable shown with it):\n")
	for _, f := range shown {
		name, help := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(help, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	}
}

// group is a command made of subcommands (agent, agency, import): with none, or an unknown
// one, it lists them and is a misuse.
func group(name string, subs map[string]string, args []string) (string, error) {
	if len(args) > 0 && subs[args[0]] != "" {
		return args[0], nil
	}
	var b strings.Builder
	help := len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help")
	switch {
	case help:
		fmt.Fprintf(&b, "huduma %s has these subcommands (huduma %s <subcommand> -h for each):\n", name, name)
	case len(args) == 0:
		fmt.Fprintf(&b, "needs one of these subcommands:\n")
	default:
		fmt.Fprintf(&b, "has no subcommand %q; it has:\n", args[0])
	}
	keys := make([]string, 0, len(subs))
	for k := range subs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  huduma %s %-15s %s\n", name, k, subs[k])
	}
	if help {
		fmt.Print(b.String())
		return "", flag.ErrHelp
	}
	return "", &usageError{cmd: name, err: errors.New(strings.TrimRight(b.String(), "\n"))}
}

// exitCode prints err as main does and says how to exit: 0 for help, 2 for a misuse, 1 else.
func exitCode(err error, stderr io.Writer) int {
	var u *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "huduma %s: %v\nRun 'huduma %s -h' to see how to use it.\n", u.cmd, u.err, u.cmd)
		return 2
	}
	fmt.Fprintln(stderr, "huduma:", err)
	return 1
}
