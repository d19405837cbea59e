package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchedOutput is a Stdout a test can wait on for a piece of text, without
// sleeping.
type watchedOutput struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newWatchedOutput() *watchedOutput { return &watchedOutput{changed: make(chan struct{}, 1)} }

func (w *watchedOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return w.b.Write(p)
}

func (w *watchedOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor returns the output once it contains s; the bound only keeps a
// broken demo from hanging the test.
func (w *watchedOutput) waitFor(t *testing.T, s string) string {
	t.Helper()
	limit := time.After(time.Minute)
	for {
		if out := w.String(); strings.Contains(out, s) {
			return out
		}
		select {
		case <-w.changed:
		case <-limit:
			t.Fatalf("no %q in:\n%s", s, w.String())
		}
	}
}

// serveDemo starts 'demo --serve' in-process and returns its output once it
// is ready, and a stop that interrupts it (as Ctrl-C does) and returns its
// exit code.
func serveDemo(t *testing.T, env map[string]string, args ...string) (string, func() int) {
	t.Helper()
	out, errs := newWatchedOutput(), newWatchedOutput()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"demo", "--serve"}, args...),
			Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errs, Getenv: func(k string) string { return env[k] }})
	}()
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	select {
	case code := <-done:
		stopped = true
		t.Fatalf("demo --serve ended at once: exit %d\n%s\n%s", code, out, errs)
	default:
	}
	return out.waitFor(t, "Ctrl-C stops it"), stop
}

// shellWords splits a command line the demo printed: words, and Go-quoted
// strings as %q writes them.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	for _, w := range regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\S+`).FindAllString(line, -1) {
		if strings.HasPrefix(w, `"`) {
			u, err := strconv.Unquote(w)
			if err != nil {
				t.Fatalf("unquote %s: %v", w, err)
			}
			w = u
		}
		words = append(words, w)
	}
	return words
}

