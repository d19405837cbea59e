package db

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func str(s string) sql.Null[string] { return sql.Null[string]{V: s, Valid: true} }

func putTrack(t *testing.T, d *DB, load bool, tr *Track) Change {
	t.Helper()
	begin := d.Begin
	if load {
		begin = d.BeginLoad
	}
	tx, err := begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ch, err := tx.PutPage(t.Context(), []Row{TrackRow(tr)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ch[0]
}

func TestPutWritesOnlyChanges(t *testing.T) {
	for _, load := range []bool{false, true} {
		d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
		tr := &Track{ServerID: "s", RatingKey: "1", SectionKey: "1", Title: str("A"), DurationMS: sql.Null[int64]{V: 5, Valid: true}}
		if ch := putTrack(t, d, load, tr); ch != Added {
			t.Fatalf("load=%v first put = %v, want Added", load, ch)
		}
		if ch := putTrack(t, d, load, tr); ch != Unchanged {
			t.Fatalf("load=%v same row = %v, want Unchanged", load, ch)
		}
		tr.Title = str("B")
		want := Updated
		if load {
			want = Added // a loading transaction does not tell edits from additions
		}
		if ch := putTrack(t, d, load, tr); ch != want {
			t.Fatalf("load=%v edited row = %v, want %v", load, ch, want)
		}
		// NULL and '' are different values, not the same "nothing".
		tr.Title = str("")
		if ch := putTrack(t, d, load, tr); ch == Unchanged {
			t.Fatal("'' after 'B' reported unchanged")
		}
		tr.Title = sql.Null[string]{}
		if ch := putTrack(t, d, load, tr); ch == Unchanged {
			t.Fatal("NULL after '' reported unchanged")
		}
		var title sql.NullString
		if err := d.R().QueryRow(`SELECT title FROM tracks WHERE rating_key = '1'`).Scan(&title); err != nil || title.Valid {
			t.Fatalf("title = %+v, %v; want NULL", title, err)
		}
	}
}

func TestUnseenRowsMarkedRemovedAndRevived(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	ctx := t.Context()
	for _, k := range []string{"1", "2", "3"} {
		putTrack(t, d, false, &Track{ServerID: "s", RatingKey: k, SectionKey: "1", Title: str("t" + k)})
	}
	putTrack(t, d, false, &Track{ServerID: "s", RatingKey: "9", SectionKey: "2", Title: str("other section")})
	if err := d.StartListing(ctx, KindTrack); err != nil {
		t.Fatal(err)
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Tracks 1 and 3 are listed again, unchanged; 2 is not.
	seen := []Row{
		TrackRow(&Track{ServerID: "s", RatingKey: "1", SectionKey: "1", Title: str("t1")}),
		TrackRow(&Track{ServerID: "s", RatingKey: "3", SectionKey: "1", Title: str("t3")}),
	}
	if ch, err := tx.PutPage(ctx, seen, true); err != nil || ch[0] != Unchanged || ch[1] != Unchanged {
		t.Fatalf("relisting unchanged rows = %v, %v", ch, err)
	}
	n, err := tx.MarkUnseenRemoved(ctx, KindTrack, "s", "1", 1234)
	if err != nil || n != 1 {
		t.Fatalf("MarkUnseenRemoved = %d, %v; want 1", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM tracks WHERE removed_at = 1234`); got != 1 {
		t.Fatalf("removed rows = %d", got)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM tracks WHERE rating_key = '9' AND removed_at IS NULL`); got != 1 {
		t.Fatal("a row of another section was marked removed")
	}
	if seen, _ := d.SeenCount(ctx, KindTrack); seen != 2 {
		t.Fatalf("SeenCount = %d", seen)
	}
	// The same content coming back revives the row and counts as added.
	if ch := putTrack(t, d, false, &Track{ServerID: "s", RatingKey: "2", SectionKey: "1", Title: str("t2")}); ch != Added {
		t.Fatalf("revived row = %v, want Added", ch)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); got != 0 {
		t.Fatal("revived row still carries removed_at")
	}
}

func stage(t *testing.T, d *DB, key string, offset int, keys ...string) {
	t.Helper()
	items := make([]PlaylistItem, len(keys))
	for i, k := range keys {
		items[i] = PlaylistItem{TrackRatingKey: k, PlaylistItemID: sql.Null[int64]{V: int64(100 + offset + i), Valid: true}}
	}
	if err := d.StageItems(t.Context(), "s", key, offset, items); err != nil {
		t.Fatal(err)
	}
}

func TestReplacePlaylistItems(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	ctx := t.Context()
	items := func() string {
		rows, err := d.R().Query(`SELECT track_rating_key FROM playlist_items WHERE playlist_rating_key = 'p' ORDER BY position`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ks []string
		for rows.Next() {
			var k string
			_ = rows.Scan(&k)
			ks = append(ks, k)
		}
		return strings.Join(ks, ",")
	}
	// Pages staged out of order land in order.
	stage(t, d, "p", 2, "c", "a")
	stage(t, d, "p", 0, "a", "b")
	diff, err := d.ReplacePlaylistItems(ctx, "s", "p", 4, "sig1", 1)
	if err != nil || diff != (ItemDiff{Added: 4}) || items() != "a,b,c,a" {
		t.Fatalf("first replace = %+v, %v, items %s", diff, err, items())
	}
	// An incomplete stage is refused and changes nothing.
	stage(t, d, "p", 0, "x", "y")
	if _, err := d.ReplacePlaylistItems(ctx, "s", "p", 4, "sig2", 2); err == nil {
		t.Fatal("a stage missing positions 2 and 3 was accepted")
	}
	if items() != "a,b,c,a" {
		t.Fatalf("a refused replace changed the items: %s", items())
	}
	if err := d.DropStaged(ctx, "s", "p"); err != nil {
		t.Fatal(err)
	}
	// A reorder is reported as moves; a duplicate removed as one removal.
	stage(t, d, "p", 0, "b", "a", "a", "c")
	if diff, err := d.ReplacePlaylistItems(ctx, "s", "p", 4, "sig3", 3); err != nil || diff.Added != 0 || diff.Removed != 0 || diff.Moved == 0 {
		t.Fatalf("reorder = %+v, %v", diff, err)
	}
	stage(t, d, "p", 0, "b", "a", "c")
	if diff, err := d.ReplacePlaylistItems(ctx, "s", "p", 3, "sig4", 4); err != nil || diff != (ItemDiff{Removed: 1}) || items() != "b,a,c" {
		t.Fatalf("removal = %+v, %v, items %s", diff, err, items())
	}
	// Identical items are not rewritten, but the signature is recorded.
	stage(t, d, "p", 0, "b", "a", "c")
	if diff, err := d.ReplacePlaylistItems(ctx, "s", "p", 3, "sig5", 5); err != nil || diff.Changed() {
		t.Fatalf("identical = %+v, %v", diff, err)
	}
	if sig, _ := d.State(ctx, "s", PlaylistScope("p")); sig != "sig5" {
		t.Fatalf("signature = %q", sig)
	}
	if got := queryInt(t, d.W(), `SELECT count(*) FROM temp.staged_items`); got != 0 {
		t.Fatalf("%d staged rows left behind", got)
	}
}

func TestKeepServers(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	for _, id := range []string{"a", "b"} {
		if err := d.UpsertServer(t.Context(), Server{ID: id, Name: id, RefreshedAt: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.KeepServers(t.Context(), []string{"a"}, 99); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM servers WHERE id = 'b' AND removed_at = 99`); got != 1 {
		t.Fatal("server b, no longer listed, not marked removed")
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM servers WHERE id = 'a' AND removed_at IS NULL`); got != 1 {
		t.Fatal("server a, still listed, marked removed")
	}
	// Listed again, it comes back.
	if err := d.UpsertServer(t.Context(), Server{ID: "b", Name: "b", RefreshedAt: 2}); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM servers WHERE removed_at IS NULL`); got != 2 {
		t.Fatal("a server listed again is still marked removed")
	}
}

func TestPutPageProbesOnceAndWritesOnlyChanges(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	ctx := t.Context()
	row := func(k, title string) Row {
		return TrackRow(&Track{ServerID: "s", RatingKey: k, SectionKey: "1", Title: str(title)})
	}
	page := func(seen bool, rows ...Row) []Change {
		t.Helper()
		tx, err := d.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		ch, err := tx.PutPage(ctx, rows, seen)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return ch
	}
	same := func(got []Change, want ...Change) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("changes %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("changes %v, want %v", got, want)
			}
		}
	}
	same(page(false, row("1", "a"), row("2", "b")), Added, Added)
	// Unchanged, edited, new, and the same new key twice in one page.
	same(page(false, row("1", "a"), row("2", "B"), row("3", "c"), row("3", "c")), Unchanged, Updated, Added, Unchanged)
	// A removed row listed again comes back as added.
	if _, err := d.W().Exec(`UPDATE tracks SET removed_at = 5 WHERE rating_key = '1'`); err != nil {
		t.Fatal(err)
	}
	if err := d.StartListing(ctx, KindTrack); err != nil {
		t.Fatal(err)
	}
	same(page(true, row("1", "a"), row("3", "c")), Added, Unchanged)
	if n, _ := d.SeenCount(ctx, KindTrack); n != 2 {
		t.Fatalf("seen = %d, want 2", n)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM tracks WHERE removed_at IS NULL`); got != 3 {
		t.Fatalf("current rows = %d, want 3", got)
	}
}

// The page probe must look each key up in the primary key, never scan the
// table per key: that mistake turned a 10k-track reconcile into seconds.
func TestPageProbeSearchesThePrimaryKey(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
	for _, table := range []Kind{KindArtist, KindAlbum, KindTrack, KindPlaylist} {
		rows, err := d.R().Query(`EXPLAIN QUERY PLAN `+getManySQL(string(table)), `["1","2"]`, "s")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if len(plan) != 2 || !strings.HasPrefix(plan[0], "SCAN j") || !strings.Contains(plan[1], "SEARCH t USING INDEX sqlite_autoindex_"+string(table)) {
			t.Fatalf("%s probe plan: %q", table, plan)
		}
	}
}

func TestReopenClosesInterruptedRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	d, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	crashed, err := d.StartRun(t.Context(), "full", "s", 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil { // the process "crashes" before FinishRun
		t.Fatal(err)
	}
	d = openTest(t, path, Options{})
	var status, msg string
	var finished sql.NullInt64
	if err := d.R().QueryRow(`SELECT status, error, finished_at FROM sync_runs WHERE id = ?`, crashed).Scan(&status, &msg, &finished); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || !strings.Contains(msg, "interrupted") || finished.Valid {
		t.Fatalf("interrupted run = %s, %q, %v", status, msg, finished)
	}
	// A run of this process is left alone.
	live, err := d.StartRun(t.Context(), "full", "s", 200)
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, d.R(), `SELECT count(*) FROM sync_runs WHERE status = 'running' AND id = `+strconv.FormatInt(live, 10)); got != 1 {
		t.Fatal("a live run was closed")
	}
}
