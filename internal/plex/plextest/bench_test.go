package plextest

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// BenchmarkGenerate1M starts a fake with a million tracks; the brief wants
// this in a few seconds and reasonable memory (reported as heap-MB).
func BenchmarkGenerate1M(b *testing.B) {
	for b.Loop() {
		f, err := Start(Options{Seed: 1, Tracks: 1_000_000})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		if n := len(f.Owned().sections[0].tracks); n != 1_000_000 {
			b.Fatalf("%d tracks", n)
		}
		f.Close()
		b.StartTimer()
	}
}

// BenchmarkTrackPage serves 1000-track JSON pages of a 100k-track section.
func BenchmarkTrackPage(b *testing.B) {
	f, err := Start(Options{Seed: 1, Tracks: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	o := f.Owned()
	base := o.URL("local") + "/library/sections/1/all?type=10&includeGuids=1&X-Plex-Container-Size=1000&X-Plex-Container-Start="
	var n int
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodGet, base+strconv.Itoa(n%100*1000), nil)
		r.Header.Set("Accept", "application/json")
		r.Header.Set("X-Plex-Token", o.AccessToken())
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		nb, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		b.SetBytes(nb)
		n++
	}
}

// TestConcurrentMutationsWhileServing is for the race detector: listings
// and every kind of mutation at once.
func TestConcurrentMutationsWhileServing(t *testing.T) {
	h := start(t, Options{Seed: 51})
	o := h.f.Owned()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, p := range []string{"/library/sections/1/all?type=10&X-Plex-Container-Size=50&sort=updatedAt:desc",
					"/library/sections/1/all?type=9&X-Plex-Container-Size=50", "/playlists", "/library/sections"} {
					// 401 is expected when the token rotates in between.
					if rep, err := h.try(req{url: o.URL("local") + p, token: o.AccessToken()}); err != nil || rep.status != 200 && rep.status != 401 {
						t.Errorf("%s: %v %d", p, err, rep.status)
						return
					}
				}
				_ = o.Playlists()
			}
		})
	}
	smart := playlistNamed(t, o, "Titles with A").RatingKey
	for i := range 30 {
		al := o.Albums("1")[i%5].RatingKey
		rk := o.AddTrack(al, "concurrent a "+strconv.Itoa(i))
		o.EditTrack(rk, func(t *Track) { t.Title += " edited" })
		o.RenameAlbum(al, "Album "+strconv.Itoa(i))
		pl := o.CreatePlaylist("p", []string{rk})
		o.RemoveTrack(rk)
		o.DeletePlaylist(pl)
		o.RotateToken()
		_ = o.PlaylistItems(smart)
	}
	close(stop)
	wg.Wait()
}