// 'demo --serve' tells how to change its stand-in server, and those
// commands, run from "another terminal" found through PLEXM8_CONFIG as it
// says, change the server so that a sync brings each change into the
// mirror. Also: the user's PLEXM8_TOKEN is pointed out, not used.
func TestDemoChangeMakesTheMirrorFollow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "serve")
	out, stop := serveDemo(t, map[string]string{"PLEXM8_TOKEN": "bogus"}, "--tracks", "60", "--dir", dir)
	defer stop()
	if !strings.Contains(out, "unset PLEXM8_TOKEN") {
		t.Errorf("demo --serve does not say that the user's PLEXM8_TOKEN would override its sign-in:\n%s", out)
	}
	m := regexp.MustCompile(`export PLEXM8_CONFIG=(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no config to export:\n%s", out)
	}
	env := map[string]string{"PLEXM8_CONFIG": m[1]}
	mustRun(t, env, "login")
	mustRun(t, env, "sync")

	// Every command the demo suggests, in its order.
	var suggested [][]string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "plexm8-sync "); ok && !strings.HasPrefix(rest, "login") {
			suggested = append(suggested, shellWords(t, rest))
		}
	}
	var playlist string
	for _, args := range suggested {
		r := mustRun(t, env, args...)
		if args[0] == "demo" && !strings.Contains(r.stdout, "plexm8-sync sync") {
			t.Errorf("%q does not say how to bring the change in:\n%s", args, r.stdout)
		}
		if args[0] == "demo" && args[2] == "rename-playlist" {
			playlist = args[4]
		}
	}
	if playlist == "" {
		t.Fatalf("the demo suggests no playlist rename:\n%s", out)
	}
	// The last suggestion was history: the rename and the added track are
	// versions of the playlist now.
	diff := mustRun(t, env, "diff", playlist)
	if !strings.Contains(diff.stdout, "→ \""+playlist+"\"") || !strings.Contains(diff.stdout, "+") || !strings.Contains(diff.stdout, "A New Song") {
		t.Errorf("the playlist edits did not reach the mirror:\n%s", diff.stdout)
	}

	sql := func(q string) string { return mustRun(t, env, "sql", q).stdout }
	change := func(args ...string) string {
		return mustRun(t, env, append([]string{"demo", "change"}, args...)...).stdout
	}
	change("rename-track", "a new song", "A Renamed Song")
	change("edit-playlist", playlist, "--remove", "A Renamed Song")
	mustRun(t, env, "sync")
	if got := sql(`SELECT title FROM tracks WHERE title LIKE 'A % Song' AND removed_at IS NULL`); !strings.Contains(got, "A Renamed Song") || !strings.Contains(got, "(1 rows)") {
		t.Errorf("rename-track did not reach the mirror:\n%s", got)
	}
	if d := mustRun(t, env, "diff", playlist); !strings.Contains(d.stdout, "0 added, 1 removed") || !strings.Contains(d.stdout, "A New Song") {
		t.Errorf("edit-playlist --remove did not reach the mirror:\n%s", d.stdout)
	}
	change("remove-track", "A Renamed Song")
	change("delete-playlist", playlist)
	mustRun(t, env, "sync")
	if got := sql(`SELECT title FROM tracks WHERE title = 'A Renamed Song' AND removed_at IS NOT NULL`); !strings.Contains(got, "(1 rows)") {
		t.Errorf("remove-track did not reach the mirror:\n%s", got)
	}
	if got := sql(`SELECT title FROM playlists WHERE title = '` + playlist + `' AND removed_at IS NOT NULL`); !strings.Contains(got, "(1 rows)") {
		t.Errorf("delete-playlist did not reach the mirror:\n%s", got)
	}

}

// Wrong words are usage errors (exit 2); a missing demo, an unknown or
// ambiguous name are errors (exit 1) that say what to do, and the server
// is left as it was.
func TestDemoChangeErrors(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "change"},
		{"demo", "change", "frobnicate", "x"},
		{"demo", "change", "add-track"},
		{"demo", "change", "rename-track", "x"},
		{"demo", "change", "edit-playlist", "x"},
		{"demo", "change", "remove-track", "x", "--album", "y"},
		{"demo", "change", "add-track", "x", "--add", "y"},
	} {
		if r := run(t, nil, args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "demo", "change", "add-track", "x"); r.code != 1 || !strings.Contains(r.stderr, "demo --serve") {
		t.Errorf("no demo named: exit %d\n%s", r.code, r.stderr)
	}
	empty := t.TempDir()
	if r := run(t, nil, "demo", "change", "--dir", empty, "add-track", "x"); r.code != 1 || !strings.Contains(r.stderr, "demo --serve --dir "+empty) {
		t.Errorf("no demo in --dir: exit %d\n%s", r.code, r.stderr)
	}

	dir := filepath.Join(t.TempDir(), "serve")
	serveDemo(t, nil, "--tracks", "60", "--dir", dir)
	change := func(args ...string) result {
		return run(t, nil, append([]string{"demo", "change", "--dir", dir}, args...)...)
	}
	if r := change("remove-track", "No Such Song Anywhere"); r.code != 1 || !strings.Contains(r.stderr, `no track on Home Server is titled "No Such Song Anywhere"`) {
		t.Errorf("unknown track: exit %d\n%s", r.code, r.stderr)
	}
	if r := change("add-track", "Orphan", "--album", "No Such Album"); r.code != 1 || !strings.Contains(r.stderr, "no album") {
		t.Errorf("unknown album: exit %d\n%s", r.code, r.stderr)
	}
	keyOf := regexp.MustCompile(`rating key (\d+)`)
	var keys []string
	for range 2 {
		r := change("add-track", "Twin")
		m := keyOf.FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			t.Fatalf("add-track Twin: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		keys = append(keys, m[1])
	}
	r := change("remove-track", "twin")
	if r.code != 1 || !strings.Contains(r.stderr, `2 tracks on Home Server are titled "twin"`) || !strings.Contains(r.stderr, keys[0]) || !strings.Contains(r.stderr, keys[1]) {
		t.Errorf("ambiguous track: exit %d\n%s", r.code, r.stderr)
	}
	if r := change("remove-track", keys[1]); r.code != 0 || !strings.Contains(r.stdout, "rating key "+keys[1]) {
		t.Errorf("remove-track by rating key: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := change("remove-track", "twin"); r.code != 0 || !strings.Contains(r.stdout, "rating key "+keys[0]) {
		t.Errorf("remove-track of the one Twin left: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Someone else's key file is refused.
	ctl := filepath.Join(dir, demoControlFile)
	b, err := os.ReadFile(ctl)
	if err != nil {
		t.Fatal(err)
	}
	forged := regexp.MustCompile(`"key":"[0-9a-f]+"`).ReplaceAll(b, []byte(`"key":"00"`))
	if err := os.WriteFile(ctl, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := change("add-track", "Intruder"); r.code != 1 || !strings.Contains(r.stderr, "wrong key") {
		t.Errorf("a wrong key: exit %d\n%s", r.code, r.stderr)
	}
}

// Once 'demo --serve' stops, its directory (which it created) is gone and
// 'demo change' says the demo is not running; a demo in the directory of
// a running one is refused.
func TestDemoServeStops(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "serve")
	_, stop := serveDemo(t, nil, "--tracks", "30", "--dir", dir, "--keep")
	if r := run(t, nil, "demo", "--tracks", "30", "--dir", dir); r.code != 1 || !strings.Contains(r.stderr, "in use by a running") {
		t.Errorf("a second demo in a served directory: exit %d\n%s", r.code, r.stderr)
	}
	if code := stop(); code != 0 {
		t.Errorf("demo --serve stopped with exit %d", code)
	}
	if r := run(t, nil, "demo", "change", "--dir", dir, "add-track", "x"); r.code != 1 || !strings.Contains(r.stderr, "demo --serve --dir") {
		t.Errorf("demo change after the demo stopped: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err != nil {
		t.Errorf("--keep did not keep the served demo's files: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, demoControlFile)); !os.IsNotExist(err) {
		t.Errorf("the stopped demo left %s: %v", demoControlFile, err)
	}
	mustRun(t, nil, "demo", "--tracks", "20", "--dir", dir)

	gone := filepath.Join(t.TempDir(), "gone")
	_, stop = serveDemo(t, nil, "--tracks", "30", "--dir", gone)
	stop()
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("demo --serve without --keep left its directory: %v", err)
	}
}
