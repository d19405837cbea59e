package sync_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	msync "github.com/plexm8/plexm8-sync/internal/sync"
)

// benchOpts are the sync settings the benchmarks measure: the defaults a user
// gets, with the page size raised to the maximum PMS accepts without warning.
func benchOpts() msync.Options { return msync.Options{PageSize: 1000} }

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
		f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		e := benchEnv(b, f)
		if _, err := e.syncer.Server(context.Background(), e.servers[0], true); err != nil {
			b.Fatal(err)
		}
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
				e := benchEnvWith(b, f, msync.Options{PageSize: 200, Concurrency: conc})
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

func benchEnv(b *testing.B, f *plextest.Fake) *env { return benchEnvWith(b, f, benchOpts()) }

func benchEnvWith(b *testing.B, f *plextest.Fake, o msync.Options) *env {
	b.Helper()
	return attachEnv(b, f, filepath.Join(b.TempDir(), fmt.Sprintf("bench-%d.db", time.Now().UnixNano())), o)
}

// BenchmarkCeiling is the plain pipeline the full sync is held against, on
// the same fake and data: two fetchers page the tracks with net/http, stock
// encoding/json decodes them into a flat struct, and one writer inserts them
// with a prepared statement into the same tracks table in 10k-row
// transactions. No change detection, no artists or albums, no playlists.
func BenchmarkCeiling(b *testing.B) {
	benchSizes(b, func(b *testing.B, tracks int) {
		f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		base := f.Owned().URL("local")
		if base == "" {
			b.Fatal("fake has no local connection")
		}
		tok := f.Owned().AccessToken()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			d, err := db.Open(context.Background(), filepath.Join(b.TempDir(), fmt.Sprintf("ceiling-%d.db", time.Now().UnixNano())), db.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := ceiling(d.W(), base, tok, f.Owned().MachineID()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			_ = d.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(tracks*b.N)/b.Elapsed().Seconds(), "tracks/s")
	})
}

type plainTrack struct {
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
	Index       int64 `json:"index"`
	ParentIndex int64 `json:"parentIndex"`
	Duration    int64 `json:"duration"`
	AddedAt     int64 `json:"addedAt"`
	UpdatedAt   int64 `json:"updatedAt"`
	Media       []struct {
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
		TotalSize int          `json:"totalSize"`
		Metadata  []plainTrack `json:"Metadata"`
	} `json:"MediaContainer"`
}

func fetchPlain(base, tok string, start, size int) (*plainPage, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/library/sections/1/all?type=10&includeGuids=1&X-Plex-Container-Start=%d&X-Plex-Container-Size=%d", base, start, size), nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Plex-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var p plainPage
	return &p, json.Unmarshal(body, &p)
}

func ceiling(w *sql.DB, base, tok, serverID string) error {
	const size = 1000
	first, err := fetchPlain(base, tok, 0, size)
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
				p, err := fetchPlain(base, tok, start, size)
				if err != nil {
					errs <- err
					return
				}
				pages <- p
			}
		}()
	}
	go func() { wg.Wait(); close(pages) }()
	ins, err := w.Prepare(`INSERT INTO tracks (server_id, rating_key, section_key, album_rating_key, artist_rating_key, title,
		title_sort, album_title, artist_title, track_number, disc_number, duration_ms, guid, file, size, codec, bitrate,
		added_at, updated_at, hash) VALUES (?, ?, '1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	st := tx.Stmt(ins)
	rows := 0
	write := func(p *plainPage) error {
		for _, t := range p.MediaContainer.Metadata {
			var file, codec string
			var sz, br int64
			if len(t.Media) > 0 {
				codec, br = t.Media[0].AudioCodec, t.Media[0].Bitrate
				if len(t.Media[0].Part) > 0 {
					file, sz = t.Media[0].Part[0].File, t.Media[0].Part[0].Size
				}
			}
			if _, err := st.Exec(serverID, t.RatingKey, t.ParentRatingKey, t.GrandparentRatingKey, t.Title, t.TitleSort,
				t.ParentTitle, t.GrandparentTitle, t.Index, t.ParentIndex, t.Duration, t.GUID, file, sz, codec, br, t.AddedAt, t.UpdatedAt); err != nil {
				return err
			}
			if rows++; rows%10_000 == 0 {
				if err := tx.Commit(); err != nil {
					return err
				}
				if tx, err = w.Begin(); err != nil {
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
		return fmt.Errorf("ceiling wrote %d of %d", rows, total)
	}
	return tx.Commit()
}
