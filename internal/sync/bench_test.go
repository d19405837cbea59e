package sync_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// benchOpts are the sync settings the benchmarks measure: the defaults a user
// gets, with the page size raised to the maximum PMS accepts without warning.
func benchOpts() mirror.Options { return mirror.Options{PageSize: 1000} }

func benchSizes(b *testing.B, f func(b *testing.B, tracks int)) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("tracks=%d", n), func(b *testing.B) { f(b, n) })
	}
}

// BenchmarkFullSync measures a first full sync of the owned server into an
// empty database, against the in-process fake with no latency.
func BenchmarkFullSync(b *testing.B) {
	benchSizes(b, func(b *testing.B, tracks int) {
		f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			e := benchEnv(b, f)
			b.StartTimer()
			if _, err := e.syncer.Server(context.Background(), e.servers[0], true); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			_ = e.db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(tracks*b.N)/b.Elapsed().Seconds(), "tracks/s")
	})
}

// BenchmarkNoChangeSync measures an incremental sync of an unchanged library.
func BenchmarkNoChangeSync(b *testing.B) {
	benchSizes(b, func(b *testing.B, tracks int) {
		f, e := syncedFake(b, tracks)
		f.ResetRequests()
		b.ResetTimer()
		for range b.N {
			if _, err := e.syncer.Server(context.Background(), e.servers[0], false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(f.Requests()))/float64(b.N), "requests/op")
	})
}

// BenchmarkLatencyPaging shows what concurrent paging buys against a server
// that takes 50 ms per page: one page at a time versus the default.
func BenchmarkLatencyPaging(b *testing.B) {
	for _, conc := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: 5_000, SharedTracks: 10, Latency: 50 * time.Millisecond})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			for range b.N {
				b.StopTimer()
				e := benchEnvWith(b, f, mirror.Options{PageSize: 200, Concurrency: conc})
				b.StartTimer()
				if _, err := e.syncer.Server(context.Background(), e.servers[0], true); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				_ = e.db.Close()
				b.StartTimer()
			}
		})
	}
}

// syncedFake starts a fake with tracks tracks and mirrors its owned server
// once, fully; the fake closes with the benchmark.
func syncedFake(b *testing.B, tracks int) (*plextest.Fake, *env) {
	b.Helper()
	f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	e := benchEnv(b, f)
	if _, err := e.syncer.Server(context.Background(), e.servers[0], true); err != nil {
		b.Fatal(err)
	}
	return f, e
}

func benchEnv(b *testing.B, f *plextest.Fake) *env { return benchEnvWith(b, f, benchOpts()) }

func benchEnvWith(b *testing.B, f *plextest.Fake, o mirror.Options) *env {
	b.Helper()
	return attachEnv(b, f, filepath.Join(b.TempDir(), fmt.Sprintf("bench-%d.db", time.Now().UnixNano())), o)
}

// BenchmarkCeiling is the plain pipeline the full sync is held against, run
// on the same fake and library. For each listing, two fetchers page it with
// net/http, stock encoding/json decodes pages into flat structs, and one
// writer inserts the rows with a prepared statement into the same tables, in
// 10k-row transactions. "all" moves the same data as a full sync (artists,
// albums, tracks, playlists and the items of audio playlists); "tracks" moves
// the tracks alone. No change detection, no consistency checks, no retries,
// no run records: what remains is the cost of moving the data.
func BenchmarkCeiling(b *testing.B) {
	for _, what := range []string{"all", "tracks"} {
		b.Run(what, func(b *testing.B) {
			benchSizes(b, func(b *testing.B, tracks int) {
				f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				srv := f.Owned()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					d, err := db.Open(context.Background(), filepath.Join(b.TempDir(), fmt.Sprintf("ceiling-%d.db", time.Now().UnixNano())), db.Options{})
					if err != nil {
						b.Fatal(err)
					}
					c := ceiling{w: d.W(), base: srv.URL("local"), tok: srv.AccessToken(), server: srv.MachineID()}
					b.StartTimer()
					if what == "all" {
						err = c.all()
					} else {
						err = c.list(trackListing("1"))
					}
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					_ = d.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(tracks*b.N)/b.Elapsed().Seconds(), "tracks/s")
			})
		})
	}
}

type ceiling struct {
	w                 *sql.DB
	base, tok, server string
}

