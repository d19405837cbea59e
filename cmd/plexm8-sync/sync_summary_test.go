package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// summaryCounts reads the counts table of the first server's summary in a
// sync's output: kind -> [added, updated, removed]. It fails the test unless
// the table is laid out as every other table: a header in capitals, names on
// the left, numbers right-aligned under their headers.
func summaryCounts(t *testing.T, out string) map[string][3]int {
	t.Helper()
	lines := strings.Split(out, "\n")
	head := -1
	for i, l := range lines {
		if regexp.MustCompile(`^WHAT +ADDED +UPDATED +REMOVED$`).MatchString(l) {
			head = i
			break
		}
	}
	if head < 0 {
		t.Fatalf("no counts table headed WHAT ADDED UPDATED REMOVED:\n%s", out)
	}
	row := regexp.MustCompile(`^([a-z_]+) +(\d+) +(\d+) +(\d+)$`)
	got := map[string][3]int{}
	for _, l := range lines[head+1 : head+6] {
		m := row.FindStringSubmatch(l)
		if m == nil || len(l) != len(lines[head]) {
			t.Fatalf("row %q does not line up with the header %q:\n%s", l, lines[head], out)
		}
		var c [3]int
		for i := range c {
			c[i], _ = strconv.Atoi(m[i+2])
		}
		got[m[1]] = c
	}
	return got
}

// sqlInt runs one query through the sql command and returns its single
// integer answer.
func sqlInt(t *testing.T, env map[string]string, q string) int {
	t.Helper()
	r := run(t, env, "sql", "--csv", q)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("sql %q: exit %d\n%s%s", q, r.code, r.stdout, r.stderr)
	}
	n, err := strconv.Atoi(lines[1])
	if err != nil {
		t.Fatalf("sql %q: %v", q, err)
	}
	return n
}

// The first sync of a server lists everything: it is labelled a full one,
// in the output and in sync_runs, and the next one incremental.
func TestFirstSyncIsLabelledFull(t *testing.T) {
	_, env := fakeConfig(t, 60)
	r := run(t, env, "sync")
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Home Server: first full sync complete", "Friend's Server: first full sync complete"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("first sync output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "incremental") {
		t.Errorf("a first sync is called incremental:\n%s", r.stdout)
	}
	r = run(t, env, "sync", "--server", "Home Server")
	if r.code != 0 || !strings.Contains(r.stdout, "Home Server: incremental sync complete") {
		t.Fatalf("second sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "sync", "--full", "--server", "Home Server")
	if r.code != 0 || !strings.Contains(r.stdout, "Home Server: full sync complete") {
		t.Fatalf("sync --full: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "sql", "--csv", "SELECT r.kind FROM sync_runs r JOIN servers s ON s.id = r.server_id WHERE s.name = 'Home Server' ORDER BY r.id")
	if got := strings.Fields(r.stdout); strings.Join(got, " ") != "kind full incremental full" {
		t.Errorf("sync_runs kinds of Home Server = %v, want full, incremental, full", got)
	}
}

// Ctrl-C in the middle of a sync: the batch of tracks under way is rolled
// back, and the summary and sync_runs count only what was committed.
func TestInterruptedSyncCountsOnlyWhatWasCommitted(t *testing.T) {
	f, env := fakeConfig(t, 400)
	// Small pages fetched one at a time, so that many track rows are in
	// the (single, uncommitted) batch when the pass is cancelled.
	cfg, err := os.ReadFile(env["PLEXM8_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("plex:\n"), []byte("plex:\n  page_size: 10\n  concurrency: 1\n"), 1)
	if err := os.WriteFile(env["PLEXM8_CONFIG"], cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Inject(plextest.Fault{Host: f.Owned().MachineID(), Path: "/library/sections/1/all", Times: 1,
		Match: func(r *http.Request) bool {
			start, _ := strconv.Atoi(r.URL.Query().Get("X-Plex-Container-Start"))
			return r.URL.Query().Get("type") == "10" && start >= 200
		},
		Before: cancel})
	var out, errb bytes.Buffer
	code := Main(ctx, []string{"sync", "--server", "Home Server"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }})
	if ctx.Err() == nil {
		t.Fatalf("the sync never reached the tracks' later pages: exit %d\n%s%s", code, out.String(), errb.String())
	}
	// What the run recorded is what the mirror holds.
	rows := map[string]int{}
	total := 0
	for _, kind := range []string{"artists", "albums", "tracks", "playlists", "playlist_items"} {
		rows[kind] = sqlInt(t, env, "SELECT count(*) FROM "+kind)
		total += rows[kind]
	}
	if rows["tracks"] != 0 {
		t.Fatalf("%d tracks committed; the test wants their batch cut short", rows["tracks"])
	}
	if got := sqlInt(t, env, "SELECT added FROM sync_runs"); got != total {
		t.Errorf("sync_runs.added = %d, though the interrupted pass committed %d rows", got, total)
	}
	if code == 0 || !strings.Contains(out.String(), "Home Server: first full sync interrupted") ||
		!strings.Contains(out.String(), "what was committed") {
		t.Fatalf("interrupted sync: exit %d\n%s%s", code, out.String(), errb.String())
	}
	for kind, c := range summaryCounts(t, out.String()) {
		if c[0] != rows[kind] {
			t.Errorf("summary says %d %s added; the pass committed %d", c[0], kind, rows[kind])
		}
	}
}

// The counts table of the summary is the shared table writer's: aligned by
// display width like every other table, and true to the mirror.
func TestSyncSummaryTable(t *testing.T) {
	_, env := fakeConfig(t, 80)
	r := run(t, env, "sync", "--server", "Home Server")
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for kind, c := range summaryCounts(t, r.stdout) {
		if n := sqlInt(t, env, "SELECT count(*) FROM "+kind); c[0] != n || c[1] != 0 || c[2] != 0 {
			t.Errorf("%s: summary %v, the mirror holds %d", kind, c, n)
		}
	}
}
