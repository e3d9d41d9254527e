package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/console"
	"github.com/huduma-connect/huduma/crm"
)

// The citizen's rights under the Data Protection Act 2019 from the command line, for the data
// protection officer with access to the server (the same operations as the API's
// /citizens/{phone}/…, see crm/rights.go), and the retention schedule's settings.

// citizenSubcommands are what `huduma citizen` does, for its list.
var citizenSubcommands = map[string]string{
	"export":   "print everything held about a phone as one JSON document",
	"erase":    "replace a phone and the citizen's words by a token in every table (recorded)",
	"erasures": "list the erasures, newest first, as JSON",
	"find":     "count what every text column still holds of a phone or of given words",
}

// actsAs is what every citizen subcommand's help says about who it acts as.
const actsAs = ` It acts as "cli:<your login name>" with the data protection officer's reach (corruption reports included), and each case it reads is recorded as viewed.`

var citizenHelp = map[string]command{
	"export": {name: "citizen export", usage: "huduma citizen export PHONE",
		summary:  "Prints everything held about the phone as one JSON document: the citizen's copy of their data (Data Protection Act, section 26)." + actsAs,
		examples: []string{"huduma citizen export 0712345678 > citizen-0712345678.json"}, only: officeSettings},
	"erase": {name: "citizen erase", usage: `huduma citizen erase PHONE -reason "..."`,
		summary:  "Replaces the phone, and the citizen's words, by a random token in every table (section 40). Cases stay, counted; open ones are closed, upcoming appointments and queued messages cancelled. The erasure is recorded with the reason, which must not hold the phone." + actsAs,
		examples: []string{`huduma citizen erase 0712345678 -reason "Letter DPO/2026/031"`}, only: officeSettings},
	"erasures": {name: "citizen erasures", usage: "huduma citizen erasures",
		summary:  "Lists the erasures, newest first, as JSON: who, when, why, and the rows each changed.",
		examples: []string{"huduma citizen erasures"}, only: officeSettings},
	"find": {name: "citizen find", usage: "huduma citizen find PHONE [TEXT...]",
		summary:  "Counts the rows of every text column of every table (from the database's catalogue) that hold the phone, in any of its forms, or any TEXT: the check after an erasure.",
		examples: []string{`huduma citizen find 0712345678 "the words of their complaint"`}, only: officeSettings},
}

// citizenCommand is "huduma citizen export|erase|erasures|find".
func citizenCommand(ctx context.Context, args []string, stdout io.Writer) error {
	sub, err := group("citizen", citizenSubcommands, args)
	if err != nil {
		return err
	}
	help := citizenHelp[sub]
	var cfg config
	var reason string
	fs := help.flags()
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	if sub == "erase" {
		fs.StringVar(&reason, "reason", "", "the request this erasure answers (a letter's reference); required, and without the phone")
	}
	// The phone may come before the flags, as the usage writes it, or after them.
	rest := args[1:]
	var positional []string
	for {
		if err := help.parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional, rest = append(positional, fs.Arg(0)), fs.Args()[1:]
	}
	var phone crm.Phone
	switch {
	case sub == "erasures" && len(positional) > 0:
		return misuse(help.name, "unexpected arguments %q (it takes no PHONE)", positional)
	case sub == "erasures":
	case len(positional) == 0:
		return misuse(help.name, "a PHONE is required")
	case sub != "find" && len(positional) > 1:
		return misuse(help.name, "unexpected arguments %q (one PHONE; quote a reason with spaces)", positional[1:])
	default:
		if phone, err = crm.ParsePhone(positional[0]); err != nil {
			return misuse(help.name, "%q: %w (give it as +2547XXXXXXXX, 2547XXXXXXXX or 07XXXXXXXX)", positional[0], err)
		}
	}
	if sub == "erase" && strings.TrimSpace(reason) == "" {
		return misuse(help.name, "-reason is required: the request this erasure answers")
	}
	bo, err := openBackOffice(ctx, cfg)
	if err != nil {
		return err
	}
	defer bo.store.Close()
	actor := cliActor()
	switch sub {
	case "export":
		x, err := bo.office.ExportCitizen(ctx, actor, phone)
		if err != nil {
			return fmt.Errorf("citizen export: %w", err)
		}
		return printJSON(stdout, console.ExportDocument(x))
	case "erase":
		e, err := bo.office.EraseCitizen(ctx, actor, phone, reason)
		if err != nil {
			return fmt.Errorf("citizen erase: %w", err)
		}
		return printJSON(stdout, console.ErasureJSON(e))
	case "erasures":
		list, err := bo.office.Erasures(ctx, actor, 1000)
		if err != nil {
			return fmt.Errorf("citizen erasures: %w", err)
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			out = append(out, console.ErasureJSON(e))
		}
		return printJSON(stdout, map[string]any{"erasures": out})
	}
	return findCitizen(ctx, bo, phone, positional[1:], stdout)
}

