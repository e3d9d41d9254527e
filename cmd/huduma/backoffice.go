package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
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

// agentSubcommands are what `huduma agent` does, for its list.
var agentSubcommands = map[string]string{
	"add":            "make a console user (prints a password once)",
	"disable":        "stop an account; its sessions end at once",
	"enable":         "let a disabled account back in",
	"reset-password": "draw a new password, print it once, end every session",
	"logout":         "end every session of a user",
	"unlock":         "clear the failed-login count that slows or locks a username",
}

var agentAddHelp = command{name: "agent add", usage: "huduma agent add -username NAME -role ROLE [flags]",
	summary: "Makes a console user. Roles: agent, supervisor, centre_manager (needs -centre), integrity_officer, admin, dpo (the data protection officer). The password is read from standard input with -password-stdin; otherwise one is drawn and printed once.",
	examples: []string{`huduma agent add -username admin -name "Amina Wanjiku" -role admin`,
		`huduma agent add -username otieno -role centre_manager -centre KSM -phone 0722000001`,
		`printf '%s\n' "$PASSWORD" | huduma agent add -username baraka -role agent -password-stdin`},
	only: officeSettings}

// agentCommand manages console users: "huduma agent add", and the actions on an account
// (manageAgent).
func agentCommand(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	sub, err := group("agent", agentSubcommands, args)
	if err != nil {
		return err
	}
	if sub != "add" {
		return manageAgent(ctx, sub, args[1:], stdout)
	}
	var cfg config
	var in crm.NewUser
	var role, phone, queue, langs string
	var fromStdin bool
	fs := agentAddHelp.flags()
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
	if err := agentAddHelp.parse(fs, args[1:]); err != nil {
		return err
	}
	if in.Username == "" {
		return misuse("agent add", "-username is required")
	}
	if fs.NArg() > 0 {
		return misuse("agent add", "unexpected arguments %q (flags only)", fs.Args())
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

var agencyAddHelp = command{name: "agency add", usage: "huduma agency add -code CODE (-services A,B | -institution NAME) [-name NAME]",
	summary: "Registers an agency that pushes request statuses over /api/v1/requests, and prints its API key once (only a hash is kept).",
	examples: []string{`huduma agency add -code NRB -institution "National Registration Bureau"`,
		`huduma agency add -code KRA -name "Kenya Revenue Authority" -services KRA-PIN,KRA-TCC`},
	only: officeSettings}

// agencyCommand registers agencies: "huduma agency add".
func agencyCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if _, err := group("agency", map[string]string{"add": "register an agency and print its API key once"}, args); err != nil {
		return err
	}
	var cfg config
	var code, name, services, institution string
	fs := agencyAddHelp.flags()
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&code, "code", "", "short code, e.g. NRB")
	fs.StringVar(&name, "name", "", "the agency's name (default: the -institution's)")
	fs.StringVar(&services, "services", "", "comma-separated service codes it processes")
	fs.StringVar(&institution, "institution", "", "take every service of this institution (as in the services list)")
	if err := agencyAddHelp.parse(fs, args[1:]); err != nil {
		return err
	}
	if code == "" || (services == "" && institution == "") {
		return misuse("agency add", "-code and one of -services or -institution are required")
	}
	if fs.NArg() > 0 {
		return misuse("agency add", "unexpected arguments %q (flags only; quote a name with spaces)", fs.Args())
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

var importHelp = command{name: "import requests", usage: "huduma import requests -agency CODE FILE.csv",
	summary: "Registers tracked requests in bulk. The first row names the columns: ref,phone,service,centre,status,expected_ready,reason,note " +
		"(expected_ready, reason and note may be left out; ref is the gateway's ticket number: 9 digits, the last a check digit). " +
		"Each row goes in whole or not at all; bad rows are reported by line number and the rest go in. Importing the same file again changes nothing.",
	examples: []string{"huduma import requests -agency NRB requests.csv"},
	only:     officeSettings}

// importCommand imports tracked requests: "huduma import requests".
func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if _, err := group("import", map[string]string{"requests": "register tracked requests from a CSV file"}, args); err != nil {
		return err
	}
	var cfg config
	var agency string
	fs := importHelp.flags()
	if err := cfg.flags(fs, false); err != nil {
		return err
	}
	fs.StringVar(&agency, "agency", "", "the agency the requests belong to (its services only)")
	if err := importHelp.parse(fs, args[1:]); err != nil {
		return err
	}
	if agency == "" || fs.NArg() != 1 {
		return misuse("import requests", "-agency and one FILE are required")
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
