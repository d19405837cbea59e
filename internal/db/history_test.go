package db

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/history"
)

func num(n int64) sql.Null[int64] { return sql.Null[int64]{V: n, Valid: true} }

// putPlaylist stores an audio playlist row.
func putPlaylist(t *testing.T, d *DB, serverID, key, title string) {
	t.Helper()
	tx, err := d.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	row := PlaylistRow(&Playlist{ServerID: serverID, RatingKey: key, Title: str(title), PlaylistType: str("audio"), Smart: sql.Null[bool]{Valid: true}})
	if _, err := tx.PutPage(t.Context(), []Row{row}, false); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// entries builds staged entries for tracks named by key; pid and the
// title's prefix tell servers and versions apart.
func entries(prefix string, pid0 int64, keys ...string) []Entry {
	out := make([]Entry, len(keys))
	for i, k := range keys {
		out[i] = Entry{
			PlaylistItem: PlaylistItem{TrackRatingKey: k, PlaylistItemID: num(pid0 + int64(i))},
			Snapshot: Snapshot{GUID: str("plex://track/" + prefix + k), Title: str(prefix + " title " + k), Artist: str(prefix + " artist"),
				Album: str("album"), DurationMS: num(1000 * int64(i+1)), File: str("/m/" + prefix + k + ".flac")},
		}
	}
	return out
}

func replace(t *testing.T, d *DB, serverID, key string, now int64, es []Entry) ItemDiff {
	t.Helper()
	if err := d.StageEntries(t.Context(), serverID, key, 0, es); err != nil {
		t.Fatal(err)
	}
	diff, err := d.ReplacePlaylistItems(t.Context(), serverID, key, len(es), fmt.Sprint("sig", now), now)
	if err != nil {
		t.Fatal(err)
	}
	return diff
}

func titles(items []history.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s:%s", it.RatingKey, it.Title))
	}
	return strings.Join(out, ",")
}

func rebuild(t *testing.T, d *DB, serverID, key string, v int) string {
	t.Helper()
	items, err := d.VersionItems(t.Context(), serverID, key, v)
	if err != nil {
		t.Fatal(err)
	}
	return titles(items)
}

// Two servers whose playlist and track rating keys coincide keep apart
// histories: everything joins on server_id.
func TestHistoryTwoServersSameKeys(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	for _, s := range []string{"A", "B"} {
		putPlaylist(t, d, s, "10", "Mix on "+s)
		replace(t, d, s, "10", 100, entries(s, 1, "1", "2", "3"))
	}
	// Stages of the same playlist key on two servers, interleaved, stay
	// apart.
	ctx := t.Context()
	if err := errors.Join(d.StageEntries(ctx, "A", "10", 0, entries("A2", 50, "7")), d.StageEntries(ctx, "B", "10", 0, entries("B", 1, "3", "2"))); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReplacePlaylistItems(ctx, "A", "10", 1, "a2", 150); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReplacePlaylistItems(ctx, "B", "10", 2, "b2", 200); err != nil {
		t.Fatal(err)
	}
	if got := rebuild(t, d, "A", "10", 2); got != "7:A2 title 7" {
		t.Fatalf("A v2 = %s", got)
	}
	if got := rebuild(t, d, "A", "10", 1); got != "1:A title 1,2:A title 2,3:A title 3" {
		t.Fatalf("A v1 = %s", got)
	}
	if got := rebuild(t, d, "B", "10", 1); got != "1:B title 1,2:B title 2,3:B title 3" {
		t.Fatalf("B v1 = %s", got)
	}
	if got := rebuild(t, d, "B", "10", 2); got != "3:B title 3,2:B title 2" {
		t.Fatalf("B v2 = %s", got)
	}
	if vs, _ := d.Versions(t.Context(), "A", "10"); len(vs) != 2 {
		t.Fatalf("server A has %d versions, want 2", len(vs))
	}
	ps, err := d.FindPlaylists(t.Context(), "10", "")
	if err != nil || len(ps) != 2 {
		t.Fatalf("rating key 10 found %d playlists, want both servers' (%v)", len(ps), err)
	}
	if ps, _ := d.FindPlaylists(t.Context(), "10", "B"); len(ps) != 1 || ps[0].ServerID != "B" || ps[0].Versions != 2 || ps[0].Title != "Mix on B" {
		t.Fatalf("--server B: %+v", ps)
	}
	// The SQL docs/schema.md documents rebuilds the same.
	rows, err := d.R().Query(VersionItemsSQL, "B", "10", 2)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n != 2 {
		t.Fatalf("documented SQL rebuilt %d items", n)
	}
}

