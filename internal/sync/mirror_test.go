package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// env is one fake Plex account mirrored into a real database file.
type env struct {
	t       testing.TB
	fake    *plextest.Fake
	db      *db.DB
	client  *plex.Client
	syncer  *mirror.Syncer
	servers []*plex.Server
	clock   atomic.Int64
}

// newEnv starts a fake as strict as a real server can be, as far as the
// sources allow (see strict), and mirrors it.
func newEnv(t testing.TB, fo plextest.Options, so mirror.Options) *env {
	t.Helper()
	f, err := plextest.Start(strict(fo, so))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return attachEnv(t, f, filepath.Join(t.TempDir(), "mirror.db"), so)
}

// strict sets the fake options that make the sync's shortcuts fail where a
// real server would make them fail: edits land in the second of the last read
// (stamps do not move), edits move no section stamp (unverified either way),
// and the server serves fewer items per page than the client asks for, so
// short pages are the normal case. A MaxPageSize the test set is kept.
func strict(fo plextest.Options, so mirror.Options) plextest.Options {
	fo.SharedSecond = true
	fo.SectionStampsIgnoreEdits = true
	if fo.MaxPageSize == 0 {
		page := so.PageSize
		if page == 0 {
			page = 200 // the sync's default
		}
		fo.MaxPageSize = max(1, page*4/5)
	}
	return fo
}

// attachEnv opens a database at path and a client for the fake f.
func attachEnv(t testing.TB, f *plextest.Fake, path string, so mirror.Options) *env {
	t.Helper()
	return attachEnvWith(t, f, path, so, nil)
}

// attachEnvWith is attachEnv with the client's options adjusted by co.
func attachEnvWith(t testing.TB, f *plextest.Fake, path string, so mirror.Options, co func(*plex.Options)) *env {
	t.Helper()
	d, err := db.Open(context.Background(), path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	po := plex.Options{
		TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(),
		Identity:     plex.Identity{Product: "PlexM8 test", Version: "test", ClientID: "test-client", DeviceName: "test"},
		MaxRetryWait: time.Millisecond,
	}
	if co != nil {
		co(&po)
	}
	c, err := plex.New(po)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, fake: f, db: d, client: c}
	e.clock.Store(1_800_000_000)
	if so.Now == nil {
		// Each reading advances a second, so every stamp a pass writes is
		// distinct and no test depends on the wall clock.
		so.Now = func() time.Time { return time.Unix(e.clock.Add(1), 0) }
	}
	e.syncer = mirror.New(d, c, so)
	e.servers, err = e.syncer.Servers(context.Background(), secret.New(f.AccountToken()), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sync runs one pass over every server and returns the results; it fails
// the test on error unless allowErr.
func (e *env) sync(full, allowErr bool) []*mirror.Result {
	e.t.Helper()
	var out []*mirror.Result
	for _, srv := range e.servers {
		r, err := e.syncer.Server(context.Background(), srv, full)
		if err != nil && !allowErr {
			e.t.Fatalf("sync %s: %v", srv.Resource().Name, err)
		}
		out = append(out, r)
	}
	return out
}

// ---- comparing the database with the fake's truth ----

// cell renders one value the same way for database cells and model fields:
// NULL and nil pointers as ∅, so "absent" and "zero" never compare equal.
func cell(v any) string {
	rv := reflect.ValueOf(v)
	if v == nil || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return "∅"
	}
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String:
		return strconv.Quote(rv.String())
	case reflect.Int, reflect.Int64, reflect.Int32:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64)
	case reflect.Bool:
		if rv.Bool() {
			return "1"
		}
		return "0"
	case reflect.Slice: // []byte from SQLite
		return strconv.Quote(string(rv.Bytes()))
	}
	return fmt.Sprintf("?%T", v)
}

func row(vals ...any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = cell(v)
	}
	return strings.Join(parts, " | ")
}

