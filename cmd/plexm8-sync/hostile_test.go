package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// Names a server might send that break naive SQL, shell, path or text
// handling. The fake JSON-encodes them as PMS would: NUL and other controls
// as \u escapes, and each byte that is not UTF-8 as U+FFFD (what a real PMS
// does with such bytes is unknown; it stores UTF-8, so they should not
// occur, and U+FFFD is what Go's own encoder writes).
var (
	hostileSQL  = `Robert'); DROP TABLE tracks; -- "quoted" 100% _x_ \ ; /* */`
	hostileNUL  = "before\x00after"
	hostileUTF8 = "bad \xff\xfe utf8 \xed\xa0\x80 surrogate"
	hostileBig  = strings.Repeat("长", 100_000/3) // 100 KB of UTF-8
	hostileDots = "../../../../tmp/escaped"
)

// decoded is what the client gets from the fake's JSON for s.
func decoded(s string) string { return string([]rune(s)) }

// hostileEnv is the query environment plus an artist, album, tracks, file
// paths and playlists whose names are all hostile, synced once.
type hostileEnv struct {
	*queryEnv
	tracks    map[string]string // rating key -> title as sent
	files     map[string]string // rating key -> file as sent
	playlists map[string]string // rating key -> title as sent
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	q := newQueryEnv(t, plextest.Options{Seed: 9, Tracks: 60})
	h := &hostileEnv{queryEnv: q, tracks: map[string]string{}, files: map[string]string{}, playlists: map[string]string{}}
	s := q.fake.Owned()
	ar := s.AddArtist("1", hostileSQL)
	al := s.AddAlbum(ar, hostileNUL+" "+hostileUTF8, 0)
	var keys []string
	for i, title := range []string{hostileSQL, hostileNUL, hostileUTF8, hostileBig, hostileDots, "plain zqxj"} {
		rk := s.AddTrack(al, title)
		file := []string{"/music/" + hostileSQL + "/x.flac", "/music/nul\x00/x.flac", "/music/" + hostileUTF8 + ".mp3",
			"/music/" + hostileBig + ".flac", hostileDots + ".flac", "#not a comment.flac"}[i]
		s.EditTrack(rk, func(tr *plextest.Track) { tr.Media[0].Parts[0].File = file })
		h.tracks[rk], h.files[rk] = title, file
		keys = append(keys, rk)
	}
	for _, title := range []string{hostileDots, "/", "..", "CON", "nul.txt", "a/b\\c\x00d", hostileSQL, hostileUTF8, hostileBig, ".hidden"} {
		h.playlists[s.CreatePlaylist(title, keys)] = title
	}
	q.sync(t)
	return h
}

