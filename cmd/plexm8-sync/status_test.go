package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/secret"
	"github.com/plexm8/plexm8-sync/internal/status"
)

// statusNow is the clock the status tests run on.
var statusNow = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

// runAt is run with a fixed clock.
func runAt(t *testing.T, now time.Time, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv, Now: func() time.Time { return now }})
	return result{code, out.String(), errb.String()}
}

// stateDir is where fakeConfig keeps the state, credentials and database.
func stateDir(env map[string]string) string { return filepath.Dir(env["PLEXM8_CONFIG"]) }

// writeDaemonRows stands in for the daemon: its bookkeeping rows, written
// through the database's writer as `run` does.
func writeDaemonRows(t *testing.T, path string, stmts ...string) {
	t.Helper()
	d, err := db.Open(t.Context(), path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, s := range stmts {
		if _, err := d.W().ExecContext(t.Context(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func decodeStatus(t *testing.T, out string) status.Report {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var rep status.Report
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("status --json does not parse: %v\n%s", err, out)
	}
	return rep
}

func TestStatusJSON(t *testing.T) {
	f, env := fakeConfig(t, 300)
	if r := run(t, env, "sync"); r.code != 0 {
		t.Fatalf("sync: %d %s %s", r.code, r.stdout, r.stderr)
	}
	dir := stateDir(env)
	backupFile := filepath.Join(dir, "backups", "plexm8-20261201T193000Z.db")
	if err := os.MkdirAll(filepath.Dir(backupFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backupFile, []byte("a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) int64 { return statusNow.Add(d).Unix() }
	writeDaemonRows(t, filepath.Join(dir, "plexm8.db"),
		fmt.Sprintf(`INSERT INTO job_runs (job, started_at, finished_at, status, details) VALUES
			('sync', %d, %d, 'ok', '{"servers":2,"added":5,"updated":1,"removed":0}'),
			('backup', %d, %d, 'ok', '{"file":%q,"bytes":8,"integrity":"ok"}'),
			('backup', %d, %d, 'failed', NULL),
			('validate_token', %d, %d, 'ok', NULL)`,
			at(-10*time.Minute), at(-10*time.Minute+7*time.Second),
			at(-30*time.Minute), at(-30*time.Minute+2*time.Second), backupFile,
			at(-5*time.Minute), at(-5*time.Minute+time.Second),
			at(-time.Minute), at(-time.Minute)),
		`UPDATE job_runs SET error = 'integrity_check failed: the copy was discarded' WHERE status = 'failed'`,
		fmt.Sprintf(`INSERT INTO daemon_state (key, value, updated_at) VALUES
			('token', '{"state":"ok","since":%d,"checked_at":%d,"account":"plexm8_user"}', %d),
			('schedule', '{"sync":{"spec":"@every 15m","next":%d},"backup":{"spec":"@daily","next":%d},"validate_token":{"spec":"@hourly","next":%d}}', %d),
			('daemon', '{"pid":4242,"started_at":%d,"version":"v1.0.0","http":""}', %d)`,
			at(-time.Hour), at(-time.Minute), at(-time.Minute),
			at(5*time.Minute), at(4*time.Hour), at(59*time.Minute), at(-time.Minute),
			at(-time.Hour), at(-time.Hour)),
	)
	// Status needs neither Plex nor the writer: the fake is gone, and a
	// writer (standing in for the running daemon) holds the lock.
	f.Close()
	holder, err := db.Open(t.Context(), filepath.Join(dir, "plexm8.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	r := runAt(t, statusNow, env, "status", "--json")
	if r.code != 0 {
		t.Fatalf("status --json: %d %s %s", r.code, r.stdout, r.stderr)
	}
	rep := decodeStatus(t, r.stdout)
	if rep.Format != status.Format || !rep.GeneratedAt.Equal(statusNow) || rep.Database.Bytes <= 0 || rep.Database.SchemaVersion != db.LatestVersion() {
		t.Errorf("header %+v %+v", rep.GeneratedAt, rep.Database)
	}
	// PLEXM8_TOKEN is set in this environment, and the daemon's check wins.
	if rep.Token.State != "ok" || rep.Token.Source != "env" || rep.Account == nil || *rep.Account != "plexm8_user" ||
		rep.Token.CheckedAt == nil || !rep.Token.CheckedAt.Equal(statusNow.Add(-time.Minute)) {
		t.Errorf("token %+v account %v", rep.Token, rep.Account)
	}
	if rep.Daemon == nil || rep.Daemon.PID != 4242 || rep.Daemon.Version != "v1.0.0" {
		t.Errorf("daemon %+v", rep.Daemon)
	}

	var sum status.Counts
	for _, fs := range f.Servers() {
		i := slices.IndexFunc(rep.Servers, func(s status.Server) bool { return s.ID == fs.MachineID() })
		if i < 0 {
			t.Fatalf("server %s missing from %+v", fs.Name(), rep.Servers)
		}
		s := rep.Servers[i]
		var want status.Counts
		for _, sec := range fs.Sections() {
			ar, al, tr := fs.Counts(sec.Key)
			want.Artists += int64(ar)
			want.Albums += int64(al)
			want.Tracks += int64(tr)
		}
		if s.Name != fs.Name() || s.Owned != fs.Owned() || s.Removed || s.Counts.Artists != want.Artists ||
			s.Counts.Albums != want.Albums || s.Counts.Tracks != want.Tracks || s.Counts.Sections == 0 {
			t.Errorf("%s: %+v, want counts %+v", fs.Name(), s, want)
		}
		if s.Connection == nil || !strings.HasPrefix(*s.Connection, "http") || s.LastContact == nil ||
			s.LastSync == nil || s.LastSync.Status != "ok" || s.LastSync.Kind != "full" {
			t.Errorf("%s: connection %v, last contact %v, last sync %+v", fs.Name(), deref(s.Connection), s.LastContact, s.LastSync)
		}
		sum.Sections += s.Counts.Sections
		sum.Tracks += s.Counts.Tracks
		sum.PlaylistItems += s.Counts.PlaylistItems
	}
	if rep.Mirror.Tracks != sum.Tracks || rep.Mirror.Sections != sum.Sections || rep.Mirror.PlaylistItems != sum.PlaylistItems || sum.PlaylistItems == 0 {
		t.Errorf("mirror %+v, servers add up to %+v", rep.Mirror, sum)
	}

	var names []string
	for _, j := range rep.Jobs {
		names = append(names, j.Name)
	}
	// The default config schedules every job; they come in a fixed order.
	if want := []string{"validate_token", "refresh_resources", "sync", "full_sync", "backup"}; !slices.Equal(names, want) {
		t.Fatalf("jobs %q, want %q", names, want)
	}
	sync, backup := rep.Jobs[2], rep.Jobs[4]
	if sync.Schedule == nil || *sync.Schedule != "@every 15m" || sync.NextRun == nil || !sync.NextRun.Equal(statusNow.Add(5*time.Minute)) ||
		sync.LastRun == nil || sync.LastRun.Status != "ok" || sync.LastRun.Duration == nil || *sync.LastRun.Duration != 7 {
		t.Errorf("sync job %+v %+v", sync, sync.LastRun)
	}
	var counts struct{ Servers, Added int }
	if err := json.Unmarshal(sync.LastRun.Details, &counts); err != nil || counts.Servers != 2 || counts.Added != 5 {
		t.Errorf("sync details %s: %v", sync.LastRun.Details, err)
	}
	// The newest backup failed: the job shows that, the last good one stays.
	if backup.LastRun == nil || backup.LastRun.Status != "failed" || !strings.Contains(backup.LastRun.Error, "integrity_check") {
		t.Errorf("backup job %+v", backup.LastRun)
	}
	if b := rep.LastBackup; b == nil || b.File != backupFile || b.Bytes != 8 || b.Integrity != "ok" || !b.Exists ||
		!b.At.Equal(statusNow.Add(-30*time.Minute+2*time.Second)) {
		t.Errorf("last backup %+v", rep.LastBackup)
	}
	if rs := rep.RecentSyncs; len(rs) != 2 || rs[0].Status != "ok" || rs[0].Requests == 0 {
		t.Errorf("recent syncs %+v", rs)
	}
	if strings.Contains(r.stdout, env["PLEXM8_TOKEN"]) {
		t.Fatal("status printed the token")
	}

	// The human form says the same.
	h := runAt(t, statusNow, env, "status")
	if h.code != 0 {
		t.Fatalf("status: %d %s", h.code, h.stderr)
	}
	for _, want := range []string{
		"Token:      ok, account plexm8_user", "Daemon:     pid 4242, version v1.0.0",
		"Home Server", "Friend's Server", "servers 2, added 5, updated 1, removed 0",
		"integrity_check failed", backupFile, "Recent syncs", "@every 15m",
	} {
		if !strings.Contains(h.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, h.stdout)
		}
	}
}

// The shape is an interface: every documented key is present, null or not,
// in every report, including one of an empty database.
func TestStatusJSONKeysAlwaysPresent(t *testing.T) {
	_, env := fakeConfig(t, 20)
	delete(env, "PLEXM8_TOKEN")
	if r := run(t, env, "migrate"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runAt(t, statusNow, env, "status", "--json")
	if r.code != 0 {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "generated_at", "token", "account", "daemon", "database", "mirror", "servers", "jobs", "last_backup", "recent_syncs", "problems"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	for _, k := range []string{"servers", "jobs", "recent_syncs", "problems"} {
		if !strings.HasPrefix(string(m[k]), "[") {
			t.Errorf("%s = %s, want a list (empty, not null)", k, m[k])
		}
	}
	var tok map[string]json.RawMessage
	_ = json.Unmarshal(m["token"], &tok)
	for _, k := range []string{"state", "source", "since", "checked_at", "signed_in_at", "error"} {
		if _, ok := tok[k]; !ok {
			t.Errorf("token.%s missing", k)
		}
	}
	rep := decodeStatus(t, r.stdout)
	if rep.Token.State != "never_signed_in" || rep.Token.Source != "none" || rep.Account != nil || rep.Daemon != nil || rep.LastBackup != nil {
		t.Errorf("empty status %+v", rep)
	}
	if h := runAt(t, statusNow, env, "status"); !strings.Contains(h.stdout, "never signed in: run 'plexm8-sync login'") ||
		!strings.Contains(h.stdout, "nothing mirrored yet") {
		t.Errorf("human status of an empty database:\n%s", h.stdout)
	}
}

func TestStatusTokenStates(t *testing.T) {
	_, env := fakeConfig(t, 20)
	delete(env, "PLEXM8_TOKEN")
	if r := run(t, env, "migrate"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	dir := stateDir(env)
	dbPath := filepath.Join(dir, "plexm8.db")
	read := func() (status.Report, string) {
		t.Helper()
		j := runAt(t, statusNow, env, "status", "--json")
		h := runAt(t, statusNow, env, "status")
		if j.code != 0 || h.code != 0 {
			t.Fatalf("status: %s %s", j.stderr, h.stderr)
		}
		return decodeStatus(t, j.stdout), h.stdout
	}

	// Signed in, never checked by a daemon.
	saved := statusNow.Add(-2 * time.Hour)
	if err := account.Save(dir, account.Credentials{Token: secret.New("tok-secret-1"), Username: "alice", SavedAt: saved}); err != nil {
		t.Fatal(err)
	}
	rep, human := read()
	if rep.Token.State != "unchecked" || rep.Token.Source != "credentials" || rep.Account == nil || *rep.Account != "alice" ||
		rep.Token.SignedInAt == nil || !rep.Token.SignedInAt.Equal(saved) {
		t.Errorf("unchecked: %+v", rep.Token)
	}
	if !strings.Contains(human, "from stored credentials, account alice, not checked") {
		t.Errorf("unchecked:\n%s", human)
	}

	// Rejected after that login: paused, with the command to run.
	since := statusNow.Add(-time.Hour).Unix()
	writeDaemonRows(t, dbPath, fmt.Sprintf(`INSERT INTO daemon_state (key, value, updated_at) VALUES
		('token', '{"state":"rejected","since":%d,"checked_at":%d,"account":"alice","error":"plex.tv rejected the token"}', %d)`, since, since, since))
	rep, human = read()
	if rep.Token.State != "rejected" || rep.Token.Since == nil || rep.Token.Since.Unix() != since || rep.Token.Error == "" {
		t.Errorf("rejected: %+v", rep.Token)
	}
	if !strings.Contains(human, "REJECTED by plex.tv since") || !strings.Contains(human, "run 'plexm8-sync login'") || strings.Contains(human, "picks them up") {
		t.Errorf("rejected:\n%s", human)
	}

	// A new login after the rejection: the daemon will pick it up.
	if err := account.Save(dir, account.Credentials{Token: secret.New("tok-secret-2"), Username: "alice", SavedAt: statusNow.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, human = read(); !strings.Contains(human, "picks them up by itself") {
		t.Errorf("rejected, then signed in again:\n%s", human)
	}

	// plex.tv unreachable: the token is kept.
	writeDaemonRows(t, dbPath, `UPDATE daemon_state SET value = '{"state":"unknown","since":1,"checked_at":2,"error":"dial tcp: lookup plex.tv: no such host"}' WHERE key = 'token'`)
	rep, human = read()
	if rep.Token.State != "unknown" || !strings.Contains(human, "token is kept") || !strings.Contains(human, "no such host") {
		t.Errorf("unknown: %+v\n%s", rep.Token, human)
	}
	for _, tok := range []string{"tok-secret-1", "tok-secret-2"} {
		if strings.Contains(human, tok) {
			t.Fatal("status printed a token")
		}
	}

	// A damaged credentials file is a problem to report, not a failure.
	if err := os.WriteFile(account.Path(dir), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, human = read(); len(rep.Problems) != 1 || !strings.Contains(human, "problem: credentials file") {
		t.Errorf("damaged credentials: %q\n%s", rep.Problems, human)
	}
}

func TestDetailText(t *testing.T) {
	for raw, want := range map[string]string{
		`{"removed":0,"added":1000000,"servers":2,"updated":3}`: "servers 2, added 1000000, updated 3, removed 0",
		`{"file":"/x","bytes":2048,"integrity":"ok"}`:           "bytes 2048",
		`not json`: "",
		``:         "",
	} {
		if got := detailText(json.RawMessage(raw)); got != want {
			t.Errorf("detailText(%s) = %q, want %q", raw, got, want)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