// An entry kept from one version to the next is one row; a one-item change
// writes a row or two, and an unchanged listing none.
func TestHistorySharesEntries(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	putPlaylist(t, d, "s", "p", "Big")
	keys := make([]string, 500)
	for i := range keys {
		keys[i] = fmt.Sprint(1000 + i)
	}
	es := entries("x", 1, keys...)
	replace(t, d, "s", "p", 1, es)
	count := func() int {
		return queryInt(t, d.R(), `SELECT (SELECT count(*) FROM playlist_version_items) + (SELECT count(*) FROM history_items) + (SELECT count(*) FROM playlist_versions)`)
	}
	base := count()
	if base != 500+500+1 {
		t.Fatalf("first version wrote %d rows", base)
	}
	if diff := replace(t, d, "s", "p", 2, es); diff.Changed() || count() != base {
		t.Fatalf("unchanged listing wrote %d rows", count()-base)
	}
	// Insert at the front: one entry, one description, one version.
	front := append(entries("x", 9000, "999"), es...)
	replace(t, d, "s", "p", 3, front)
	if got := count() - base; got != 3 {
		t.Fatalf("inserting one item at the front wrote %d rows, want 3", got)
	}
	// Move the last item to the front: it is closed and re-opened (one new
	// entry row), nothing else.
	moved := append([]Entry{front[len(front)-1]}, front[:len(front)-1]...)
	replace(t, d, "s", "p", 4, moved)
	if got := count() - base; got != 3+2 {
		t.Fatalf("a move wrote %d rows, want 2", got-3)
	}
	for v, want := range map[int][]Entry{1: es, 2: front, 3: moved} {
		items, err := d.VersionItems(t.Context(), "s", "p", v)
		if err != nil || len(items) != len(want) {
			t.Fatalf("v%d: %d items, %v", v, len(items), err)
		}
		for i := range want {
			if items[i].RatingKey != want[i].TrackRatingKey || items[i].PlaylistItemID != want[i].PlaylistItemID.V || items[i].Title != want[i].Title.V {
				t.Fatalf("v%d item %d = %+v", v, i, items[i])
			}
		}
	}
	vs, _ := d.Versions(t.Context(), "s", "p")
	if got := fmt.Sprintf("%+v", []int{vs[1].Added, vs[1].Removed, vs[1].Moved, vs[2].Added, vs[2].Removed, vs[2].Moved}); got != "[1 0 0 0 0 1]" {
		t.Fatalf("counts %s", got)
	}
	// A changed description of a kept track closes and re-opens its entry
	// when a version is recorded, so version 3 still reads the old title
	// and version 4 the new.
	edited := append([]Entry(nil), moved...)
	edited[7].Title = str("retitled")
	// (the same entries, only a title changed: not a new version alone)
	replace(t, d, "s", "p", 5, edited)
	if vs, _ := d.Versions(t.Context(), "s", "p"); len(vs) != 3 {
		t.Fatalf("a track's new title alone made a version (%d versions)", len(vs))
	}
	edited = edited[1:]
	replace(t, d, "s", "p", 6, edited)
	v3, _ := d.VersionItems(t.Context(), "s", "p", 3)
	v4, _ := d.VersionItems(t.Context(), "s", "p", 4)
	if v3[7].Title == "retitled" || v4[6].Title != "retitled" {
		t.Fatalf("descriptions: v3 %q, v4 %q", v3[7].Title, v4[6].Title)
	}
}

// A database from before history: the mirror holds playlists and items, no
// versions. The first listing that does not refetch them records version 1
// from the mirror; a deleted one gets version 1 and a final deletion.
func TestHistoryStartsFromTheMirror(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	ctx := t.Context()
	for _, k := range []string{"live", "gone"} {
		putPlaylist(t, d, "s", k, "Playlist "+k)
		replace(t, d, "s", k, 1, entries("x", 1, "1", "2"))
	}
	putTrack(t, d, false, &Track{ServerID: "s", RatingKey: "1", SectionKey: "1", Title: str("One"), ArtistTitle: str("Art"), Guids: str(`["mbid://m1"]`)})
	if _, err := d.W().Exec(`DELETE FROM playlist_versions; DELETE FROM playlist_version_items; DELETE FROM history_items;
		UPDATE playlists SET removed_at = 5 WHERE rating_key = 'gone'`); err != nil {
		t.Fatal(err)
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n1, err1 := tx.RecordListed(ctx, "s", []string{"live"}, 10)
	n2, err2 := tx.RecordDeleted(ctx, "s", 10)
	if err := errors.Join(err1, err2, tx.Commit()); err != nil {
		t.Fatal(err)
	}
	if n1 != 1 || n2 != 1 {
		t.Fatalf("recorded %d listed, %d deleted", n1, n2)
	}
	items, _ := d.VersionItems(ctx, "s", "live", 1)
	if len(items) != 2 || items[0].Title != "One" || items[0].Artist != "Art" || items[0].MBID() != "m1" || items[1].Title != "" {
		t.Fatalf("version 1 from the mirror: %+v", items)
	}
	vs, _ := d.Versions(ctx, "s", "gone")
	if len(vs) != 2 || vs[0].State != "present" || vs[1].State != "deleted" || vs[1].ItemCount != 2 {
		t.Fatalf("deleted playlist versions: %+v", vs)
	}
	// Nothing more to record on the next pass.
	tx, _ = d.Begin(ctx)
	n1, _ = tx.RecordListed(ctx, "s", []string{"live"}, 20)
	n2, _ = tx.RecordDeleted(ctx, "s", 20)
	_ = tx.Commit()
	if n1 != 0 || n2 != 0 {
		t.Fatalf("second pass recorded %d, %d", n1, n2)
	}
}

const crashEnv = "PLEXM8_TEST_CRASH_DB"

// TestHistoryCrashChild is the process TestHistoryCrashBeforeCommit kills:
// it stages a changed listing and dies inside the transaction that would
// record it, right before the commit.
func TestHistoryCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only run by TestHistoryCrashBeforeCommit")
	}
	d, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	beforeCommit = func(string) { os.Exit(3) }
	replace(t, d, "s", "p", 2, entries("x", 10, "3", "1"))
	t.Fatal("the transaction committed")
}

