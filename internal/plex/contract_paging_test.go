package plex_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// walk lists q whole, one page at a time, following the page size the fake
// serves. It judges nothing: checking pages against their listing is the
// sync pager's job, tested there; these tests hold the fake and the client's
// decoding to the model.
func walk(t *testing.T, s *plex.Server, q plex.Query, pageSize int) ([]plex.Metadata, []plex.Page, error) {
	t.Helper()
	if pageSize <= 0 {
		pageSize = 200
	}
	var items []plex.Metadata
	var pages []plex.Page
	for start := 0; ; {
		p, err := s.Page(context.Background(), q, start, pageSize)
		if err != nil {
			return items, pages, err
		}
		pages = append(pages, p)
		items = append(items, p.Items...)
		start += len(p.Items)
		if len(p.Items) == 0 || start >= p.TotalSize {
			return items, pages, nil
		}
	}
}

func optS(p *string) plex.OptString {
	if p == nil {
		return plex.OptString{}
	}
	return plex.OptString{V: *p, Valid: true}
}

func optI[T int | int64](p *T) plex.OptInt {
	if p == nil {
		return plex.OptInt{}
	}
	return plex.OptInt{V: int64(*p), Valid: true}
}

func guidIDs(gs []plex.Guid) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func TestContractWalkTracksMatchesModel(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 230, MaxPageSize: 40}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	items, pages, err := walk(t, s, plex.SectionItems("1", plex.TypeTrack), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 6 || pages[0].Size != 40 || pages[1].Offset != 40 || pages[5].Size != 30 || pages[5].TotalSize != 230 {
		var sum []string
		for _, p := range pages {
			sum = append(sum, fmt.Sprintf("%d+%d/%d", p.Offset, p.Size, p.TotalSize))
		}
		t.Errorf("pages %v: the server's smaller pages were not followed", sum)
	}
	want := owned.Tracks("1")
	if len(items) != len(want) {
		t.Fatalf("%d tracks, want %d", len(items), len(want))
	}
	byKey := map[string]plex.Metadata{}
	for _, it := range items {
		if _, dup := byKey[it.RatingKey.V]; dup {
			t.Errorf("%s twice", it.RatingKey.V)
		}
		byKey[it.RatingKey.V] = it
	}
	for _, w := range want {
		g, ok := byKey[w.RatingKey]
		if !ok {
			t.Errorf("track %s missing", w.RatingKey)
			continue
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"type", g.Type.V, "track"},
			{"title", g.Title.V, w.Title},
			{"titleSort", g.TitleSort.V, w.TitleSort},
			{"originalTitle", g.OriginalTitle, optS(w.OriginalTitle)},
			{"guid", g.GUID.V, w.GUID},
			{"parentRatingKey", g.ParentRatingKey.V, w.AlbumRatingKey},
			{"grandparentRatingKey", g.GrandparentRatingKey.V, w.ArtistRatingKey},
			{"parentTitle", g.ParentTitle.V, w.AlbumTitle},
			{"grandparentTitle", g.GrandparentTitle.V, w.ArtistTitle},
			{"index", g.Index, optI(w.Index)},
			{"parentIndex", g.ParentIndex, optI(w.ParentIndex)},
			{"parentYear", g.ParentYear, optI(w.ParentYear)},
			{"duration", g.Duration, optI(w.Duration)},
			{"addedAt", g.AddedAt.V, w.AddedAt},
			{"updatedAt", g.UpdatedAt.V, w.UpdatedAt},
			{"viewCount", g.ViewCount, optI(w.ViewCount)},
			{"skipCount", g.SkipCount, optI(w.SkipCount)},
			{"lastViewedAt", g.LastViewedAt, optI(w.LastViewedAt)},
			{"userRating set", g.UserRating.Valid, w.UserRating != nil},
			{"guids", guidIDs(g.Guids), w.Guids},
			{"media count", len(g.Media), len(w.Media)},
		}
		for _, c := range checks {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("track %s %s: got %v, want %v", w.RatingKey, c.name, c.got, c.want)
			}
		}
		if w.UserRating != nil && g.UserRating.V != *w.UserRating {
			t.Errorf("track %s userRating %v, want %v", w.RatingKey, g.UserRating.V, *w.UserRating)
		}
		for i, m := range w.Media {
			if i >= len(g.Media) {
				break
			}
			gm := g.Media[i]
			if gm.ID.V != m.ID || gm.AudioCodec.V != m.AudioCodec || gm.Container.V != m.Container ||
				gm.Bitrate != optI(m.Bitrate) || len(gm.Part) != len(m.Parts) {
				t.Errorf("track %s media %d: %+v, want %+v", w.RatingKey, i, gm, m)
				continue
			}
			for j, p := range m.Parts {
				gp := gm.Part[j]
				if gp.ID.V != p.ID || gp.File.V != p.File || gp.Size.V != p.Size || gp.Key.V != p.Key || gp.Container.V != p.Container {
					t.Errorf("track %s part %d: %+v, want %+v", w.RatingKey, j, gp, p)
				}
			}
		}
	}
}

