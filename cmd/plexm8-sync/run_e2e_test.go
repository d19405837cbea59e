package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/daemon"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// waitFor bounds every wait on the daemon. It is a deadline for a failure
// message, not a sleep: each wait ends as soon as the line arrives.
const waitFor = 90 * time.Second

// buildBinary builds plexm8-sync once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
	dir  string
}

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "plexm8-e2e-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.dir = dir
		buildOnce.path = filepath.Join(dir, "plexm8-sync")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildOnce.dir != "" {
		os.RemoveAll(buildOnce.dir)
	}
	os.Exit(code)
}

// daemonProc is a `plexm8-sync run` subprocess whose JSON log lines the
// test reads as they come.
type daemonProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	mu   sync.Mutex
	all  []map[string]any
	next chan map[string]any
	done chan struct{} // closed when stderr ends
	err  error         // of Wait, once done
}

func startDaemon(t *testing.T, bin, cfg string, extra ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--config", cfg, "run", "--credentials-poll", "100ms"}, extra...)...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{t: t, cmd: cmd, next: make(chan map[string]any, 10000), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"msg": sc.Text(), "unparsed": true}
			}
			p.mu.Lock()
			p.all = append(p.all, m)
			p.mu.Unlock()
			p.next <- m
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// await returns the first line from now on for which match is true.
func (p *daemonProc) await(what string, match func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		select {
		case m := <-p.next:
			if match(m) {
				return m
			}
		case <-p.done:
			// Drain what was read before the end.
			for {
				select {
				case m := <-p.next:
					if match(m) {
						return m
					}
				default:
					p.t.Fatalf("daemon exited (%v) before %s; log:\n%s", p.err, what, p.log())
				}
			}
		case <-deadline.C:
			p.t.Fatalf("no %s within %s; log:\n%s", what, waitFor, p.log())
		}
	}
}

func (p *daemonProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, m := range p.all {
		j, _ := json.Marshal(m)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func (p *daemonProc) count(match func(map[string]any) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.all {
		if match(m) {
			n++
		}
	}
	return n
}

func jobLine(job, status string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		return m["msg"] == "job finished" && m["job"] == job && (status == "" || m["status"] == status)
	}
}

func msgIs(msg string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["msg"] == msg }
}

// stop sends SIGTERM and returns how long the daemon took to exit.
func (p *daemonProc) stop() time.Duration {
	p.t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("the daemon did not exit after SIGTERM; log:\n%s", p.log())
	}
	if p.err != nil {
		p.t.Errorf("daemon exit: %v; log:\n%s", p.err, p.log())
	}
	return time.Since(start)
}

