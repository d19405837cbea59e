package db

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/migrations"
)

// TestDrainClassMatchesMigration: the drain decides which rows the trigram
// indexes hold with the same GLOB as the migration that built them.
func TestDrainClassMatchesMigration(t *testing.T) {
	names, err := fs.Glob(migrations.FS, "*_query.sql")
	if err != nil || len(names) != 1 {
		t.Fatalf("query migration: %v %v", names, err)
	}
	body, err := fs.ReadFile(migrations.FS, names[0])
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(body), "GLOB '*"+cjkClass+"*'"); n < 9 {
		t.Errorf("%s has the drain's class %d times, want every GLOB (9+)", names[0], n)
	}
}
