package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// backOffice is a store with the domain's back office over it, for the commands that manage
// users, agencies and requests.
type backOffice struct {
	store  sqlStore
	office *crm.Office
	name   string
}

// openBackOffice opens the configured store, brings it up to date and builds the office.
func openBackOffice(ctx context.Context, cfg config) (*backOffice, error) {
	cal, err := cfg.calendar()
	if err != nil {
		return nil, err
	}
	log, err := cfg.logger()
	if err != nil {
		return nil, err
	}
	oc, err := cfg.officeConfig(log)
	if err != nil {
		return nil, err
	}
	s, name, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := migrateAndSeed(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	desk, err := crm.NewDesk(ctx, s, crm.DeskConfig{Calendar: cal, SlotCapacity: 1})
	if err != nil {
		s.Close()
		return nil, err
	}
	return &backOffice{store: s, office: crm.NewOffice(desk, oc), name: name}, nil
}

const agentUsage = `usage: huduma agent add -username NAME -role ROLE [flags]
       huduma agent disable|enable|reset-password|logout|unlock -username NAME

add creates a console user. Roles: agent, supervisor, centre_manager (needs -centre),
integrity_officer, admin, dpo (the data protection officer). The password is read from standard input with -password-stdin;
otherwise a random one is generated and printed once.
disable stops an account (its sessions end at once); enable lets it back in.
reset-password draws a new password, prints it once, and ends every session.
logout ends every session of the user. unlock clears the failed-login count that slows or
locks their logins.
`

// agentCommand manages console users: "huduma agent add", and the actions on an account
// (manageAgent).
func agentCommand(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && slices.Contains(agentActions, args[0]) {
		return manageAgent(ctx, args[0], args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(os.Stderr, agentUsage)
		return flag.ErrHelp
	}
	var cfg config
	var in crm.NewUser
	var role, phone, queue, langs string
	var fromStdin bool
	fs := flag.NewFlagSet("agent add", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), agentUsage); fs.PrintDefaults() }
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&in.Username, "username", "", "login name (one word)")
	fs.StringVar(&in.Name, "name", "", "full name")
	fs.StringVar(&role, "role", "agent", "agent, supervisor, centre_manager, integrity_officer, admin or dpo")
	fs.StringVar(&phone, "phone", "", "mobile number for alerts, e.g. +254712345678")
	fs.StringVar(&in.Centre, "centre", "", "centre code, for a centre manager (e.g. KSM)")
	fs.StringVar(&queue, "queue", "general", "general or integrity")
	fs.StringVar(&langs, "langs", "en,sw", "languages spoken, for assignment")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if in.Username == "" {
		return errors.New("agent add: -username is required")
	}
	in.Role, in.Queue, in.Centre = crm.Role(role), crm.Queue(queue), strings.ToUpper(in.Centre)
	if phone != "" {
		p, err := crm.ParsePhone(phone)
		if err != nil {
			return fmt.Errorf("agent add: -phone: %w", err)
		}
		in.Phone = p
	}
	for _, l := range strings.Split(langs, ",") {
		if l = strings.TrimSpace(l); l != "" {
			in.Langs = append(in.Langs, crm.Lang(l))
		}
	}
	generated := !fromStdin
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("agent add: read password: %w", err)
		}
		in.Password = strings.TrimRight(line, "\r\n")
	} else {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		in.Password = base64.RawURLEncoding.EncodeToString(b)
	}
	bo, err := openBackOffice(ctx, cfg)
	if err != nil {
		return err
	}
	defer bo.store.Close()
	u, err := bo.office.AddUser(ctx, in)
	if err != nil {
		return fmt.Errorf("agent add: %w", err)
	}
	fmt.Fprintf(stdout, "added %s %q (id %d) to %s\n", u.Role, u.Username, u.ID, bo.name)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", in.Password)
	}
	return nil
}

const agencyUsage = `usage: huduma agency add -code CODE -name NAME (-services A,B | -institution NAME)

Registers an agency that pushes request statuses over /api/v1/requests and prints its
API key once (only a hash is kept).
`

// agencyCommand registers agencies: "huduma agency add".
func agencyCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(os.Stderr, agencyUsage)
		return flag.ErrHelp
	}
	var cfg config
	var code, name, services, institution string
	fs := flag.NewFlagSet("agency add", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), agencyUsage); fs.PrintDefaults() }
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&code, "code", "", "short code, e.g. NRB")
	fs.StringVar(&name, "name", "", "the agency's name")
	fs.StringVar(&services, "services", "", "comma-separated service codes it processes")
	fs.StringVar(&institution, "institution", "", "take every service of this institution (as in the services list)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	bo, err := openBackOffice(ctx, cfg)
	if err != nil {
		return err
	}
	defer bo.store.Close()
	var codes []string
	for _, s := range strings.Split(services, ",") {
		if s = strings.TrimSpace(s); s != "" {
			codes = append(codes, strings.ToUpper(s))
		}
	}
	if institution != "" {
		codes = append(codes, bo.office.ServicesOf(institution)...)
		if name == "" {
			name = institution
		}
	}
	ag, key, err := bo.office.AddAgency(ctx, code, name, codes)
	if err != nil {
		return fmt.Errorf("agency add: %w", err)
	}
	fmt.Fprintf(stdout, "added agency %s (%s) for %s\nAPI key (shown once): %s\n", ag.Code, ag.Name, strings.Join(ag.Services, ", "), key)
	return nil
}

const importUsage = `usage: huduma import requests -agency CODE FILE.csv

Registers tracked requests in bulk. The first row names the columns:
ref,phone,service,centre,status,expected_ready,reason,note (expected_ready, reason and note
may be left out; ref is the ticket number, 9 digits with a check digit). Each row is imported whole or not at all; bad rows are reported by
line number and the rest go in. Importing the same file again changes nothing.
`

// importCommand imports tracked requests: "huduma import requests".
func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "requests" {
		fmt.Fprint(os.Stderr, importUsage)
		return flag.ErrHelp
	}
	var cfg config
	var agency string
	fs := flag.NewFlagSet("import requests", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), importUsage); fs.PrintDefaults() }
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&agency, "agency", "", "the agency the requests belong to (its services only)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if agency == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import requests: -agency and one FILE are required")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import requests: %w", err)
	}
	defer f.Close()
	bo, err := openBackOffice(ctx, cfg)
	if err != nil {
		return err
	}
	defer bo.store.Close()
	ag, err := bo.store.Agency(ctx, strings.ToUpper(agency))
	if err != nil {
		return fmt.Errorf("import requests: agency %s: %w (add it with huduma agency add)", agency, err)
	}
	last := time.Now()
	rep, err := bo.office.ImportRequests(ctx, ag, f, func(done, total int) {
		if done == total || time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(stderr, "\rimporting: %d/%d rows", done, total)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("import requests: %w", err)
	}
	for _, bad := range rep.Bad {
		fmt.Fprintln(stderr, "bad row:", bad)
	}
	fmt.Fprintf(stdout, "%d rows: %d new, %d updated, %d already there, %d bad (not imported)\n",
		rep.Rows, rep.Created, rep.Updated, rep.Unchanged, len(rep.Bad))
	if len(rep.Bad) > 0 {
		return fmt.Errorf("import requests: %d bad rows; fix them and import the file again", len(rep.Bad))
	}
	return nil
}
