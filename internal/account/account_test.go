package account_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

func TestSaveLoadDelete(t *testing.T) {
	dir := t.TempDir() + "/state"
	if _, err := account.Load(dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Fatalf("Load of nothing = %v, want ErrNotSignedIn", err)
	}
	want := account.Credentials{Token: secret.New("tok-123"), Username: "bob", SavedAt: time.Unix(1700000000, 0).UTC()}
	if err := account.Save(dir, want); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(account.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials mode = %v, want 0600", st.Mode().Perm())
	}
	got, err := account.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Token.Equal(want.Token) || got.Username != "bob" || !got.SavedAt.Equal(want.SavedAt) {
		t.Fatalf("Load = %+v", got)
	}
	if removed, err := account.Remove(dir); err != nil || !removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
	if _, err := account.Load(dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Fatalf("Load after Delete = %v", err)
	}
	if removed, err := account.Remove(dir); err != nil || removed {
		t.Fatalf("second Remove = %v, %v; want nothing removed", removed, err)
	}
	if err := account.Delete(dir); err != nil {
		t.Fatalf("Delete with nothing to delete = %v", err)
	}
}

func TestDamagedFileSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(account.Path(dir), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := account.Load(dir)
	if err == nil || !strings.Contains(err.Error(), "plexm8-sync login") {
		t.Fatalf("Load of damaged file = %v", err)
	}
}

// TestReadableCredentialsWarn: a credentials file that others can read is
// still used (refusing would stop the syncs and not un-expose the token),
// with a warning that names the file and the command that fixes it.
func TestReadableCredentialsWarn(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	dir := t.TempDir()
	if err := account.Save(dir, account.Credentials{Token: secret.New("tok-123"), SavedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	path := account.Path(dir)
	for mode, warn := range map[os.FileMode]bool{0o600: false, 0o400: false, 0o644: true, 0o640: true, 0o606: true, 0o620: true} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		c, err := account.Load(dir)
		if err != nil || c.Token.Reveal() != "tok-123" {
			t.Fatalf("mode %04o: %v, token %v", mode, err, c.Token)
		}
		if got := c.Warning != ""; got != warn {
			t.Errorf("mode %04o: warning %q", mode, c.Warning)
		}
		if warn && (!strings.Contains(c.Warning, "chmod 600 "+path) || !strings.Contains(c.Warning, fmt.Sprintf("%04o", mode)) || strings.Contains(c.Warning, "tok-123")) {
			t.Errorf("mode %04o: the warning does not say what to do: %q", mode, c.Warning)
		}
	}
}