func TestContractWalkArtistsAlbumsAndCounts(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 120}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	ctx := context.Background()

	artists, _, err := walk(t, s, plex.SectionItems("1", plex.TypeArtist), 7)
	if err != nil {
		t.Fatal(err)
	}
	wantArtists := owned.Artists("1")
	if len(artists) != len(wantArtists) {
		t.Fatalf("%d artists, want %d", len(artists), len(wantArtists))
	}
	am := map[string]plextest.Artist{}
	for _, a := range wantArtists {
		am[a.RatingKey] = a
	}
	for _, g := range artists {
		w := am[g.RatingKey.V]
		if g.Type.V != "artist" || g.Title.V != w.Title || g.GUID.V != w.GUID || g.Summary != optS(w.Summary) ||
			g.Thumb != optS(w.Thumb) || fmt.Sprint(guidIDs(g.Guids)) != fmt.Sprint(w.Guids) {
			t.Errorf("artist %+v, want %+v", g, w)
		}
	}

	albums, _, err := walk(t, s, plex.SectionItems("1", plex.TypeAlbum), 0)
	if err != nil {
		t.Fatal(err)
	}
	wantAlbums := owned.Albums("1")
	if len(albums) != len(wantAlbums) {
		t.Fatalf("%d albums, want %d", len(albums), len(wantAlbums))
	}
	alm := map[string]plextest.Album{}
	for _, a := range wantAlbums {
		alm[a.RatingKey] = a
	}
	for _, g := range albums {
		w := alm[g.RatingKey.V]
		if g.Title.V != w.Title || g.ParentRatingKey.V != w.ArtistRatingKey || g.ParentTitle.V != w.ArtistTitle ||
			g.Year != optI(w.Year) || g.OriginallyAvailableAt != optS(w.OriginallyAvailableAt) ||
			g.Studio != optS(w.Studio) || g.LeafCount.V != int64(w.LeafCount) {
			t.Errorf("album %+v, want %+v", g, w)
		}
	}

	for typ, want := range map[plex.ItemType]int{plex.TypeArtist: len(wantArtists), plex.TypeAlbum: len(wantAlbums), plex.TypeTrack: 120} {
		n, err := s.Count(ctx, plex.SectionItems("1", typ))
		if err != nil || n != want {
			t.Errorf("count of type %d: %d %v, want %d", typ, n, err, want)
		}
	}
	if n, err := s.Count(ctx, plex.SectionItems("3", plex.TypeTrack)); err != nil || n != len(owned.Tracks("3")) {
		t.Errorf("count of section 3: %d %v", n, err)
	}
	if items, pages, err := walk(t, s, plex.SectionItems("3", plex.TypeTrack), 50); err != nil || len(items) != len(owned.Tracks("3")) || len(pages) != 1 {
		t.Errorf("section 3: %d items in %d pages, %v", len(items), len(pages), err)
	}
	// Count sends size 0 and gets no items.
	for _, r := range fakeRequests(e.f, owned.MachineID(), "/library/sections/1/all") {
		if r.Query.Get("X-Plex-Container-Start") == "" || r.Query.Get("X-Plex-Container-Size") == "" {
			t.Errorf("paging parameters missing: %v", r.Query)
		}
	}
}

// A track added during a listing shows in the next page's totalSize: that
// is how the sync's pager catches the drift.
func TestContractDriftShowsInTotalSize(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 200}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	album := owned.Albums("1")[0].RatingKey
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections/1/all", Skip: 1, Times: 1,
		Before: func() { owned.AddTrack(album, "Added mid-listing") }})
	_, pages, err := walk(t, s, plex.SectionItems("1", plex.TypeTrack), 50)
	if err != nil {
		t.Fatal(err)
	}
	if pages[0].TotalSize != 200 || pages[1].TotalSize != 201 {
		t.Fatalf("totalSize %d then %d, want 200 then 201", pages[0].TotalSize, pages[1].TotalSize)
	}
}

