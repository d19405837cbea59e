package account

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
)

func TestLoadOrCreateClientID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "nested")
	id, err := LoadOrCreateClientID(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("id %q", id)
	}
	again, err := LoadOrCreateClientID(dir)
	if err != nil || again != id {
		t.Errorf("second load %q %v, want %q", again, err, id)
	}
	other, _ := LoadOrCreateClientID(t.TempDir())
	if other == id {
		t.Error("two state dirs got the same id")
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, "client-id"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v %v", fi.Mode(), err)
		}
		di, _ := os.Stat(dir)
		if di.Mode().Perm() != 0o700 {
			t.Errorf("dir mode %v", di.Mode())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftover files: %v", entries)
	}
}

func TestClientIDConcurrentCreateAgrees(t *testing.T) {
	dir := t.TempDir()
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := LoadOrCreateClientID(dir)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids differ: %v", ids)
		}
	}
}

func TestClientIDDamagedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "client-id"), []byte("bad id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateClientID(dir); err == nil {
		t.Error("damaged id accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, "client-id"), []byte("  kept-as-is-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if id, err := LoadOrCreateClientID(dir); err != nil || id != "kept-as-is-123" {
		t.Errorf("existing id: %q %v", id, err)
	}
}
