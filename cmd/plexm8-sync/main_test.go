package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

type result struct {
	code           int
	stdout, stderr string
}

// run executes the CLI in-process with only the given environment.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv})
	return result{code, out.String(), errb.String()}
}

func TestHelpTeaches(t *testing.T) {
	r := run(t, nil, "--help")
	if r.code != 0 {
		t.Fatalf("--help exit %d", r.code)
	}
	for name := range commandsByName() {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("--help does not list %q", name)
		}
		h := run(t, nil, append(strings.Fields(name), "--help")...)
		if h.code != 0 || !strings.Contains(h.stdout, "Example") || !strings.Contains(h.stdout, "Usage: plexm8-sync "+name) {
			t.Errorf("%s --help: exit %d, output:\n%s", name, h.code, h.stdout)
		}
	}
	if h := run(t, nil, "help", "sync"); h.code != 0 || !strings.Contains(h.stdout, "--full") {
		t.Errorf("help sync: exit %d\n%s", h.code, h.stdout)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"sync", "--bogus"}, {"config"}, {"config", "nope"}, {"--nope", "version"}, {"version", "extra"}} {
		r := run(t, nil, args...)
		if r.code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "plexm8-sync") {
			t.Errorf("%q: stderr does not explain: %q", args, r.stderr)
		}
	}
	if r := run(t, nil, "config", "nope"); !strings.Contains(r.stderr, "check") {
		t.Errorf("unknown config verb does not list the valid ones: %q", r.stderr)
	}
}

func TestVersion(t *testing.T) {
	r := run(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "plexm8-sync ") || !strings.Contains(r.stdout, "go1.") {
		t.Fatalf("version: %d %q", r.code, r.stdout)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("plex:\n  page_size: 5000\n  tokn: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "--config", bad, "config", "check")
	if r.code != 1 || !strings.Contains(r.stderr, "bad.yaml:2") || !strings.Contains(r.stderr, "bad.yaml:3") {
		t.Fatalf("bad config: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("plex:\n  page_size: 500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const tok = "tok-NeverPrintMe-42"
	r = run(t, map[string]string{"PLEXM8_TOKEN": tok}, "config", "check", "--config", good)
	if r.code != 0 || !strings.Contains(r.stdout, "page_size: 500") {
		t.Fatalf("good config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, tok) {
		t.Fatal("config check printed the token")
	}
	if r := run(t, nil, "--config", filepath.Join(dir, "missing.yaml"), "config", "check"); r.code != 1 {
		t.Fatalf("missing explicit config: exit %d", r.code)
	}
}

func TestMigrateStatusSQLOffline(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PLEXM8_DB": filepath.Join(dir, "m.db"), "PLEXM8_CONFIG": filepath.Join(dir, "none.yaml")}
	// An explicitly named config that is missing is an error; use a real empty one.
	if err := os.WriteFile(env["PLEXM8_CONFIG"], nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "status"); r.code != 0 || !strings.Contains(r.stdout, "does not exist yet") {
		t.Fatalf("status before any database: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r := run(t, env, "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "applied migration 0001") || !strings.Contains(r.stdout, fmt.Sprintf("schema version %d", db.LatestVersion())) {
		t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "migrate"); r.code != 0 || strings.Contains(r.stdout, "applied") {
		t.Fatalf("second migrate applied again: %d %q", r.code, r.stdout)
	}
	if r := run(t, env, "status"); r.code != 0 || !strings.Contains(r.stdout, "nothing mirrored yet") {
		t.Fatalf("status: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "sql", "SELECT count(*) AS n, NULL AS absent FROM tracks")
	if r.code != 0 || !strings.Contains(r.stdout, "0  NULL") || !strings.Contains(r.stdout, "(1 rows)") {
		t.Fatalf("sql: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "sql", "DELETE FROM tracks"); r.code != 1 || !strings.Contains(r.stderr, "readonly") {
		t.Fatalf("sql must be read-only: %d %q", r.code, r.stderr)
	}
}

// fakeConfig starts a fake Plex and writes a config pointing at it.
func fakeConfig(t *testing.T, tracks int) (*plextest.Fake, map[string]string) {
	t.Helper()
	f, err := plextest.Start(plextest.Options{Seed: 5, Tracks: tracks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	dir := t.TempDir()
	cfg := fmt.Sprintf("state_dir: %q\nplex:\n  tv_url: %q\n  clients_url: %q\n  requests_per_second: 1000\n", dir, f.TVURL(), f.ClientsURL())
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return f, map[string]string{"PLEXM8_CONFIG": path, "PLEXM8_TOKEN": f.AccountToken()}
}

func TestSyncCommand(t *testing.T) {
	f, env := fakeConfig(t, 300)
	r := run(t, env, "--log-level", "debug", "sync")
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Home Server: first full sync complete", "Friend's Server", "tracks"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, s := range f.Servers() {
		if strings.Contains(r.stdout+r.stderr, s.AccessToken()) || strings.Contains(r.stdout+r.stderr, f.AccountToken()) {
			t.Fatal("a token reached the output or the debug log")
		}
	}
	// A failing playlist makes the pass partial and the exit code 1.
	s := f.Owned()
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart {
			s.RenamePlaylist(p.RatingKey, "renamed")
			// 400 is not retried, so the test does not sit through backoff.
			f.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists/" + p.RatingKey + "/items", Status: http.StatusBadRequest})
			break
		}
	}
	r = run(t, env, "sync", "--server", "Home Server")
	if r.code != 1 || !strings.Contains(r.stdout, "partial") || !strings.Contains(r.stdout, "problem:") {
		t.Fatalf("partial sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "Friend's Server") {
		t.Fatal("--server did not limit the pass")
	}
	if r := run(t, env, "sync", "--server", "nope"); r.code != 1 || !strings.Contains(r.stderr, "Home Server") {
		t.Fatalf("unknown server: exit %d, %q", r.code, r.stderr)
	}
	// Flags belong to one invocation: the next plain sync covers every server.
	f.ClearFaults()
	if r := run(t, env, "sync"); r.code != 0 || !strings.Contains(r.stdout, "Friend's Server") {
		t.Fatalf("a later sync kept an earlier --server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestSyncWithoutTokenSaysLogin(t *testing.T) {
	_, env := fakeConfig(t, 20)
	delete(env, "PLEXM8_TOKEN")
	if r := run(t, env, "sync"); r.code != 1 || !strings.Contains(r.stderr, "plexm8-sync login") {
		t.Fatalf("sync without token: exit %d, %q", r.code, r.stderr)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "demo", "--tracks", "200", "--dir", dir, "--keep")
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"app.plex.tv/auth#?", "Signed in as", "incremental sync complete", "Recent syncs", "(5 rows)",
		"Playlist history", "+1", "1 added, 1 removed, 1 moved", "#EXTM3U", "#PLEXM8:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "credentials.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v %v", err, st)
	}
	// The kept database answers queries afterwards, offline.
	r = run(t, nil, "--config", filepath.Join(dir, "config.yaml"), "sql", "SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL")
	if r.code != 0 || !strings.Contains(r.stdout, "\n1\n") {
		t.Fatalf("query after demo: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