// A track added at the front and the last one removed between two pages
// leave totalSize alone and shift everything after by one: the next page
// starts with the item that ended the last. Only counting distinct keys, as
// the sync does, tells such a listing from a whole one.
func TestContractSwapShiftsPages(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 200}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	before, _, err := walk(t, s, plex.SectionItems("1", plex.TypeTrack), 50)
	if err != nil {
		t.Fatal(err)
	}
	last := before[len(before)-1].RatingKey.V
	album := owned.Albums("1")[0].RatingKey
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections/1/all", Skip: 1, Times: 1, Before: func() {
		owned.AddTrack(album, "!!! first")
		owned.RemoveTrack(last)
	}})
	items, pages, err := walk(t, s, plex.SectionItems("1", plex.TypeTrack), 50)
	if err != nil {
		t.Fatal(err)
	}
	if pages[0].TotalSize != 200 || pages[len(pages)-1].TotalSize != 200 {
		t.Fatalf("totalSize moved: %d to %d", pages[0].TotalSize, pages[len(pages)-1].TotalSize)
	}
	distinct := map[string]bool{}
	for _, it := range items {
		distinct[it.RatingKey.V] = true
	}
	if len(items) != 200 || len(distinct) != 199 || items[50].RatingKey.V != items[49].RatingKey.V {
		t.Fatalf("%d items, %d distinct; page 2 starts with %s after %s", len(items), len(distinct), items[50].RatingKey.V, items[49].RatingKey.V)
	}
}

func TestContractPlaylists(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 300}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	model := owned.Playlists()

	// The sync lists every type; the fake must still honour the filter.
	audioOnly := plex.Query{Path: "/playlists", Params: url.Values{"playlistType": {"audio"}, "type": {"15"}}}
	audio, _, err := walk(t, s, audioOnly, 2)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := walk(t, s, plex.AllPlaylists(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(model) || len(audio) >= len(all) {
		t.Fatalf("%d audio, %d in all, model has %d", len(audio), len(all), len(model))
	}
	for _, p := range audio {
		if p.PlaylistType.V != "audio" {
			t.Errorf("playlistType=audio listed a %s playlist", p.PlaylistType.V)
		}
	}
	if n, err := s.Count(context.Background(), plex.AllPlaylists()); err != nil || n != len(model) {
		t.Errorf("count %d %v", n, err)
	}
	byKey := map[string]plex.Metadata{}
	for _, p := range all {
		byKey[p.RatingKey.V] = p
	}
	var sawDup, sawSmart, sawLong bool
	for _, w := range model {
		g := byKey[w.RatingKey]
		if g.Title.V != w.Title || g.Smart.V != w.Smart || g.LeafCount.V != int64(w.LeafCount) || g.Content != optS(w.Content) ||
			g.PlaylistType.V != w.PlaylistType || g.UpdatedAt.V != w.UpdatedAt || g.Composite.V != w.Composite {
			t.Errorf("playlist %+v, want %+v", g, w)
		}
		sawSmart = sawSmart || w.Smart
		wantItems := owned.PlaylistItems(w.RatingKey)
		got, pages, err := walk(t, s, plex.PlaylistItems(w.RatingKey), 100)
		if err != nil {
			t.Fatalf("items of %s: %v", w.Title, err)
		}
		sawLong = sawLong || len(pages) > 2
		if len(got) != len(wantItems) {
			t.Errorf("playlist %s: %d items, want %d", w.Title, len(got), len(wantItems))
			continue
		}
		keys := map[string]int{}
		for i, wi := range wantItems {
			if got[i].RatingKey.V != wi.TrackRatingKey || (wi.PlaylistItemID != 0 && got[i].PlaylistItemID.V != wi.PlaylistItemID) {
				t.Errorf("playlist %s item %d: %s/%d, want %s/%d", w.Title, i, got[i].RatingKey.V, got[i].PlaylistItemID.V,
					wi.TrackRatingKey, wi.PlaylistItemID)
			}
			keys[wi.TrackRatingKey]++
		}
		for _, n := range keys {
			sawDup = sawDup || n > 1
		}
	}
	if !sawDup || !sawSmart || !sawLong {
		t.Errorf("the fake's library lacks a case: duplicate %v, smart %v, multi-page %v", sawDup, sawSmart, sawLong)
	}
}

func TestContractMetadata(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 260}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	tracks := owned.Tracks("1")
	var keys []string
	for _, tr := range tracks[:150] {
		keys = append(keys, tr.RatingKey)
	}
	keys = append(keys, "99999999")
	e.f.ResetRequests()
	got, err := s.Metadata(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Fatalf("%d items", len(got))
	}
	for i, g := range got {
		if g.RatingKey.V != tracks[i].RatingKey || g.Title.V != tracks[i].Title {
			t.Errorf("item %d: %s %q, want %s %q", i, g.RatingKey.V, g.Title.V, tracks[i].RatingKey, tracks[i].Title)
		}
	}
	if n := len(e.f.Requests()); n != 2 {
		t.Errorf("%d requests for 151 keys, want 2", n)
	}
	if got, err := s.Metadata(context.Background(), []string{"99999998"}); err != nil || len(got) != 0 {
		t.Errorf("unknown key: %v %v", got, err)
	}
	if got, err := s.Metadata(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("no keys: %v %v", got, err)
	}
}
