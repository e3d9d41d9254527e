// Package flowstest builds the real menus over a real, seeded SQLite store for the tests of
// the channels: no mocks of the domain or the store, and a fixed clock so that days and times
// on the screens are the same on every run.
package flowstest

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/store/sqlite"
)

// Nairobi is East Africa Time.
var Nairobi = mustLocation("Africa/Nairobi")

// Now is the tests' clock: Tuesday 24 November 2026, 07:00 in Nairobi, an hour before the
// centres open, with Jamhuri Day and Christmas within the booking window's reach.
var Now = time.Date(2026, 11, 24, 7, 0, 0, 0, Nairobi)

// World is everything behind a channel: the desk (appointments) and the office (tickets,
// complaints, callbacks) over one store.
type World struct {
	Store  *sqlite.Store
	Desk   *crm.Desk
	Office *crm.Office
	Engine *flows.Engine
	Msgs   *flows.Messages
}

// New opens a migrated, seeded SQLite store in a temporary directory and the menus over it.
// capacity is the places per slot (small values make full slots easy to reach).
func New(t testing.TB, capacity int) *World { return NewObserved(t, capacity, nil) }

// NewObserved is New with the desk's store wrapped by observe (when not nil), so a test can
// watch what the menus ask of the store.
func NewObserved(t testing.TB, capacity int, observe func(crm.Store) crm.Store) *World {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "huduma.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	data, err := crm.DefaultRefData()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(ctx, data); err != nil {
		t.Fatal(err)
	}
	var ds crm.Store = st
	if observe != nil {
		ds = observe(st)
	}
	desk, err := crm.NewDesk(ctx, ds, crm.DeskConfig{
		Calendar: crm.DefaultCalendar(Nairobi), SlotCapacity: capacity, LeadTime: 30 * time.Minute,
		Now: func() time.Time { return Now },
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := flows.LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	office := crm.NewOffice(desk, crm.OfficeConfig{PasswordCost: 4 /* bcrypt.MinCost */, Logger: slog.New(slog.DiscardHandler)})
	return &World{Store: st, Desk: desk, Office: office, Engine: flows.NewEngine(desk, office, msgs), Msgs: msgs}
}

// Pick returns the number a citizen types to choose the option with that value on the
// session's screen (1-based), failing the test when the screen does not offer it.
func Pick(t testing.TB, s *flows.Session, value string) string {
	t.Helper()
	for i, o := range s.Screen.Options {
		if o.Value == value {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatalf("screen %s does not offer %q (options %v)", s.State, value, s.Screen.Options)
	return ""
}

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
