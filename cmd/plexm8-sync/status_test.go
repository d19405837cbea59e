package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
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
			('token', '{"state":"ok","since":%d,"checked_at":%d,"account":"plexm8_user","token_id":%q}', %d),
			('schedule', '{"sync":{"spec":"@every 15m","next":%d},"backup":{"spec":"@daily","next":%d},"validate_token":{"spec":"@hourly","next":%d}}', %d),
			('daemon', '{"pid":4242,"started_at":%d,"version":"v1.0.0","http":""}', %d)`,
			at(-time.Hour), at(-time.Minute), account.TokenID(dir, secret.New(env["PLEXM8_TOKEN"])), at(-time.Minute),
			at(5*time.Minute), at(4*time.Hour), at(59*time.Minute), at(-time.Minute),
			at(-time.Hour), at(-time.Hour)),
	)
	// Status needs neither Plex nor the writer: the fake is gone, and a
	// writer (standing in for the running daemon) holds the lock, and the
	// daemon's own.
	f.Close()
	holder, err := db.Open(t.Context(), filepath.Join(dir, "plexm8.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	running, err := db.HoldDaemonLock(holder.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer running.Release()

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
	if rep.Daemon == nil || !rep.Daemon.Running || rep.Daemon.PID != 4242 || rep.Daemon.Version != "v1.0.0" {
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
		"Token:      ok, from PLEXM8_TOKEN, account plexm8_user", "Daemon:     running, pid 4242, version v1.0.0",
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
	if _, err := account.LoadOrCreateClientID(dir); err != nil { // as every command that talks to Plex does
		t.Fatal(err)
	}
	read := func() (status.Report, string) {
		t.Helper()
		j := runAt(t, statusNow, env, "status", "--json")
		h := runAt(t, statusNow, env, "status")
		if j.code != 0 || h.code != 0 {
			t.Fatalf("status: %s %s", j.stderr, h.stderr)
		}
		return decodeStatus(t, j.stdout), h.stdout
	}
	// tokenRecord stands in for the daemon's check of tok.
	tokenRecord := func(tok, state string, since int64, errText string) {
		t.Helper()
		writeDaemonRows(t, dbPath, fmt.Sprintf(`INSERT INTO daemon_state (key, value, updated_at) VALUES
			('token', '{"state":%q,"since":%d,"checked_at":%d,"account":"alice","error":%q,"token_id":%q}', %d)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, state, since, since, errText, account.TokenID(dir, secret.New(tok)), since))
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
	if !strings.Contains(human, "from the credentials file, account alice, not checked") {
		t.Errorf("unchecked:\n%s", human)
	}

	// Rejected: paused, with the command to run.
	since := statusNow.Add(-time.Hour).Unix()
	tokenRecord("tok-secret-1", "rejected", since, "plex.tv rejected the token")
	rep, human = read()
	if rep.Token.State != "rejected" || rep.Token.Since == nil || rep.Token.Since.Unix() != since || rep.Token.Error == "" {
		t.Errorf("rejected: %+v", rep.Token)
	}
	if !strings.Contains(human, "REJECTED by plex.tv since") || !strings.Contains(human, "run 'plexm8-sync login'") {
		t.Errorf("rejected:\n%s", human)
	}

	// A new login after the rejection: that rejection was the old token's.
	if err := account.Save(dir, account.Credentials{Token: secret.New("tok-secret-2"), Username: "alice", SavedAt: statusNow.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if rep, human = read(); rep.Token.State != "unchecked" || !strings.Contains(human, "checks a new token by itself") || strings.Contains(human, "REJECTED") {
		t.Errorf("rejected, then signed in again: %+v\n%s", rep.Token, human)
	}

	// plex.tv unreachable: the token is kept.
	tokenRecord("tok-secret-2", "unknown", since, "dial tcp: lookup plex.tv: no such host")
	rep, human = read()
	if rep.Token.State != "unknown" || !strings.Contains(human, "token is kept") || !strings.Contains(human, "no such host") {
		t.Errorf("unknown: %+v\n%s", rep.Token, human)
	}
	for _, tok := range []string{"tok-secret-1", "tok-secret-2"} {
		if strings.Contains(human, tok) {
			t.Fatal("status printed a token")
		}
	}

	// A damaged credentials file: the token line says so and what to do,
	// once.
	if err := os.WriteFile(account.Path(dir), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, human = read()
	if rep.Token.State != "credentials_unreadable" || len(rep.Problems) != 1 ||
		!strings.Contains(human, "Token:      credentials file "+account.Path(dir)+" is damaged: run 'plexm8-sync login'") || strings.Contains(human, "problem:") {
		t.Errorf("damaged credentials: %+v %q\n%s", rep.Token, rep.Problems, human)
	}
}

// After 'logout', with a damaged credentials file or with a PLEXM8_TOKEN
// the daemon never checked, the daemon's "ok" of the token it did check is
// not the answer: status says what is true of the token in use now.
func TestStatusTokenIsTheCurrentOne(t *testing.T) {
	f, env := fakeConfig(t, 20)
	delete(env, "PLEXM8_TOKEN")
	dir := stateDir(env)
	if r := run(t, env, "migrate"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if _, err := account.LoadOrCreateClientID(dir); err != nil {
		t.Fatal(err)
	}
	good := secret.New(f.AccountToken())
	if err := account.Save(dir, account.Credentials{Token: good, Username: "plexm8_user", SavedAt: statusNow.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	checked := statusNow.Add(-time.Minute).Unix()
	writeDaemonRows(t, filepath.Join(dir, "plexm8.db"), fmt.Sprintf(`INSERT INTO daemon_state (key, value, updated_at) VALUES
		('token', '{"state":"ok","since":%d,"checked_at":%d,"account":"plexm8_user","error":"","token_id":%q}', %d)`,
		checked, checked, account.TokenID(dir, good), checked))
	check := func(what, state, source, text string) {
		t.Helper()
		j := runAt(t, statusNow, env, "status", "--json")
		h := runAt(t, statusNow, env, "status")
		if j.code != 0 || h.code != 0 {
			t.Fatalf("%s: status: %s %s", what, j.stderr, h.stderr)
		}
		rep := decodeStatus(t, j.stdout)
		if rep.Token.State != state || rep.Token.Source != source {
			t.Errorf("%s: token %+v, want %s from %s", what, rep.Token, state, source)
		}
		if line := firstLineWith(h.stdout, "Token:"); !strings.Contains(line, text) {
			t.Errorf("%s: %q lacks %q", what, line, text)
		}
	}
	check("checked", "ok", "credentials", "ok, from the credentials file, account plexm8_user")

	env["PLEXM8_TOKEN"] = "not-a-token"
	check("a PLEXM8_TOKEN set since", "unchecked", "env", "from PLEXM8_TOKEN, not checked by the daemon yet")
	delete(env, "PLEXM8_TOKEN")

	if err := os.WriteFile(account.Path(dir), []byte(`{"token":`), 0o600); err != nil {
		t.Fatal(err)
	}
	check("damaged credentials", "credentials_unreadable", "credentials", "is damaged: run 'plexm8-sync login' to replace it")

	if r := run(t, env, "logout"); r.code != 0 {
		t.Fatalf("logout: %d %s", r.code, r.stderr)
	}
	check("after logout", "signed_out", "none", "signed out: run 'plexm8-sync login'")
}

func firstLineWith(text, prefix string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(line)
		}
	}
	return ""
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

// TestStatusKnowsWhetherTheDaemonRuns runs the daemon in-process: while it
// runs, status says so and shows its next runs, and the token it checked is
// ok; once it stopped, its record stays but status calls it stopped and
// shows no next runs. Another token than the one it checked is not ok.
func TestStatusKnowsWhetherTheDaemonRuns(t *testing.T) {
	d := startInProcessDaemon(t, 50, "validate_token", "sync")
	env, cfg := d.env, d.cfg

	readStatus := func() (status.Report, string) {
		t.Helper()
		j := run(t, env, "--config", cfg, "status", "--json")
		h := run(t, env, "--config", cfg, "status")
		if j.code != 0 || h.code != 0 {
			t.Fatalf("status: %d %s %d %s", j.code, j.stderr, h.code, h.stderr)
		}
		return decodeStatus(t, j.stdout), h.stdout
	}
	rep, human := readStatus()
	if rep.Daemon == nil || !rep.Daemon.Running || rep.Daemon.PID != os.Getpid() {
		t.Errorf("while the daemon runs: daemon %+v", rep.Daemon)
	}
	if i := slices.IndexFunc(rep.Jobs, func(j status.Job) bool { return j.Name == "sync" }); i < 0 || rep.Jobs[i].NextRun == nil {
		t.Errorf("while the daemon runs, sync has no next run: %+v", rep.Jobs)
	}
	if rep.Token.State != "ok" || rep.Token.Source != "env" {
		t.Errorf("the token the daemon checked: %+v", rep.Token)
	}
	if !strings.Contains(human, "Daemon:     running, pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(human, "NEXT RUN") {
		t.Errorf("while the daemon runs:\n%s", human)
	}

	d.Stop(t)
	rep, human = readStatus()
	if rep.Daemon == nil || rep.Daemon.Running || rep.Daemon.PID != os.Getpid() {
		t.Errorf("after the daemon stopped: daemon %+v", rep.Daemon)
	}
	for _, j := range rep.Jobs {
		if j.NextRun != nil {
			t.Errorf("after the daemon stopped, %s runs next at %v", j.Name, j.NextRun)
		}
	}
	if !strings.Contains(human, "Daemon:     stopped") || strings.Contains(human, "NEXT RUN") {
		t.Errorf("after the daemon stopped:\n%s", human)
	}

	// A token the daemon never saw is not the one it found ok.
	env["PLEXM8_TOKEN"] = "bogus-token"
	if rep, _ = readStatus(); rep.Token.State != "unchecked" || rep.Token.Source != "env" || rep.Account != nil {
		t.Errorf("a bogus PLEXM8_TOKEN: %+v, account %v", rep.Token, deref(rep.Account))
	}
	// And with no token at all, the one it checked is gone.
	delete(env, "PLEXM8_TOKEN")
	if rep, _ = readStatus(); rep.Token.State != "signed_out" || rep.Token.Source != "none" {
		t.Errorf("no token: %+v", rep.Token)
	}
}

// A new user's first status: no database, not signed in. It answers (exit
// 0) with what to do, and creates nothing.
func TestStatusBeforeFirstSync(t *testing.T) {
	_, env := fakeConfig(t, 20)
	delete(env, "PLEXM8_TOKEN")
	dir := stateDir(env)
	dbPath := filepath.Join(dir, "plexm8.db")

	h := runAt(t, statusNow, env, "status")
	if h.code != 0 {
		t.Fatalf("status: exit %d\n%s%s", h.code, h.stdout, h.stderr)
	}
	for _, want := range []string{
		"never signed in: run 'plexm8-sync login'", "Daemon:     never ran",
		dbPath + " does not exist yet", "Nothing synced yet: sign in with 'plexm8-sync login', then run 'plexm8-sync sync'",
	} {
		if !strings.Contains(h.stdout, want) {
			t.Errorf("first status lacks %q:\n%s", want, h.stdout)
		}
	}
	if strings.Contains(h.stdout+h.stderr, "migrate") {
		t.Errorf("a new user is told about migrations:\n%s%s", h.stdout, h.stderr)
	}
	j := runAt(t, statusNow, env, "status", "--json")
	if j.code != 0 {
		t.Fatalf("status --json: exit %d %s", j.code, j.stderr)
	}
	rep := decodeStatus(t, j.stdout)
	if rep.Database.Exists || rep.Database.Path != dbPath || rep.Token.State != "never_signed_in" || rep.Daemon != nil || len(rep.Jobs) == 0 {
		t.Errorf("first status --json: database %+v, token %+v, daemon %+v, jobs %d", rep.Database, rep.Token, rep.Daemon, len(rep.Jobs))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "config.yaml" {
			t.Errorf("status created %s", e.Name())
		}
	}

	// Signed in: the next step is the sync alone.
	if err := account.Save(dir, account.Credentials{Token: secret.New("tok"), Username: "alice", SavedAt: statusNow}); err != nil {
		t.Fatal(err)
	}
	if h := runAt(t, statusNow, env, "status"); h.code != 0 || !strings.Contains(h.stdout, "Nothing synced yet: run 'plexm8-sync sync'") {
		t.Errorf("signed in, nothing synced: exit %d\n%s", h.code, h.stdout)
	}
}

// The status tables line up by display width, whatever the names hold, and
// a line that carries an error neither breaks nor stretches them.
func TestStatusTablesAlign(t *testing.T) {
	_, env := fakeConfig(t, 20)
	delete(env, "PLEXM8_TOKEN")
	if r := run(t, env, "migrate"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	at := func(d time.Duration) int64 { return statusNow.Add(d).Unix() }
	writeDaemonRows(t, filepath.Join(stateDir(env), "plexm8.db"),
		`INSERT INTO servers (id, name, owned, connection_uri) VALUES
			('a', '音楽サーバー 🎸🔥', 1, 'http://10.0.0.2:32400'), ('b', 'Den', 0, 'http://10.0.0.3:32400')`,
		fmt.Sprintf(`INSERT INTO job_runs (job, started_at, finished_at, status, error, details) VALUES
			('sync', %d, %d, 'ok', NULL, '{"servers":2,"added":5,"updated":1,"removed":0}'),
			('backup', %d, %d, 'failed', 'integrity_check failed: the copy was discarded, and this error is longer than any row of the table', NULL)`,
			at(-10*time.Minute), at(-10*time.Minute+7*time.Second), at(-5*time.Minute), at(-5*time.Minute+time.Second)),
		fmt.Sprintf(`INSERT INTO sync_runs (kind, server_id, started_at, finished_at, status, error) VALUES
			('incremental', 'a', %d, %d, 'partial', 'playlist 音楽 🎸: 400 Bad Request')`, at(-3*time.Minute), at(-2*time.Minute)),
	)
	r := runAt(t, statusNow, env, "status")
	if r.code != 0 {
		t.Fatalf("status: %d %s", r.code, r.stderr)
	}
	tables := map[string][]string{} // header line -> rows
	var header string
	for line := range strings.Lines(r.stdout) {
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" || line == "Recent syncs:":
			header = ""
		case header == "" && (strings.HasPrefix(line, "SERVER") || strings.HasPrefix(line, "JOB") || strings.HasPrefix(line, "RUN")):
			header = line
		case header != "":
			tables[header] = append(tables[header], line)
		}
	}
	if len(tables) != 3 {
		t.Fatalf("want the server, job and recent sync tables:\n%s", r.stdout)
	}
	// col is the display column where s starts in line, -1 if absent.
	col := func(line, s string) int {
		i := strings.Index(line, s)
		if i < 0 {
			return -1
		}
		return cells.StringWidth(line[:i])
	}
	for header, rows := range tables {
		var check [][2]string // a header, and a cell that must start under it
		switch {
		case strings.HasPrefix(header, "SERVER"):
			check = [][2]string{{"OWNED", "yes"}, {"OWNED", "no"}, {"CONNECTION", "http://10.0.0.2"}, {"CONNECTION", "http://10.0.0.3"}}
		case strings.HasPrefix(header, "JOB"):
			check = [][2]string{{"RESULT", "ok: servers 2, added 5, updated 1, removed 0"}, {"RESULT", "failed"}, {"RESULT", "integrity_check failed"}}
		default:
			check = [][2]string{{"STATUS", "partial"}, {"STATUS", "playlist 音楽 🎸: 400 Bad Request"}, {"STARTED", format.Time(statusNow.Add(-3 * time.Minute))}}
		}
		for _, c := range check {
			want := col(header, c[0])
			if !slices.ContainsFunc(rows, func(row string) bool { return strings.HasPrefix(fromColumn(row, want), c[1]) }) {
				t.Errorf("no row has %q at column %d, under %s:\n%s\n%s", c[1], want, c[0], header, strings.Join(rows, "\n"))
			}
		}
		// An error line must not widen the columns: the header is no wider
		// than the widest row without an error.
		widest := 0
		for _, row := range rows {
			if !strings.Contains(row, "integrity_check") && !strings.Contains(row, "Bad Request") {
				widest = max(widest, cells.StringWidth(row))
			}
		}
		if w := cells.StringWidth(header); w > widest {
			t.Errorf("the header (%d cells) is wider than every row (%d): an error line stretched the table:\n%s\n%s", w, widest, header, strings.Join(rows, "\n"))
		}
	}

	// On a narrow terminal the server table cuts its names, not its
	// alignment.
	rep := decodeStatus(t, runAt(t, statusNow, env, "status", "--json").stdout)
	var out bytes.Buffer
	if err := printStatus(&out, &rep, 60); err != nil {
		t.Fatal(err)
	}
	narrow := strings.Split(out.String(), "\n")
	// Headers are cut too ("SE…", "OW…") where the table cannot fit
	// otherwise, so they are found by their first letters.
	i := slices.IndexFunc(narrow, func(l string) bool { return strings.HasPrefix(l, "SE") })
	if i < 0 || i+2 >= len(narrow) {
		t.Fatalf("no server table:\n%s", out.String())
	}
	wide := 0
	for h := range tables {
		if strings.HasPrefix(h, "SERVER") {
			wide = cells.StringWidth(h)
		}
	}
	owned := col(narrow[i], "OW")
	for _, row := range narrow[i+1 : i+3] {
		if !strings.Contains(row, "…") && !strings.HasPrefix(row, "Den ") || cells.StringWidth(row) >= wide {
			t.Errorf("on a narrow terminal: %q (the full table is %d cells)", row, wide)
		}
		if o := fromColumn(row, owned); !strings.HasPrefix(o, "yes") && !strings.HasPrefix(o, "no") {
			t.Errorf("on a narrow terminal OWNED is out of line: %q", row)
		}
	}
}

// fromColumn is what line shows from display column c on.
func fromColumn(line string, c int) string {
	w := 0
	for i, r := range line {
		if w >= c {
			return line[i:]
		}
		w += cells.RuneWidth(r)
	}
	return ""
}
