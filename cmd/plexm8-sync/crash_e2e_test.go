package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// The crash tests kill the built binary with SIGKILL at a random request of
// a sync (or of the daemon's start-up sync), restart it, and repeat, with
// the fake's library and playlists mutated between rounds. The default
// rounds keep the everyday test command short and still kill every kind of
// run; CI's full proof (.ci/run) runs 30 under -race, and by hand, more:
//
//	go test ./cmd/plexm8-sync -run TestCrash -crash.rounds 500 -crash.seed 7
var (
	crashRounds = flag.Int("crash.rounds", 6, "SIGKILL rounds per crash test")
	crashSeed   = flag.Uint64("crash.seed", 1, "seed of the crash tests' kill points and mutations")
)

// crashRig holds what the crash rounds share.
type crashRig struct {
	t      *testing.T
	bin    string
	f      *plextest.Fake
	dir    string
	cfg    string
	dbPath string
	rng    *rand.Rand

	mu       sync.Mutex
	requests int         // PMS and plex.tv requests of the current run
	proc     *os.Process // the run to kill
	killAt   int         // kill at this request; 0: never
	killed   bool
	lastReqs [2]int // requests of the last complete incremental [0] and full [1] run
	kills    int    // rounds that really died mid-run
	complete int    // rounds whose run finished before its kill point
	mode     int    // 1 while a full run is under way
}

func newCrashRig(t *testing.T, seed uint64) *crashRig {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and kills it repeatedly; skipped under -short")
	}
	bin := buildBinary(t)
	f, err := plextest.Start(plextest.Options{Seed: int64(seed), Tracks: 2500, SharedTracks: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	dir := t.TempDir()
	cfg := writeRunConfig(t, dir, f, `  validate_token: "@every 1h"
  sync: "@every 1h"
  refresh_resources: ""
  full_sync: ""
  backup: ""
`)
	saveToken(t, dir, f.AccountToken())
	return &crashRig{t: t, bin: bin, f: f, dir: dir, cfg: cfg, dbPath: filepath.Join(dir, "plexm8.db"),
		rng: rand.New(rand.NewPCG(seed, 0x15))}
}

// arm injects the fault that counts requests and kills the run at killAt.
// The kill happens with the request held, or a few hundred microseconds
// after it was let through, so that it lands while fetchers wait on the
// fake as well as while the writer commits.
func (c *crashRig) arm(killAt int) {
	c.mu.Lock()
	c.requests, c.killAt, c.killed, c.proc = 0, killAt, false, nil
	c.mu.Unlock()
	async := c.rng.IntN(2) == 0
	delay := time.Duration(c.rng.IntN(3000)) * time.Microsecond
	c.f.ClearFaults()
	c.f.Inject(plextest.Fault{
		Match: func(*http.Request) bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.requests++
			return c.killAt > 0 && c.requests == c.killAt
		},
		Before: func() {
			kill := func() {
				c.mu.Lock()
				defer c.mu.Unlock()
				if c.proc != nil && !c.killed {
					c.killed = true
					_ = c.proc.Signal(syscall.SIGKILL)
				}
			}
			if async {
				// Not a wait for anything: the random moment itself.
				time.AfterFunc(delay, kill)
				return
			}
			kill()
		},
	})
}

func (c *crashRig) start(args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{"--config", c.cfg}, args...)...)
	cmd.Env = []string{"HOME=" + c.dir, "PATH=" + os.Getenv("PATH")}
	return cmd
}

func (c *crashRig) setProc(p *os.Process) {
	c.mu.Lock()
	c.proc = p
	c.mu.Unlock()
}