func writeRunConfig(t *testing.T, dir string, f *plextest.Fake, schedule string) string {
	t.Helper()
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`state_dir: %q
database:
  path: %q
plex:
  tv_url: %q
  clients_url: %q
  requests_per_second: 1000
  page_size: 100
log:
  format: json
  level: info
schedule:
%s`, dir, filepath.Join(dir, "plexm8.db"), f.TVURL(), f.ClientsURL(), schedule)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func saveToken(t *testing.T, dir, tok string) {
	t.Helper()
	if err := account.Save(dir, account.Credentials{Token: secret.New(tok), Username: "plexm8_user", SavedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func queryDB(t *testing.T, path, q string) int {
	t.Helper()
	d, err := db.Open(context.Background(), path, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.R().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

const removedRows = `SELECT (SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL) + (SELECT count(*) FROM albums WHERE removed_at IS NOT NULL)
	+ (SELECT count(*) FROM artists WHERE removed_at IS NOT NULL) + (SELECT count(*) FROM servers WHERE removed_at IS NOT NULL)
	+ (SELECT count(*) FROM playlists WHERE removed_at IS NOT NULL)`

// TestRunTokenLifecycleEndToEnd runs the built binary against the fake: the
// start-up sync, a rejected token (jobs pause, one loud line, nothing
// removed), recovery on the token check's schedule, a SIGHUP that changes
// the schedule, and a `login` in another process waking the daemon.
func TestRunTokenLifecycleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the daemon; skipped under -short")
	}
	bin := buildBinary(t)
	f, err := plextest.Start(plextest.Options{Seed: 11, Tracks: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	cfg := writeRunConfig(t, dir, f, `  validate_token: "@every 1s"
  sync: "@every 1s"
  refresh_resources: ""
  full_sync: ""
  backup: ""
`)
	saveToken(t, dir, f.AccountToken())
	dbPath := filepath.Join(dir, "plexm8.db")

	p := startDaemon(t, bin, cfg, "--http", "127.0.0.1:0")
	p.await("start-up sync", jobLine("sync", "ok"))
	tracks := queryDB(t, dbPath, `SELECT count(*) FROM tracks WHERE removed_at IS NULL`)
	if want := len(f.Owned().MusicTracks()) + len(f.Shared().MusicTracks()); tracks != want {
		t.Fatalf("after the start-up sync %d tracks, want %d", tracks, want)
	}
	httpLine := p.count(msgIs("serving /healthz and /metrics"))
	if httpLine != 1 {
		t.Errorf("no line naming the http address")
	}

	// plex.tv answers 401: jobs pause with one loud line, whatever the
	// number of ticks that confirm it.
	f.Inject(plextest.Fault{Host: "plex.tv", Status: http.StatusUnauthorized, Body: `{"errors":[{"code":1001,"message":"User could not be authenticated"}]}`})
	p.await("the loud line", msgIs(daemon.LoudRejected))
	for range 3 {
		p.await("a paused sync", jobLine("sync", "paused"))
	}
	if n := p.count(msgIs(daemon.LoudRejected)); n != 1 {
		t.Errorf("%d loud lines for one rejection, want 1", n)
	}
	if n := p.count(func(m map[string]any) bool { return m["level"] == "ERROR" }); n != 1 {
		t.Errorf("%d error lines so far, want only the loud one:\n%s", n, p.log())
	}
	if n := queryDB(t, dbPath, removedRows); n != 0 {
		t.Errorf("%d rows marked removed while the token was rejected", n)
	}
	// The token works again: the next scheduled check resumes the jobs.
	f.ClearFaults()
	p.await("the resume", msgIs("plex.tv accepts the token again; jobs resume"))
	p.await("a sync after the resume", jobLine("sync", "ok"))

	// SIGHUP: a schedule that no longer checks the token on its own, so only
	// the credentials watch can wake the daemon below.
	writeRunConfig(t, dir, f, `  validate_token: "@every 1h"
  sync: "@every 1s"
  refresh_resources: ""
  full_sync: ""
  backup: ""
`)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.await("the reload", msgIs("configuration reloaded"))

	// The token is revoked for good; the next sync's plex.tv call sees it.
	f.RevokeAccountToken()
	p.await("the loud line for the revocation", msgIs(daemon.LoudRejected))
	p.await("a paused sync", jobLine("sync", "paused"))
	if n := queryDB(t, dbPath, removedRows); n != 0 {
		t.Errorf("%d rows marked removed after the revocation", n)
	}
	// A `login` in another process writes new credentials and wakes it.
	login := exec.Command(bin, "--config", cfg, "login")
	login.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	out := &strings.Builder{}
	login.Stdout, login.Stderr = out, out
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	loginDone := make(chan error, 1)
	go func() { loginDone <- login.Wait() }()
	approve := time.NewTicker(20 * time.Millisecond) // the user clicking "Allow", until they have
	defer approve.Stop()
approving:
	for {
		select {
		case err := <-loginDone:
			if err != nil {
				t.Fatalf("login: %v\n%s", err, out)
			}
			break approving
		case <-approve.C:
			f.ClaimPendingPINs()
		case <-time.After(waitFor):
			t.Fatalf("login did not finish:\n%s", out)
		}
	}
	p.await("the file change", msgIs("credentials file changed; checking the token now"))
	p.await("the resume after login", msgIs("plex.tv accepts the token again; jobs resume"))
	p.await("a sync after login", jobLine("sync", "ok"))
	if n := p.count(msgIs(daemon.LoudRejected)); n != 2 {
		t.Errorf("%d loud lines for two rejections, want 2", n)
	}
	if d := p.stop(); d > 10*time.Second {
		t.Errorf("shutdown took %v, want < 10s", d)
	}
	if n := queryDB(t, dbPath, removedRows); n != 0 {
		t.Errorf("%d rows marked removed", n)
	}
	if strings.Contains(p.log(), f.AccountToken()) {
		t.Error("the log shows the token")
	}
}

// TestRunSIGTERMMidSync stops the daemon in the middle of the start-up sync
// of a few thousand tracks: it exits within 10 s, the database passes
// integrity_check, and the next start completes the job.
func TestRunSIGTERMMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the daemon; skipped under -short")
	}
	bin := buildBinary(t)
	f, err := plextest.Start(plextest.Options{Seed: 12, Tracks: 3000, SharedTracks: 2000})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	cfg := writeRunConfig(t, dir, f, `  validate_token: "@every 1h"
  sync: "@every 1h"
  refresh_resources: ""
  full_sync: ""
  backup: ""
`)
	saveToken(t, dir, f.AccountToken())
	dbPath := filepath.Join(dir, "plexm8.db")

	// Hold a page of the second server's track listing until the daemon was
	// told to stop, so the signal lands mid-sync with the first server
	// committed and the second one's rows in an open batch.
	midSync := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	f.Inject(plextest.Fault{Host: f.Shared().MachineID(), Path: "/library/sections/1/all", Skip: 5, Times: 1,
		Match:  func(r *http.Request) bool { return r.URL.Query().Get("type") == "10" },
		Before: func() { close(midSync); <-release }})

	p := startDaemon(t, bin, cfg)
	select {
	case <-midSync:
	case <-p.done:
		t.Fatalf("daemon exited early:\n%s", p.log())
	case <-time.After(waitFor):
		t.Fatalf("the sync never reached the held page:\n%s", p.log())
	}
	if d := p.stop(); d > 10*time.Second {
		t.Errorf("shutdown mid-sync took %v, want < 10s", d)
	} else {
		t.Logf("SIGTERM mid-sync to exit: %v", d.Round(time.Millisecond))
	}
	if p.count(jobLine("sync", "ok")) != 0 {
		t.Fatal("the sync finished before the signal; the test proves nothing")
	}
	d, err := db.Open(context.Background(), dbPath, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var check, status, msg string
	if err := d.R().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check after SIGTERM = %q, %v", check, err)
	}
	if err := d.R().QueryRow(`SELECT status, coalesce(error, '') FROM job_runs WHERE job = 'sync' ORDER BY id DESC LIMIT 1`).Scan(&status, &msg); err != nil {
		t.Fatal(err)
	}
	var partial int
	_ = d.R().QueryRow(`SELECT count(*) FROM tracks`).Scan(&partial)
	d.Close()
	if status != "failed" || !strings.Contains(msg, "interrupted") {
		t.Errorf("interrupted run recorded as %s %q, want failed, interrupted", status, msg)
	}
	if want := len(f.Owned().MusicTracks()); partial != want {
		t.Errorf("%d tracks written before the signal, want the first server's %d", partial, want)
	}

	// The next start finishes the job, and the mirror equals the fake.
	f.ClearFaults()
	p = startDaemon(t, bin, cfg)
	p.await("the completing sync", jobLine("sync", "ok"))
	p.stop()
	want := map[string]bool{}
	for _, s := range f.Servers() {
		for _, tr := range s.MusicTracks() {
			want[s.MachineID()+"|"+tr.RatingKey+"|"+tr.Title] = true
		}
	}
	d, err = db.Open(context.Background(), dbPath, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.R().Query(`SELECT server_id || '|' || rating_key || '|' || coalesce(title, '') FROM tracks WHERE removed_at IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var extra []string
	got := 0
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got++
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if got != len(want) || len(extra) > 0 {
		slices.Sort(extra)
		t.Errorf("mirror has %d tracks, the fake %d; not on the fake: %.5v", got, len(want), extra)
	}
	if len(want) < 5000 {
		t.Errorf("fake has only %d tracks", len(want))
	}
}