// plainItem holds every field the plain pipeline stores, for any item type.
type plainItem struct {
	RatingKey            string `json:"ratingKey"`
	ParentRatingKey      string `json:"parentRatingKey"`
	GrandparentRatingKey string `json:"grandparentRatingKey"`
	Title                string `json:"title"`
	TitleSort            string `json:"titleSort"`
	ParentTitle          string `json:"parentTitle"`
	GrandparentTitle     string `json:"grandparentTitle"`
	GUID                 string `json:"guid"`
	Guids                []struct {
		ID string `json:"id"`
	} `json:"Guid"` // without it, encoding/json would match "Guid" to guid
	Index          int64  `json:"index"`
	ParentIndex    int64  `json:"parentIndex"`
	Year           int64  `json:"year"`
	Duration       int64  `json:"duration"`
	AddedAt        int64  `json:"addedAt"`
	UpdatedAt      int64  `json:"updatedAt"`
	LeafCount      int64  `json:"leafCount"`
	PlaylistType   string `json:"playlistType"`
	Smart          bool   `json:"smart"`
	PlaylistItemID int64  `json:"playlistItemID"`
	Media          []struct {
		AudioCodec string `json:"audioCodec"`
		Bitrate    int64  `json:"bitrate"`
		Part       []struct {
			File string `json:"file"`
			Size int64  `json:"size"`
		} `json:"Part"`
	} `json:"Media"`
}

type plainPage struct {
	MediaContainer struct {
		TotalSize int         `json:"totalSize"`
		Offset    int         `json:"offset"`
		Metadata  []plainItem `json:"Metadata"`
	} `json:"MediaContainer"`
}

// plainListing is one listing: where to page it and how to insert an item.
type plainListing struct {
	path   string // with its query, without paging
	insert string
	args   func(c *ceiling, it *plainItem, pos int) []any
}

