package sync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// deltaScenarios are the library changes the delta reconcile is measured
// on: the changes a library sees most, and the ones a delta handles worst.
var deltaScenarios = []struct {
	name   string
	mutate func(s *plextest.Server, i int)
}{
	// One track retitled, outside the rule of the fake's smart playlist
	// ("Titles with A") before and after: its items need no refetch.
	{"oneEdit", func(s *plextest.Server, i int) {
		s.EditTrack(trackTitled(s, false).RatingKey, func(t *plextest.Track) { t.Title = fmt.Sprintf("edit %d", i) })
	}},
	// One track retitled inside that rule: it may have moved in the
	// playlist's order, so its 69k items are fetched again.
	{"oneEditInRule", func(s *plextest.Server, i int) {
		s.EditTrack(trackTitled(s, true).RatingKey, func(t *plextest.Track) { t.Title = fmt.Sprintf("a edit %d", i) })
	}},
	{"batch", func(s *plextest.Server, i int) {
		albums, artists := s.Albums("1"), s.Artists("1")
		for n := range 50 {
			s.AddTrack(albums[(n*37+i)%len(albums)].RatingKey, fmt.Sprintf("added %d.%d", i, n))
		}
		s.RemoveAlbum(albums[len(albums)/2+i].RatingKey)
		s.RenameAlbum(albums[len(albums)/3+i].RatingKey, fmt.Sprintf("renamed album %d", i))
		s.RenameArtist(artists[len(artists)/4+i].RatingKey, fmt.Sprintf("renamed artist %d", i))
	}},
	{"remove20", func(s *plextest.Server, i int) {
		r := rand.New(rand.NewPCG(uint64(i), 20))
		for range 20 {
			tr := s.Tracks("1")
			s.RemoveTrack(tr[r.IntN(len(tr))].RatingKey)
		}
	}},
	{"nothing", func(*plextest.Server, int) {}},
}

// trackTitled is the first track of section 1 whose title does (or does
// not) contain an "a".
func trackTitled(s *plextest.Server, withA bool) plextest.Track {
	for _, t := range s.Tracks("1") {
		if strings.ContainsAny(t.Title, "aA") == withA {
			return t
		}
	}
	panic("no such track")
}

// BenchmarkDeltaSync measures an incremental pass after each scenario's
// change, with deltas and, for comparison, with complete listings only.
// Run it beside BenchmarkFullSync: the bounds are ratios to it.
func BenchmarkDeltaSync(b *testing.B) {
	benchSizes(b, func(b *testing.B, tracks int) {
		for _, mode := range []string{"delta", "complete"} {
			for _, sc := range deltaScenarios {
				b.Run(mode+"/"+sc.name, func(b *testing.B) {
					o := benchOpts()
					o.CompleteListings = mode == "complete"
					f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(f.Close)
					e := benchEnvWith(b, f, o)
					if _, err := e.syncer.Server(context.Background(), e.servers[0], true); err != nil {
						b.Fatal(err)
					}
					s := f.Owned()
					var requests int
					var plans []mirror.Plan
					var paths map[string]int
					b.ResetTimer()
					for i := range b.N {
						b.StopTimer()
						sc.mutate(s, i)
						f.ResetRequests()
						b.StartTimer()
						r, err := e.syncer.Server(context.Background(), e.servers[0], false)
						if err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						requests += len(f.Requests())
						paths = map[string]int{}
						for _, q := range f.Requests() {
							k := q.Path
							if strings.HasPrefix(k, "/playlists/") {
								k = "/playlists/*/items"
							}
							paths[k]++
						}
						plans = r.Plans
						b.StartTimer()
					}
					b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
					b.Logf("plans: %+v; requests of the last pass by path: %v", plans, paths)
				})
			}
		}
	})
}