// dbRows renders every row of a query.
func dbRows(t testing.TB, d *db.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := d.R().Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func guidsJSON(g []string) any {
	if len(g) == 0 {
		return nil
	}
	b, _ := json.Marshal(g)
	return string(b)
}

func sameRows(t testing.TB, what string, got, want []string) {
	t.Helper()
	slices.Sort(got)
	slices.Sort(want)
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: database has %d rows, fake has %d\n", what, len(got), len(want))
	shown := 0
	for _, g := range got {
		if _, found := slices.BinarySearch(want, g); !found && shown < 5 {
			fmt.Fprintf(&b, "  only in database: %s\n", g)
			shown++
		}
	}
	shown = 0
	for _, w := range want {
		if _, found := slices.BinarySearch(got, w); !found && shown < 5 {
			fmt.Fprintf(&b, "  only in fake:     %s\n", w)
			shown++
		}
	}
	t.Fatal(b.String())
}

// assertMirror checks that the current rows of every table equal the fake's
// truth, column by column, for every server.
func assertMirror(t testing.TB, d *db.DB, f *plextest.Fake) {
	t.Helper()
	for _, s := range f.Servers() {
		id := s.MachineID()
		var want []string
		for _, sec := range s.Sections() {
			want = append(want, row(sec.Key, sec.UUID, sec.Type, sec.Title, sec.Agent, sec.Scanner, sec.Language,
				sec.CreatedAt, sec.UpdatedAt, sec.ScannedAt, sec.ContentChangedAt))
		}
		sameRows(t, "sections", dbRows(t, d, `SELECT key, uuid, type, title, agent, scanner, language, created_at, updated_at,
			scanned_at, content_changed_at FROM sections WHERE server_id = ? AND removed_at IS NULL`, id), want)

		var artists, albums, tracks []string
		for _, sec := range s.Sections() {
			if sec.Type != "artist" {
				continue
			}
			for _, a := range s.Artists(sec.Key) {
				artists = append(artists, row(a.RatingKey, a.SectionKey, a.Title, a.TitleSort, a.GUID, guidsJSON(a.Guids),
					a.Summary, a.Thumb, a.AddedAt, a.UpdatedAt))
			}
			for _, a := range s.Albums(sec.Key) {
				albums = append(albums, row(a.RatingKey, a.SectionKey, a.ArtistRatingKey, a.Title, a.TitleSort, a.ArtistTitle,
					a.Year, a.OriginallyAvailableAt, a.GUID, guidsJSON(a.Guids), a.Studio, a.LeafCount, a.AddedAt, a.UpdatedAt))
			}
			for _, tr := range s.Tracks(sec.Key) {
				var file, codec, size, bitrate any
				if len(tr.Media) > 0 {
					codec, bitrate = tr.Media[0].AudioCodec, tr.Media[0].Bitrate
					if len(tr.Media[0].Parts) > 0 {
						file, size = tr.Media[0].Parts[0].File, tr.Media[0].Parts[0].Size
					}
				}
				tracks = append(tracks, row(tr.RatingKey, tr.SectionKey, tr.AlbumRatingKey, tr.ArtistRatingKey, tr.Title,
					tr.TitleSort, tr.OriginalTitle, tr.AlbumTitle, tr.ArtistTitle, tr.Index, tr.ParentIndex, tr.ParentYear,
					tr.Duration, tr.GUID, guidsJSON(tr.Guids), file, size, codec, bitrate, tr.AddedAt, tr.UpdatedAt,
					tr.ViewCount, tr.SkipCount, tr.UserRating, tr.LastViewedAt))
			}
		}
		sameRows(t, "artists of "+s.Name(), dbRows(t, d, `SELECT rating_key, section_key, title, title_sort, guid, guids, summary,
			thumb, added_at, updated_at FROM artists WHERE server_id = ? AND removed_at IS NULL`, id), artists)
		sameRows(t, "albums of "+s.Name(), dbRows(t, d, `SELECT rating_key, section_key, artist_rating_key, title, title_sort,
			artist_title, year, originally_available_at, guid, guids, studio, track_count, added_at, updated_at
			FROM albums WHERE server_id = ? AND removed_at IS NULL`, id), albums)
		sameRows(t, "tracks of "+s.Name(), dbRows(t, d, `SELECT rating_key, section_key, album_rating_key, artist_rating_key,
			title, title_sort, original_title, album_title, artist_title, track_number, disc_number, year, duration_ms, guid,
			guids, file, size, codec, bitrate, added_at, updated_at, view_count, skip_count, user_rating, last_viewed_at
			FROM tracks WHERE server_id = ? AND removed_at IS NULL`, id), tracks)

		var playlists []string
		for _, p := range s.Playlists() {
			// PMS omits a zero leafCount or duration: the mirror holds NULL.
			playlists = append(playlists, row(p.RatingKey, p.Title, p.Summary, p.GUID, p.PlaylistType, p.Smart, p.Content,
				nonZero(p.LeafCount), nonZero(p.Duration), p.AddedAt, p.UpdatedAt))
			if p.PlaylistType != "audio" {
				continue
			}
			var items []string
			for i, it := range s.PlaylistItems(p.RatingKey) {
				var itemID any
				if it.PlaylistItemID != 0 {
					itemID = it.PlaylistItemID
				}
				items = append(items, row(i, it.TrackRatingKey, itemID))
			}
			sameRows(t, "items of playlist "+p.Title, dbRows(t, d, `SELECT position, track_rating_key, playlist_item_id
				FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, id, p.RatingKey), items)
		}
		sameRows(t, "playlists of "+s.Name(), dbRows(t, d, `SELECT rating_key, title, summary, guid, playlist_type, smart,
			content, item_count, duration_ms, added_at, updated_at FROM playlists WHERE server_id = ? AND removed_at IS NULL`, id), playlists)
	}
}

// nonZero is v, or absent for zero: how PMS sends the counts of an empty
// playlist.
func nonZero[T int | int64](v T) any {
	if v == 0 {
		return nil
	}
	return v
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