// A sync killed between fetching a playlist's items and committing leaves
// its history exactly as before, and the next sync records the version once.
func TestHistoryCrashBeforeCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	d := openTest(t, path, Options{})
	putPlaylist(t, d, "s", "p", "Crash")
	replace(t, d, "s", "p", 1, entries("x", 1, "1", "2"))
	snapshot := func() string {
		var b strings.Builder
		for _, q := range []string{`SELECT * FROM playlist_versions`, `SELECT rowid, * FROM playlist_version_items`,
			`SELECT * FROM history_items`, `SELECT * FROM playlist_items`, `SELECT * FROM sync_state`} {
			rows, err := d.R().Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				_ = rows.Scan(ptrs...)
				fmt.Fprintln(&b, vals...)
			}
			rows.Close()
		}
		return b.String()
	}
	before := snapshot()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestHistoryCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("child did not die before its commit: %v\n%s", err, out)
	}

	d = openTest(t, path, Options{})
	if after := snapshot(); after != before {
		t.Fatalf("history changed although the process died before committing:\nbefore\n%s\nafter\n%s", before, after)
	}
	replace(t, d, "s", "p", 3, entries("x", 10, "3", "1"))
	replace(t, d, "s", "p", 4, entries("x", 10, "3", "1"))
	vs, err := d.Versions(t.Context(), "s", "p")
	if err != nil || len(vs) != 2 {
		t.Fatalf("after the crash and two syncs: %d versions, want 2 (%v)", len(vs), err)
	}
	if got := rebuild(t, d, "s", "p", 2); got != "3:x title 3,1:x title 1" {
		t.Fatalf("v2 = %s", got)
	}
	if !reflect.DeepEqual(rebuild(t, d, "s", "p", 1), "1:x title 1,2:x title 2") {
		t.Fatal("v1 changed")
	}
}

// Retention keeps the newest versions, rebuilding exactly, and frees what
// only the dropped ones used.
func TestPruneHistory(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	putPlaylist(t, d, "s", "p", "Pruned")
	putPlaylist(t, d, "t", "p", "Other server")
	replace(t, d, "t", "p", 1, entries("t", 1, "1"))
	var want []string
	for v := 1; v <= 5; v++ {
		es := entries(fmt.Sprint("v", v), int64(10*v), "1", fmt.Sprint(v+1))
		replace(t, d, "s", "p", int64(v), es)
		want = append(want, rebuild(t, d, "s", "p", v))
	}
	if n, err := d.PruneHistory(t.Context(), "s", 0); err != nil || n != 0 {
		t.Fatalf("keep 0 deleted %d (%v)", n, err)
	}
	n, err := d.PruneHistory(t.Context(), "s", 2)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d versions, want 3 (%v)", n, err)
	}
	vs, _ := d.Versions(t.Context(), "s", "p")
	if len(vs) != 2 || vs[0].Number != 4 || vs[1].Number != 5 {
		t.Fatalf("kept versions %+v", vs)
	}
	for v := 4; v <= 5; v++ {
		if got := rebuild(t, d, "s", "p", v); got != want[v-1] {
			t.Fatalf("v%d rebuilds %s, want %s", v, got, want[v-1])
		}
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM history_items WHERE server_id = 's'`); got != 4 {
		t.Fatalf("%d track descriptions kept, want the 4 of versions 4 and 5", got)
	}
	if got := rebuild(t, d, "t", "p", 1); got != "1:t title 1" {
		t.Fatalf("another server's history was pruned: %s", got)
	}
	if n, _ := d.PruneHistory(t.Context(), "s", 2); n != 0 {
		t.Fatalf("second prune deleted %d", n)
	}
}