// runSync runs `sync` until it exits or is killed. It reports whether the
// kill fired.
func (c *crashRig) runSync(full bool) (killed bool, out string) {
	c.mode = b2i(full)
	c.t.Helper()
	args := []string{"sync"}
	if full {
		args = append(args, "--full")
	}
	cmd := c.start(args...)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	// The process is registered before it can send a request: the kill
	// fault may fire on its very first one.
	c.mu.Lock()
	err := cmd.Start()
	c.proc = cmd.Process
	c.mu.Unlock()
	if err != nil {
		c.t.Fatal(err)
	}
	err = cmd.Wait()
	c.setProc(nil)
	c.mu.Lock()
	killed, n := c.killed, c.requests
	c.mu.Unlock()
	if !killed {
		if err != nil {
			c.t.Fatalf("sync exited with %v without being killed:\n%s", err, buf.String())
		}
		c.lastReqs[c.mode] = n
	}
	return killed, buf.String()
}

// runDaemon starts `run` and waits until its start-up sync has finished or
// the kill fired; a daemon that finished is killed idle, which is a moment
// like any other.
func (c *crashRig) runDaemon() (killed bool) {
	c.t.Helper()
	cmd := c.start("run", "--credentials-poll", "100ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	c.mu.Lock()
	err = cmd.Start()
	c.proc = cmd.Process
	c.mu.Unlock()
	if err != nil {
		c.t.Fatal(err)
	}
	var log []string
	synced := false
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		log = append(log, sc.Text())
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && jobLine("sync", "ok")(m) {
			synced = true
			break
		}
	}
	c.mu.Lock()
	if synced && !c.killed {
		c.killed = true
		_ = cmd.Process.Signal(syscall.SIGKILL)
		killed = false
	} else {
		killed = c.killed
	}
	n := c.requests
	c.mu.Unlock()
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	_ = cmd.Wait()
	c.setProc(nil)
	if !synced && !killed {
		c.t.Fatalf("the daemon exited before its sync finished, unkilled; log:\n%s", strings.Join(log, "\n"))
	}
	if synced {
		c.lastReqs[0] = n
	}
	return killed
}

