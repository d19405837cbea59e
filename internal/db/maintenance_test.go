package db

import (
	"path/filepath"
	"testing"
)

func TestCheckpointAndOptimize(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	insertServers(t, d, "a")
	if _, _, _, err := d.Checkpoint(t.Context()); err != nil {
		t.Error(err)
	}
	if err := d.Optimize(t.Context()); err != nil {
		t.Error(err)
	}
}
