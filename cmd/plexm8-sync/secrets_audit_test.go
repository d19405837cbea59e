package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// TestSecretsAuditEndToEnd plants recognisable tokens (the account's and
// each server's) and runs the whole flow at debug level: login, syncs,
// history, restore, a failing request, backup, status, exports and a
// revoked token. No token may appear in any output, log line, error, file
// the program wrote (database, WAL, backups, exports) or URL the fake was
// sent; the credentials file, which must hold it, is 0600.
func TestSecretsAuditEndToEnd(t *testing.T) {
	f, err := plextest.Start(plextest.Options{Seed: 15, Tracks: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	secrets := []string{"AUDITxACCOUNTxTOKENx15"}
	f.SetAccountToken(secrets[0])
	for i, s := range f.Servers() {
		tok := fmt.Sprintf("AUDITxSERVERx%dxTOKEN", i)
		s.SetAccessToken(tok)
		secrets = append(secrets, tok)
	}
	dir := t.TempDir()
	exports := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf("state_dir: %q\nplex:\n  tv_url: %q\n  clients_url: %q\n  requests_per_second: 1000\nlog:\n  level: debug\n  format: json\n",
		dir, f.TVURL(), f.ClientsURL())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PLEXM8_CONFIG": cfgPath}
	var outputs bytes.Buffer
	cli := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"--log-level", "debug"}, args...),
			Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
		fmt.Fprintf(&outputs, "$ %s\n%s%s", strings.Join(args, " "), out.String(), errb.String())
		if code != want {
			t.Fatalf("%s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String()
	}

	// login: the first poll of the PIN finds it claimed.
	f.Inject(plextest.Fault{Host: plextest.HostPlexTV, Method: http.MethodGet, Path: "/api/v2/pins/", Times: 1,
		Before: func() { f.ClaimPendingPINs() }})
	cli(0, "login")
	f.ClearFaults()
	cli(0, "sync", "--full")

	// History with a rename and a deletion, then a restore of the deleted one.
	s := f.Owned()
	var victim, renamed plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart {
			if victim.RatingKey == "" {
				victim = p
			} else if renamed.RatingKey == "" {
				renamed = p
			}
		}
	}
	s.RenamePlaylist(renamed.RatingKey, "audit renamed")
	s.DeletePlaylist(victim.RatingKey)
	cli(0, "sync")
	cli(0, "history")
	cli(0, "history", "--json")
	cli(0, "history", victim.RatingKey)
	cli(0, "restore", victim.RatingKey, "--as", "audit restored")

	// An error that names a URL: a playlist whose items fail.
	s.RenamePlaylist(renamed.RatingKey, "audit renamed again")
	f.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists/" + renamed.RatingKey + "/items", Status: http.StatusBadRequest})
	cli(1, "sync", "--server", s.Name())
	f.ClearFaults()

	cli(0, "backup", "-o", filepath.Join(dir, "audit-backup.db"))
	cli(0, "backup")
	cli(0, "backup", "--list")
	cli(0, "status")
	cli(0, "status", "--json")
	for _, format := range []string{"m3u8", "json", "csv", "xspf"} {
		cli(0, "export", "--all", "--dir", filepath.Join(exports, format), "--format", format)
	}
	cli(0, "export", renamed.RatingKey, "--format", "json", "-o", filepath.Join(exports, "one.json"))

	// A revoked account token and a server rejecting its token: both fail
	// with messages, neither quoting a token.
	s.SetAccessToken("AUDITxREJECTEDxTOKEN")
	secrets = append(secrets, "AUDITxREJECTEDxTOKEN")
	f.RevokeAccountToken()
	cli(1, "sync")
	secrets = append(secrets, f.AccountToken())

	// The credentials file holds the token, and only its owner may read it.
	cred := account.Path(dir)
	if st, err := os.Stat(cred); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file %s: mode %v, %v; want 0600", cred, st.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(cred); !bytes.Contains(b, []byte(secrets[0])) {
		t.Fatal("the credentials file lacks the token: the audit searched for the wrong string")
	}

	leaks := func(where string, b []byte) {
		t.Helper()
		for _, sec := range secrets {
			// A prefix catches a truncated or escaped copy as well.
			if bytes.Contains(b, []byte(sec[:12])) {
				i := bytes.Index(b, []byte(sec[:12]))
				t.Errorf("token %s… found in %s: …%q…", sec[:8], where, b[max(0, i-80):min(len(b), i+40)])
			}
		}
	}
	leaks("command output and debug logs", outputs.Bytes())
	if !strings.Contains(outputs.String(), `"level":"DEBUG"`) {
		t.Fatal("no debug line was logged: the audit did not see the debug log")
	}
	files := 0
	for _, root := range []string{dir, exports} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path == cred {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			leaks(path, b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 8 {
		t.Fatalf("only %d files written: database, backups and exports expected", files)
	}
	for _, r := range f.Requests() {
		leaks("request URL "+r.Path, []byte(r.Path+"?"+r.Query.Encode()))
	}
}
