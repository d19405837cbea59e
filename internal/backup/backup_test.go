package backup

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

func openDB(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(t.Context(), filepath.Join(t.TempDir(), "plexm8.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// clock returns a Now that advances a minute per call.
func clock() func() time.Time {
	t := time.Date(2026, 12, 1, 4, 30, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Minute); return t }
}

func names(list []Info) []string {
	var out []string
	for _, b := range list {
		out = append(out, filepath.Base(b.Path))
	}
	return out
}

func TestRetentionKeepsTheNewest(t *testing.T) {
	d := openDB(t)
	dir := t.TempDir()
	// Not backups: never listed, never rotated.
	for _, n := range []string{"notes.txt", "plexm8-nodate.db", "plexm8.db"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	now := clock()
	var taken []string
	for range 5 {
		res, err := Take(t.Context(), d, dir, Options{Keep: 3, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, filepath.Base(res.Path))
		if res.Bytes == 0 {
			t.Error("backup of 0 bytes")
		}
	}
	list, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{taken[4], taken[3], taken[2]}
	if got := names(list); !equal(got, want) {
		t.Errorf("kept %v, want the 3 newest %v", got, want)
	}
	if taken[0] != "plexm8-20261201T043100Z.db" {
		t.Errorf("name = %s, want a dated, sortable plexm8-20261201T043100Z.db", taken[0])
	}
	for _, n := range []string{"notes.txt", "plexm8-nodate.db", "plexm8.db"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("rotation touched %s: %v", n, err)
		}
	}
	// Two in the same second: both kept, the later one listed first.
	fixed := func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }
	a, err := Take(t.Context(), d, dir, Options{Keep: 10, Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Take(t.Context(), d, dir, Options{Keep: 10, Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	list, _ = List(dir)
	if list[0].Path != b.Path || list[1].Path != a.Path || a.Path == b.Path {
		t.Errorf("same-second backups listed %v", names(list))
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCorruptCopyIsNotCounted(t *testing.T) {
	d := openDB(t)
	// Enough rows for several pages, so damage lands inside a b-tree.
	for i := range 2000 {
		if _, err := d.W().ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES (?, ?, 1)`,
			filepath.Join("srv", string(rune('a'+i%26)), time.Duration(i).String()), "a server with a long enough name to fill pages"); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	now := clock()
	var good []string
	for range 2 {
		res, err := Take(t.Context(), d, dir, Options{Keep: 2, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, filepath.Base(res.Path))
	}
	damage := func(path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i := 4096; i < len(b)-4096 && i < 64*1024; i++ {
			b[i] = 0xA5
		}
		return os.WriteFile(path, b, 0o600)
	}
	_, err := Take(t.Context(), d, dir, Options{Keep: 2, Now: now, afterCopy: damage})
	if !errors.Is(err, db.ErrCorrupt) {
		t.Fatalf("Take of a damaged copy = %v, want ErrCorrupt", err)
	}
	list, _ := List(dir)
	if got := names(list); !equal(got, []string{good[1], good[0]}) {
		t.Errorf("after a corrupt copy the backups are %v, want the two good ones %v", got, good)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var all []string
		for _, e := range entries {
			all = append(all, e.Name())
		}
		t.Errorf("the damaged copy was left behind: %v", all)
	}
	for _, g := range good {
		if err := db.VerifyFile(t.Context(), filepath.Join(dir, g)); err != nil {
			t.Errorf("good backup %s: %v", g, err)
		}
	}
}

// syncEnv is a fake Plex with latency and a database syncing from it.
type syncEnv struct {
	fake   *plextest.Fake
	db     *db.DB
	syncer *mirror.Syncer
	client *plex.Client
}

func newSyncEnv(t *testing.T, fo plextest.Options) *syncEnv {
	t.Helper()
	f, err := plextest.Start(fo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	c, err := plex.New(plex.Options{TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(),
		Identity: plex.Identity{Product: "PlexM8 test", Version: "test", ClientID: "backup-test", DeviceName: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	d := openDB(t)
	// Small pages and batches: many commits, so backups land between them.
	return &syncEnv{fake: f, db: d, client: c, syncer: mirror.New(d, c, mirror.Options{PageSize: 50, Concurrency: 2, BatchRows: 200})}
}

func (e *syncEnv) syncAll(ctx context.Context, full bool) error {
	servers, err := e.syncer.Servers(ctx, secret.New(e.fake.AccountToken()), nil, nil)
	if err != nil {
		return err
	}
	for _, s := range servers {
		if _, err := e.syncer.Server(ctx, s, full); err != nil {
			return err
		}
	}
	return nil
}

func TestBackupDuringSyncIsConsistent(t *testing.T) {
	e := newSyncEnv(t, plextest.Options{Seed: 3, Tracks: 1500})
	dir := t.TempDir()
	var taken []Result
	now := clock()
	// One backup certainly mid-sync: while the fake answers a page of the
	// track listing, after artists, albums and earlier pages were written.
	var midErr error
	e.fake.Inject(plextest.Fault{Path: "/library/sections/1/all", Skip: 15, Times: 1,
		Match: func(r *http.Request) bool { return r.URL.Query().Get("type") == "10" },
		Before: func() {
			var res Result
			res, midErr = Take(context.Background(), e.db, dir, Options{Keep: 100, Now: now})
			taken = append(taken, res)
		}})
	if err := e.syncAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if midErr != nil || len(taken) != 1 {
		t.Fatalf("mid-sync backup: %v (%d taken)", midErr, len(taken))
	}
	var tracksMid int
	if err := e.db.R().QueryRowContext(t.Context(), `SELECT count(*) FROM tracks`).Scan(&tracksMid); err != nil {
		t.Fatal(err)
	}
	after, err := Take(t.Context(), e.db, dir, Options{Keep: 100, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	taken = append(taken, after)
	for i, res := range taken {
		b, err := db.Open(t.Context(), res.Path, db.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("open backup %s: %v", res.Path, err)
		}
		rows, err := b.R().QueryContext(t.Context(), `PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		if rows.Next() {
			t.Errorf("backup %s breaks a foreign key", res.Path)
		}
		rows.Close()
		var tracks int
		if err := b.R().QueryRowContext(t.Context(), `SELECT count(*) FROM tracks`).Scan(&tracks); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if i == 0 && (tracks == 0 || tracks >= tracksMid) {
			t.Errorf("the mid-sync backup has %d tracks; want some, fewer than the %d after the sync", tracks, tracksMid)
		}
	}
	// The last backup, taken after the sync, holds the whole library.
	last := taken[len(taken)-1]
	b, err := db.Open(t.Context(), last.Path, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var tracks int
	if err := b.R().QueryRowContext(t.Context(), `SELECT count(*) FROM tracks WHERE removed_at IS NULL`).Scan(&tracks); err != nil {
		t.Fatal(err)
	}
	_, _, want := e.fake.Owned().Counts("1")
	_, _, shared := e.fake.Shared().Counts("1")
	if tracks < want+shared {
		t.Errorf("last backup has %d tracks, want %d", tracks, want+shared)
	}
}

func TestNoTokenInAnyBackup(t *testing.T) {
	e := newSyncEnv(t, plextest.Options{Seed: 4, Tracks: 300})
	if err := e.syncAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := Take(t.Context(), e.db, dir, Options{Keep: 3})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if _, err := Take(t.Context(), e.db, "", Options{File: out}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{e.fake.AccountToken()}
	for _, s := range e.fake.Servers() {
		secrets = append(secrets, s.AccessToken())
	}
	for _, p := range []string{res.Path, out} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if s == "" || bytes.Contains(b, []byte(s)) {
				t.Errorf("backup %s contains a token", p)
			}
		}
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("backup %s mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
}