// TestHostileNamesEndToEnd syncs the hostile names, then checks every
// place they go: the mirror holds them exactly as decoded, the offline
// queries answer in every format, history recorded them, and export
// writes files that parse, all inside the target folder.
func TestHostileNamesEndToEnd(t *testing.T) {
	h := newHostileEnv(t)

	d, err := db.Open(context.Background(), h.db, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for rk, title := range h.tracks {
		var got, file, artist, album string
		if err := d.R().QueryRow(`SELECT title, file, artist_title, album_title FROM tracks WHERE rating_key = ? AND removed_at IS NULL`, rk).Scan(&got, &file, &artist, &album); err != nil {
			t.Fatalf("track %s: %v", rk, err)
		}
		if got != decoded(title) || file != decoded(h.files[rk]) || artist != hostileSQL || album != decoded(hostileNUL+" "+hostileUTF8) {
			t.Errorf("track %s stored as %.80q / %.80q / %q / %q, want %.80q / %.80q", rk, got, file, artist, album, decoded(title), decoded(h.files[rk]))
		}
	}
	for rk, title := range h.playlists {
		var cur, hist string
		if err := d.R().QueryRow(`SELECT p.title, v.title FROM playlists p JOIN playlist_versions v ON v.server_id = p.server_id AND v.playlist_rating_key = p.rating_key
			WHERE p.rating_key = ? AND v.version = 1`, rk).Scan(&cur, &hist); err != nil {
			t.Fatalf("playlist %s: %v", rk, err)
		}
		if cur != decoded(title) || hist != decoded(title) {
			t.Errorf("playlist %s stored as %.80q, history %.80q, want %.80q", rk, cur, hist, decoded(title))
		}
		var items int
		if err := d.R().QueryRow(`SELECT count(*) FROM playlist_version_items WHERE playlist_rating_key = ? AND first_version = 1`, rk).Scan(&items); err != nil || items != len(h.tracks) {
			t.Errorf("playlist %s: history holds %d items (%v), want %d", rk, items, err, len(h.tracks))
		}
	}
	if n := queryDB(t, h.db, `SELECT count(*) FROM history_items WHERE title = '`+strings.ReplaceAll(hostileSQL, "'", "''")+`'`); n != 1 {
		t.Errorf("history_items holds %d rows titled with the SQL, want 1", n)
	}

	// Queries: every output format answers, and the JSON and CSV give the
	// exact names back.
	rows := h.jsonRows(t, "tracks", "--album", "before", "--limit", "0")
	var got []string
	for _, r := range rows {
		got = append(got, r["title"].(string))
	}
	var want []string
	for _, title := range h.tracks {
		want = append(want, decoded(title))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tracks --album --json: %d titles %.200q, want %d", len(got), got, len(want))
	}
	for _, search := range []string{"zqxj", "robert", `"quoted"`, "DROP TABLE", "100%", "_x_", "'); --", "长长长", "before", "utf8", "\x00", "\xff", "*", "NEAR(", "\"", "AND OR NOT"} {
		r := run(t, h.env, "tracks", "--search", search, "--json")
		if r.code == 2 && strings.Contains(r.stderr, "the search has no letter, digit or symbol") {
			continue // nothing to look for is a usage error, said as such
		}
		if r.code != 0 || !json.Valid([]byte(r.stdout)) {
			t.Errorf("tracks --search %q: exit %d, %s%.300s", search, r.code, r.stderr, r.stdout)
		}
	}
	if rows := h.jsonRows(t, "tracks", "--search", "zqxj"); len(rows) != 1 {
		t.Errorf("search for the plain word among hostile names found %d rows", len(rows))
	}
	if rows := h.jsonRows(t, "tracks", "--search", "robert drop"); len(rows) < 1 {
		t.Errorf("search for words of the SQL title found nothing")
	}
	out := h.ok(t, "tracks", "--album", "before", "--limit", "0", "--csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("tracks --csv does not parse: %v", err)
	}
	col := slices.Index(recs[0], "title")
	got = got[:0]
	for _, r := range recs[1:] {
		got = append(got, r[col])
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("tracks --csv titles %.200q, want %.200q", got, want)
	}
	for _, args := range [][]string{
		{"tracks", "--limit", "0"}, {"artists", "--json"}, {"albums", "--csv"}, {"playlists"}, {"playlists", "--json"},
		{"history"}, {"history", "--json"}, {"stats"}, {"tracks", "--playlist", hostileSQL},
		{"tracks", "--artist", hostileSQL, "--json"}, {"history", hostileSQL}, {"history", decoded(hostileUTF8), "--json"},
	} {
		r := run(t, h.env, args...)
		if r.code != 0 {
			t.Errorf("%.80q: exit %d %s", args, r.code, r.stderr)
		}
		if slices.Contains(args, "--json") && !json.Valid([]byte(r.stdout)) {
			t.Errorf("%.80q: invalid JSON", args)
		}
	}

	// Export: into root/out, never anywhere else in root.
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	for _, format := range []string{"m3u8", "json", "csv", "xspf"} {
		h.ok(t, "export", "--all", "--dir", dir, "--format", format)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Fatalf("export wrote outside its folder: %v", entries)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		files = append(files, p)
		name := e.Name()
		if rel, _ := filepath.Rel(dir, p); strings.Count(rel, string(filepath.Separator)) != 1 {
			t.Errorf("export file %q is not DIR/<server>/<name>", rel)
		}
		if !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\\") || len(name) > 255 {
			t.Errorf("export file name %q", name)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !utf8.Valid(b) {
			t.Errorf("%s is not valid UTF-8", name)
		}
		switch filepath.Ext(name) {
		case ".json":
			if !json.Valid(b) {
				t.Errorf("%s is not valid JSON", name)
			}
		case ".csv":
			if _, err := csv.NewReader(bytes.NewReader(b)).ReadAll(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case ".xspf":
			if err := xml.Unmarshal(b, new(struct{})); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case ".m3u8":
			// As many entries as a plain M3U reader sees.
			var plain int
			for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
				if !strings.HasPrefix(l, "#") {
					plain++
				}
			}
			if n := strings.Count(string(b), "\n#EXTINF:"); n != plain || n != strings.Count(string(b), "\n#PLEXM8:") {
				t.Errorf("%s: %d #EXTINF lines, %d paths", name, n, plain)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4*len(h.playlists) {
		t.Errorf("%d export files for %d hostile playlists in 4 formats", len(files), len(h.playlists))
	}
	// One playlist by its hostile title, to a file the user named.
	target := filepath.Join(root, "out", "one.m3u8")
	h.ok(t, "export", hostileSQL, "--format", "m3u8", "-o", target)
	if b, err := os.ReadFile(target); err != nil || !bytes.Contains(b, []byte("./#not a comment.flac\n")) {
		t.Errorf("export -o: %v\n%.500s", err, b)
	}
}

// TestReadableCredentialsWarnCLI: sync keeps working with a credentials
// file others can read and says, on stderr, how to fix it; status lists it
// among its problems.
func TestReadableCredentialsWarnCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	f, err := plextest.Start(plextest.Options{Seed: 4, Tracks: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	dir := t.TempDir()
	cfg := writeRunConfig(t, dir, f, "")
	saveToken(t, dir, f.AccountToken())
	path := account.Path(dir)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PLEXM8_CONFIG": cfg, "HOME": dir}
	fix := "run 'chmod 600 " + path + "'"
	r := run(t, env, "sync")
	if r.code != 0 || !strings.Contains(r.stderr, fix) {
		t.Fatalf("sync with a 0644 credentials file: exit %d, want 0 and %q on stderr:\n%s", r.code, fix, r.stderr)
	}
	if strings.Contains(r.stderr, f.AccountToken()) {
		t.Fatal("the warning shows the token")
	}
	r = run(t, env, "status", "--json")
	if !strings.Contains(r.stdout, "chmod 600 "+path) {
		t.Errorf("status does not list the problem (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "sync"); r.code != 0 || strings.Contains(r.stderr, "chmod") {
		t.Errorf("after the fix: exit %d\n%s", r.code, r.stderr)
	}
}