// textFinder is the stores' scan of every text column (both stores have it).
type textFinder interface {
	TextColumns(ctx context.Context) ([]string, error)
	FindText(ctx context.Context, needles []string) ([]crm.TextMatch, error)
}

// findCitizen prints where the phone (its nine national digits, which every form holds) or
// any of texts is still stored.
func findCitizen(ctx context.Context, bo *backOffice, phone crm.Phone, texts []string, stdout io.Writer) error {
	f, ok := bo.store.(textFinder)
	if !ok {
		return errors.New("citizen find: this store cannot scan its columns")
	}
	cols, err := f.TextColumns(ctx)
	if err != nil {
		return fmt.Errorf("citizen find: %w", err)
	}
	needles := append([]string{strings.TrimPrefix(string(phone), "+254")}, texts...)
	found, err := f.FindText(ctx, needles)
	if err != nil {
		return fmt.Errorf("citizen find: %w", err)
	}
	for _, m := range found {
		fmt.Fprintf(stdout, "%s.%s: %d rows hold %q\n", m.Table, m.Column, m.Rows, m.Needle)
	}
	if len(found) == 0 {
		fmt.Fprintf(stdout, "nothing found in the %d text columns of %s\n", len(cols), bo.name)
	}
	return nil
}

// cliActor is who the command line acts as: the operating-system user, with the dpo's reach.
// Whoever runs it holds the database's credentials, which reach every row anyway; the name
// puts them on the record.
func cliActor() crm.User {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return crm.User{Username: "cli:" + name, Role: crm.RoleDPO}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// retentionInterval is how often each replica applies the retention schedule: its periods
// are months and days, so an hour late is nothing, and a run with nothing to do is a few
// index look-ups.
const retentionInterval = time.Hour

// retentionSettings is the retention schedule as configured; the defaults are
// crm.DefaultRetention's.
type retentionSettings crm.Retention

func (r *retentionSettings) flags(fs *flag.FlagSet) error {
	def := crm.DefaultRetention()
	var errs []error
	for _, s := range []struct {
		p         *crm.Period
		name, env string
		def       crm.Period
		help      string
	}{
		{&r.ClosedCases, "retain-closed-cases", "HUDUMA_RETAIN_CLOSED_CASES", def.ClosedCases,
			"how long a resolved case keeps the citizen's phone and words after its resolution (24mo, 2y, 90d; off keeps them)"},
		{&r.Recordings, "retain-recordings", "HUDUMA_RETAIN_RECORDINGS", def.Recordings,
			"how long the links to recorded calls and voice complaints are kept"},
		{&r.MessageBodies, "retain-message-bodies", "HUDUMA_RETAIN_MESSAGE_BODIES", def.MessageBodies,
			"how long what a sent SMS said is kept (who it went to and whether it arrived stay)"},
		{&r.AppointmentPhones, "retain-appointment-phones", "HUDUMA_RETAIN_APPOINTMENT_PHONES", def.AppointmentPhones,
			"how long after its day an appointment keeps the phone it was booked from"},
	} {
		raw := envOr(s.env, s.def.String())
		v := (*periodValue)(s.p)
		if err := v.Set(raw); err != nil {
			errs = append(errs, fmt.Errorf("%s (-%s) = %q: %w; the default is %s", s.env, s.name, raw, err, s.def))
		}
		fs.Var(v, s.name, s.help+" ("+s.env+")")
	}
	return errors.Join(errs...)
}

// periodValue is a crm.Period as a flag.Value.
type periodValue crm.Period

func (v *periodValue) Set(s string) error {
	p, err := crm.ParsePeriod(s)
	if err != nil {
		return errors.New("want a whole number of days, months or years, e.g. 90d, 24mo or 2y; or off")
	}
	*v = periodValue(p)
	return nil
}
func (v *periodValue) String() string { return crm.Period(*v).String() }