func trackListing(section string) plainListing {
	return plainListing{
		path: "/library/sections/" + section + "/all?type=10&includeGuids=1",
		insert: `INSERT INTO tracks (server_id, rating_key, section_key, album_rating_key, artist_rating_key, title,
			title_sort, album_title, artist_title, track_number, disc_number, duration_ms, guid, file, size, codec, bitrate,
			added_at, updated_at, hash) VALUES (?, ?, '1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		args: func(c *ceiling, t *plainItem, _ int) []any {
			var file, codec string
			var sz, br int64
			if len(t.Media) > 0 {
				codec, br = t.Media[0].AudioCodec, t.Media[0].Bitrate
				if len(t.Media[0].Part) > 0 {
					file, sz = t.Media[0].Part[0].File, t.Media[0].Part[0].Size
				}
			}
			return []any{c.server, t.RatingKey, t.ParentRatingKey, t.GrandparentRatingKey, t.Title, t.TitleSort,
				t.ParentTitle, t.GrandparentTitle, t.Index, t.ParentIndex, t.Duration, t.GUID, file, sz, codec, br, t.AddedAt, t.UpdatedAt}
		},
	}
}

// all moves what a full sync moves: artists, albums and tracks of the music
// section, the playlists, and the items of every audio playlist.
func (c *ceiling) all() error {
	artists := plainListing{
		path:   "/library/sections/1/all?type=8&includeGuids=1",
		insert: `INSERT INTO artists (server_id, rating_key, section_key, title, title_sort, guid, added_at, updated_at, hash) VALUES (?, ?, '1', ?, ?, ?, ?, ?, 0)`,
		args: func(c *ceiling, a *plainItem, _ int) []any {
			return []any{c.server, a.RatingKey, a.Title, a.TitleSort, a.GUID, a.AddedAt, a.UpdatedAt}
		},
	}
	albums := plainListing{
		path: "/library/sections/1/all?type=9&includeGuids=1",
		insert: `INSERT INTO albums (server_id, rating_key, section_key, artist_rating_key, title, title_sort, artist_title, year, guid,
			track_count, added_at, updated_at, hash) VALUES (?, ?, '1', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		args: func(c *ceiling, a *plainItem, _ int) []any {
			return []any{c.server, a.RatingKey, a.ParentRatingKey, a.Title, a.TitleSort, a.ParentTitle, a.Year, a.GUID, a.LeafCount, a.AddedAt, a.UpdatedAt}
		},
	}
	playlists := plainListing{
		path: "/playlists?type=15",
		insert: `INSERT INTO playlists (server_id, rating_key, title, guid, playlist_type, smart, item_count, duration_ms, added_at, updated_at, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		args: func(c *ceiling, p *plainItem, _ int) []any {
			return []any{c.server, p.RatingKey, p.Title, p.GUID, p.PlaylistType, p.Smart, p.LeafCount, p.Duration, p.AddedAt, p.UpdatedAt}
		},
	}
	for _, l := range []plainListing{artists, albums, trackListing("1")} {
		if err := c.list(l); err != nil {
			return err
		}
	}
	var audio []string
	pl := playlists
	pl.args = func(c *ceiling, p *plainItem, pos int) []any {
		if p.PlaylistType == "audio" {
			audio = append(audio, p.RatingKey)
		}
		return playlists.args(c, p, pos)
	}
	if err := c.list(pl); err != nil {
		return err
	}
	for _, key := range audio {
		items := plainListing{
			path: "/playlists/" + key + "/items?excludeElements=Media",
			insert: `INSERT INTO playlist_items (server_id, playlist_rating_key, position, track_rating_key, playlist_item_id)
				VALUES (?, '` + key + `', ?, ?, ?)`,
			args: func(c *ceiling, it *plainItem, pos int) []any {
				return []any{c.server, pos, it.RatingKey, it.PlaylistItemID}
			},
		}
		if err := c.list(items); err != nil {
			return err
		}
	}
	return nil
}

func (c *ceiling) fetch(path string, start, size int) (*plainPage, error) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s%s%sX-Plex-Container-Start=%d&X-Plex-Container-Size=%d", c.base, path, sep, start, size), nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Plex-Token", c.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	var p plainPage
	return &p, json.Unmarshal(body, &p)
}

// list pages one listing with two fetchers into one writer.
func (c *ceiling) list(l plainListing) error {
	const size = 1000
	first, err := c.fetch(l.path, 0, size)
	if err != nil {
		return err
	}
	total := first.MediaContainer.TotalSize
	pages := make(chan *plainPage, 2)
	errs := make(chan error, 2)
	var wg gosync.WaitGroup
	for f := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := size * (1 + f); start < total; start += 2 * size {
				p, err := c.fetch(l.path, start, size)
				if err != nil {
					errs <- err
					return
				}
				pages <- p
			}
		}()
	}
	go func() { wg.Wait(); close(pages) }()
	ins, err := c.w.Prepare(l.insert)
	if err != nil {
		return err
	}
	defer ins.Close()
	tx, err := c.w.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	st := tx.Stmt(ins)
	rows := 0
	write := func(p *plainPage) error {
		for i := range p.MediaContainer.Metadata {
			if _, err := st.Exec(l.args(c, &p.MediaContainer.Metadata[i], p.MediaContainer.Offset+i)...); err != nil {
				return err
			}
			if rows++; rows%10_000 == 0 {
				if err := tx.Commit(); err != nil {
					return err
				}
				if tx, err = c.w.Begin(); err != nil {
					return err
				}
				st = tx.Stmt(ins)
			}
		}
		return nil
	}
	if err := write(first); err != nil {
		return err
	}
	for p := range pages {
		if err := write(p); err != nil {
			return err
		}
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	if rows != total {
		return fmt.Errorf("ceiling wrote %d of %d from %s", rows, total, l.path)
	}
	return tx.Commit()
}

// BenchmarkOneChangeSync measures an incremental sync after one track was
// edited: the section's signals moved, so it is reconciled whole.
func BenchmarkOneChangeSync(b *testing.B) {
	benchSizes(b, func(b *testing.B, tracks int) {
		f, e := syncedFake(b, tracks)
		s := f.Owned()
		rk := s.Tracks("1")[0].RatingKey
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			s.EditTrack(rk, func(t *plextest.Track) { t.Title = fmt.Sprintf("edit %d", i) })
			b.StartTimer()
			r, err := e.syncer.Server(context.Background(), e.servers[0], false)
			if err != nil {
				b.Fatal(err)
			}
			if r.Counts["tracks"].Updated != 1 {
				b.Fatalf("updated %d tracks, want 1", r.Counts["tracks"].Updated)
			}
		}
	})
}