// mutate changes the owned server's library and playlists the way a user
// does between syncs: tracks renamed, added and removed, an album removed
// now and then, playlists created, deleted, renamed, refilled and reordered.
func (c *crashRig) mutate() {
	s := c.f.Owned()
	r := c.rng
	tracks := s.Tracks("1")
	pick := func() Track { return tracks[r.IntN(len(tracks))] }
	for range 1 + r.IntN(4) {
		s.EditTrack(pick().RatingKey, func(t *plextest.Track) { t.Title = fmt.Sprintf("edited %d", r.IntN(1e6)) })
	}
	for range r.IntN(3) {
		s.RemoveTrack(pick().RatingKey)
		tracks = s.Tracks("1")
	}
	albums := s.Albums("1")
	for range r.IntN(3) {
		s.AddTrack(albums[r.IntN(len(albums))].RatingKey, fmt.Sprintf("new %d", r.IntN(1e6)))
	}
	if r.IntN(5) == 0 {
		s.RemoveAlbum(albums[r.IntN(len(albums))].RatingKey)
	}
	tracks = s.Tracks("1")
	var dumb []plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart {
			dumb = append(dumb, p)
		}
	}
	someKeys := func() []string {
		keys := make([]string, 1+r.IntN(40))
		for i := range keys {
			keys[i] = pick().RatingKey
		}
		return keys
	}
	if r.IntN(3) == 0 || len(dumb) < 3 {
		s.CreatePlaylist(fmt.Sprintf("crash %d", r.IntN(1e6)), someKeys())
	}
	if len(dumb) >= 3 && r.IntN(3) == 0 {
		s.DeletePlaylist(dumb[r.IntN(len(dumb))].RatingKey)
		return
	}
	if len(dumb) > 0 {
		p := dumb[r.IntN(len(dumb))]
		switch r.IntN(3) {
		case 0:
			s.RenamePlaylist(p.RatingKey, fmt.Sprintf("renamed %d", r.IntN(1e6)))
		case 1:
			s.SetPlaylistItems(p.RatingKey, someKeys())
		default:
			if n := len(s.PlaylistItems(p.RatingKey)); n > 1 {
				s.MovePlaylistItem(p.RatingKey, r.IntN(n), r.IntN(n))
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Track is plextest.Track, short for the closures above.
type Track = plextest.Track

// mirrorState is what the checks compare across a kill.
type mirrorState struct {
	removed map[string][]string // "server|section|kind" or "server|playlists": removed keys, sorted
	items   map[string][]string // "server|playlist": track keys in order
	// The history's own rows. A version is rebuilt from them alone, so rows
	// that stay as they were (a version item's last_version may only go from
	// NULL to a version after every existing one) prove every old version
	// unchanged; rebuilding them all after every kill would be the costly
	// way to say the same (see rebuilt).
	versions  map[string]string // "server|playlist|version": the row
	latest    map[string]int64  // "server|playlist": its newest version
	entries   map[int64]versionEntry
	histItems map[int64]string // history_items id: the row
}

// versionEntry is a playlist_version_items row: its playlist, the row
// without last_version, and last_version ("" for NULL).
type versionEntry struct{ playlist, row, last string }

func (c *crashRig) read() mirrorState {
	c.t.Helper()
	d, err := db.Open(context.Background(), c.dbPath, db.Options{ReadOnly: true})
	if err != nil {
		c.t.Fatal(err)
	}
	defer d.Close()
	c.integrity()
	st := mirrorState{removed: map[string][]string{}, items: map[string][]string{}, versions: map[string]string{},
		latest: map[string]int64{}, entries: map[int64]versionEntry{}, histItems: map[int64]string{}}
	scan := func(q string, each func(k, v, w string)) {
		rows, err := d.R().Query(q)
		if err != nil {
			c.t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v, w string
			if err := rows.Scan(&k, &v, &w); err != nil {
				c.t.Fatal(err)
			}
			each(k, v, w)
		}
		if err := rows.Err(); err != nil {
			c.t.Fatal(err)
		}
	}
	pairs := func(q string, into map[string][]string) {
		scan(q, func(k, v, _ string) { into[k] = append(into[k], v) })
	}
	for _, kind := range []string{"artists", "albums", "tracks"} {
		pairs(`SELECT server_id || '|' || section_key || '|`+kind+`', rating_key, '' FROM `+kind+` WHERE removed_at IS NOT NULL ORDER BY rating_key`, st.removed)
	}
	pairs(`SELECT server_id || '|playlists', rating_key, '' FROM playlists WHERE removed_at IS NOT NULL ORDER BY rating_key`, st.removed)
	pairs(`SELECT server_id || '|' || playlist_rating_key, track_rating_key, '' FROM playlist_items ORDER BY server_id, playlist_rating_key, position`, st.items)
	scan(`SELECT server_id || '|' || playlist_rating_key, version, json_array(version, recorded_at, state, title, summary, smart, content,
		item_count, duration_ms, added, removed, moved) FROM playlist_versions`, func(k, v, row string) {
		st.versions[k+"|"+v] = row
		n, _ := strconv.ParseInt(v, 10, 64)
		st.latest[k] = max(st.latest[k], n)
	})
	scan(`SELECT rowid || '|' || server_id || '|' || playlist_rating_key, json_array(sort_key, first_version, playlist_item_id, item_id),
		coalesce(last_version, '') FROM playlist_version_items`, func(k, row, last string) {
		id, pl, _ := strings.Cut(k, "|")
		n, _ := strconv.ParseInt(id, 10, 64)
		st.entries[n] = versionEntry{pl, row, last}
	})
	scan(`SELECT id, json_array(server_id, hash, track_rating_key, guid, guids, title, artist, album, track_number,
		disc_number, duration_ms, file), '' FROM history_items`, func(k, row, _ string) {
		id, _ := strconv.ParseInt(k, 10, 64)
		st.histItems[id] = row
	})
	return st
}

// rebuilt renders every version of every playlist through the history's
// own reader, the way export and restore see it.
func (c *crashRig) rebuilt() map[string]string {
	c.t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, c.dbPath, db.Options{ReadOnly: true})
	if err != nil {
		c.t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.R().Query(`SELECT DISTINCT server_id, playlist_rating_key FROM playlist_versions`)
	if err != nil {
		c.t.Fatal(err)
	}
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			c.t.Fatal(err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	out := map[string]string{}
	for _, k := range keys {
		vs, err := d.Versions(ctx, k[0], k[1])
		if err != nil {
			c.t.Fatal(err)
		}
		for _, v := range vs {
			items, err := d.VersionItems(ctx, k[0], k[1], v.Number)
			if err != nil {
				c.t.Fatal(err)
			}
			out[fmt.Sprintf("%s|%s|%d", k[0], k[1], v.Number)] = fmt.Sprintf("%+v %+v", v, items)
		}
	}
	return out
}

// integrity runs PRAGMA integrity_check through the binary's own read-only
// `sql` command: in this -race test process the transpiled SQLite is checked
// pointer by pointer, and the check alone took most of the test's time.
func (c *crashRig) integrity() {
	c.t.Helper()
	out, err := c.start("sql", "--csv", "PRAGMA integrity_check").CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != "integrity_check\nok" {
		c.t.Fatalf("integrity_check: %v\n%s", err, out)
	}
}

// afterState is what a complete sync from before must leave: rows the fake
// no longer has marked removed, every listed playlist holding the fake's items.
func (c *crashRig) afterRemoved(before mirrorState) map[string][]string {
	c.t.Helper()
	d, err := db.Open(context.Background(), c.dbPath, db.Options{ReadOnly: true})
	if err != nil {
		c.t.Fatal(err)
	}
	defer d.Close()
	live := map[string]bool{}
	for _, s := range c.f.Servers() {
		for _, sec := range s.Sections() {
			if sec.Type != "artist" {
				continue
			}
			for _, a := range s.Artists(sec.Key) {
				live[s.MachineID()+"|"+sec.Key+"|artists|"+a.RatingKey] = true
			}
			for _, a := range s.Albums(sec.Key) {
				live[s.MachineID()+"|"+sec.Key+"|albums|"+a.RatingKey] = true
			}
			for _, tr := range s.Tracks(sec.Key) {
				live[s.MachineID()+"|"+sec.Key+"|tracks|"+tr.RatingKey] = true
			}
		}
		for _, p := range s.Playlists() {
			live[s.MachineID()+"|playlists|"+p.RatingKey] = true
		}
	}
	out := map[string][]string{}
	for _, kind := range []string{"artists", "albums", "tracks"} {
		rows, err := d.R().Query(`SELECT server_id, section_key, rating_key FROM ` + kind + ` ORDER BY rating_key`)
		if err != nil {
			c.t.Fatal(err)
		}
		for rows.Next() {
			var srv, sec, key string
			if err := rows.Scan(&srv, &sec, &key); err != nil {
				c.t.Fatal(err)
			}
			g := srv + "|" + sec + "|" + kind
			if !live[g+"|"+key] {
				out[g] = append(out[g], key)
			}
		}
		rows.Close()
	}
	rows, err := d.R().Query(`SELECT server_id, rating_key FROM playlists ORDER BY rating_key`)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var srv, key string
		if err := rows.Scan(&srv, &key); err != nil {
			c.t.Fatal(err)
		}
		if g := srv + "|playlists"; !live[g+"|"+key] {
			out[g] = append(out[g], key)
		}
	}
	return out
}

// checkRound asserts what must hold after a kill: the database is sound
// (read checks integrity), history only grew, and every unit of work
// (a kind's removals in a section, the playlists' removals, one playlist's
// items) is as it was before or as the complete run leaves it.
func (c *crashRig) checkRound(round int, before mirrorState, afterRm map[string][]string) (now mirrorState) {
	c.t.Helper()
	now = c.read()
	for k, v := range before.versions {
		if got, ok := now.versions[k]; !ok {
			c.t.Fatalf("round %d: history version %s vanished", round, k)
		} else if got != v {
			c.t.Fatalf("round %d: history version %s changed:\nbefore %s\nnow    %s", round, k, v, got)
		}
	}
	for id, v := range before.histItems {
		if got := now.histItems[id]; got != v {
			c.t.Fatalf("round %d: history item %d changed:\nbefore %s\nnow    %s", round, id, v, got)
		}
	}
	for id, e := range before.entries {
		got, ok := now.entries[id]
		if !ok || got.playlist != e.playlist || got.row != e.row {
			c.t.Fatalf("round %d: version entry %d changed:\nbefore %+v\nnow    %+v", round, id, e, got)
		}
		if got.last == e.last {
			continue
		}
		// An entry leaves the newest version: it can only close after every
		// version that already held it.
		last, _ := strconv.ParseInt(got.last, 10, 64)
		if e.last != "" || last < before.latest[e.playlist] {
			c.t.Fatalf("round %d: version entry %d of %s had last_version %q, now %q (newest version was %d)",
				round, id, e.playlist, e.last, got.last, before.latest[e.playlist])
		}
	}
	groups := map[string]bool{}
	for k := range now.removed {
		groups[k] = true
	}
	for k := range afterRm {
		groups[k] = true
	}
	for g := range groups {
		got := now.removed[g]
		if !slices.Equal(got, before.removed[g]) && !slices.Equal(got, afterRm[g]) {
			c.t.Fatalf("round %d: %s removed = %v; neither before (%v) nor after (%v): a half-applied removal",
				round, g, got, before.removed[g], afterRm[g])
		}
	}
	fakeItems := map[string][]string{}
	for _, s := range c.f.Servers() {
		for _, p := range s.Playlists() {
			var keys []string
			for _, it := range s.PlaylistItems(p.RatingKey) {
				keys = append(keys, it.TrackRatingKey)
			}
			fakeItems[s.MachineID()+"|"+p.RatingKey] = keys
		}
	}
	for k, got := range now.items {
		if slices.Equal(got, before.items[k]) {
			continue
		}
		if want, ok := fakeItems[k]; ok && slices.Equal(got, want) {
			continue
		}
		c.t.Fatalf("round %d: playlist %s holds %d items, neither its %d before nor the fake's %d: a half-replaced playlist",
			round, k, len(got), len(before.items[k]), len(fakeItems[k]))
	}
	return now
}

// assertExact compares the mirror's current rows with the fake's truth.
func (c *crashRig) assertExact(round int) {
	c.t.Helper()
	want := map[string]bool{}
	for _, s := range c.f.Servers() {
		id := s.MachineID()
		for _, sec := range s.Sections() {
			if sec.Type != "artist" {
				continue
			}
			for _, a := range s.Artists(sec.Key) {
				want["artist|"+id+"|"+a.RatingKey+"|"+a.Title] = true
			}
			for _, a := range s.Albums(sec.Key) {
				want["album|"+id+"|"+a.RatingKey+"|"+a.Title] = true
			}
			for _, tr := range s.Tracks(sec.Key) {
				want["track|"+id+"|"+tr.RatingKey+"|"+tr.Title] = true
			}
		}
		for _, p := range s.Playlists() {
			want["playlist|"+id+"|"+p.RatingKey+"|"+p.Title] = true
			if p.PlaylistType != "audio" {
				continue
			}
			var keys []string
			for _, it := range s.PlaylistItems(p.RatingKey) {
				keys = append(keys, it.TrackRatingKey)
			}
			want["items|"+id+"|"+p.RatingKey+"|"+strings.Join(keys, ",")] = true
		}
	}
	d, err := db.Open(context.Background(), c.dbPath, db.Options{ReadOnly: true})
	if err != nil {
		c.t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.R().Query(`
		SELECT 'artist|' || server_id || '|' || rating_key || '|' || coalesce(title, '') FROM artists WHERE removed_at IS NULL
		UNION ALL SELECT 'album|' || server_id || '|' || rating_key || '|' || coalesce(title, '') FROM albums WHERE removed_at IS NULL
		UNION ALL SELECT 'track|' || server_id || '|' || rating_key || '|' || coalesce(title, '') FROM tracks WHERE removed_at IS NULL
		UNION ALL SELECT 'playlist|' || server_id || '|' || rating_key || '|' || coalesce(title, '') FROM playlists WHERE removed_at IS NULL
		UNION ALL SELECT 'items|' || p.server_id || '|' || p.rating_key || '|' || coalesce((SELECT group_concat(track_rating_key, ',') FROM
			(SELECT track_rating_key FROM playlist_items i WHERE i.server_id = p.server_id AND i.playlist_rating_key = p.rating_key ORDER BY position)), '')
			FROM playlists p WHERE p.removed_at IS NULL AND p.playlist_type = 'audio'`)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			c.t.Fatal(err)
		}
		got[k] = true
	}
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra) > 0 {
		slices.Sort(missing)
		slices.Sort(extra)
		c.t.Fatalf("round %d: after a complete sync the mirror differs from the fake: missing %d %.3q, extra %d %.3q",
			round, len(missing), missing, len(extra), extra)
	}
}

// crashLoop runs the rounds with run as the process under test.
func crashLoop(t *testing.T, seed uint64, run func(c *crashRig, full bool) bool) {
	c := newCrashRig(t, seed)
	// A first complete run sets the baseline and the request count the kill
	// points are drawn from.
	c.arm(0)
	run(c, true)
	c.assertExact(0)
	versions := c.rebuilt()
	// The state a round ends with is the next round's "before": mutating
	// the fake does not touch the database, and reading it is the costly part.
	var before mirrorState
	for round := 1; round <= *crashRounds; round++ {
		c.mutate()
		if before.versions == nil {
			before = c.read()
		}
		afterRm := c.afterRemoved(before)
		full := c.rng.IntN(5) == 0
		m := c.lastReqs[b2i(full)]
		if m == 0 {
			m = max(c.lastReqs[0], c.lastReqs[1])
		}
		c.arm(1 + c.rng.IntN(m+m/10+1))
		if run(c, full) {
			c.kills++
		} else {
			c.complete++
		}
		before = c.checkRound(round, before, afterRm)
		// Every few rounds, and at the end, the next complete run must
		// leave the mirror exactly the fake's.
		if round%5 == 0 || round == *crashRounds {
			c.arm(0)
			run(c, false)
			c.assertExact(round)
			before = mirrorState{}
			now := c.rebuilt()
			for k, v := range versions {
				if now[k] != v {
					c.t.Fatalf("round %d: version %s rebuilds differently:\nfirst seen %s\nnow        %s", round, k, v, now[k])
				}
			}
			versions = now
		}
	}
	t.Logf("%d rounds: %d killed mid-run, %d finished before the kill point; last complete runs %d requests (incremental), %d (full)",
		*crashRounds, c.kills, c.complete, c.lastReqs[0], c.lastReqs[1])
	if c.kills < *crashRounds/2 {
		t.Errorf("only %d of %d rounds were killed mid-run: the kill points miss the runs", c.kills, *crashRounds)
	}
}

// TestCrashLoopSync SIGKILLs `plexm8-sync sync` at random moments.
func TestCrashLoopSync(t *testing.T) {
	crashLoop(t, *crashSeed, func(c *crashRig, full bool) bool {
		killed, _ := c.runSync(full)
		return killed
	})
}

// TestCrashLoopDaemon SIGKILLs `plexm8-sync run` during (or after) its
// start-up sync.
func TestCrashLoopDaemon(t *testing.T) {
	crashLoop(t, *crashSeed+1000, func(c *crashRig, _ bool) bool { return c.runDaemon() })
}
