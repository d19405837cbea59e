package account_test

import (
	"errors"
	"os"
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
	if err := account.Delete(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := account.Load(dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Fatalf("Load after Delete = %v", err)
	}
	if err := account.Delete(dir); err != nil {
		t.Fatalf("second Delete = %v", err)
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
