package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/huduma-connect/huduma/store/storetest"
)

// The DSN's pragmas must hold on the store's connection: WAL for readers in other
// processes, busy_timeout so a locked file waits, foreign keys so offerings stay valid.
func TestPragmas(t *testing.T) {
	ctx := storetest.Context(t)
	// A directory Open must create, with characters a URI would otherwise cut the path at.
	path := filepath.Join(t.TempDir(), "a dir?#", "huduma.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where asked: %v", err)
	}
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"busy_timeout", "5000"},
		{"foreign_keys", "1"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO offerings (centre, service) VALUES ('NOPE', 'NOPE')`)
	if err == nil {
		t.Fatal("an offering of an unknown centre was accepted: foreign keys are off")
	}
}
