package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// config check says where the token comes from, never what it is.
func TestConfigCheckSaysWhereTheTokenComesFrom(t *testing.T) {
	_, env := fakeConfig(t, 20)
	envTok := env["PLEXM8_TOKEN"]
	delete(env, "PLEXM8_TOKEN")
	dir := stateDir(env)
	line := func() string {
		t.Helper()
		r := run(t, env, "config", "check")
		if r.code != 0 {
			t.Fatalf("config check: %d %s", r.code, r.stderr)
		}
		for _, tok := range []string{"tok-from-login", envTok} {
			if strings.Contains(r.stdout, tok) {
				t.Fatal("config check printed the token")
			}
		}
		return firstLineWith(r.stdout, "# token:")
	}

	if got := line(); !strings.Contains(got, "(not set: run 'plexm8-sync login' or set PLEXM8_TOKEN)") {
		t.Errorf("not signed in: %q", got)
	}
	if err := account.Save(dir, account.Credentials{Token: secret.New("tok-from-login"), Username: "alice", SavedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, want := line(), "# token: [redacted] (from the credentials file "+account.Path(dir)+", account alice)"; got != want {
		t.Errorf("signed in with 'login': %q, want %q", got, want)
	}
	env["PLEXM8_TOKEN"] = envTok
	if got := line(); got != "# token: [redacted] (from PLEXM8_TOKEN)" {
		t.Errorf("with PLEXM8_TOKEN: %q", got)
	}
	delete(env, "PLEXM8_TOKEN")
	if err := os.WriteFile(account.Path(dir), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := line(); !strings.Contains(got, "(unusable: credentials file") || !strings.Contains(got, "plexm8-sync login") {
		t.Errorf("damaged credentials: %q", got)
	}
}
