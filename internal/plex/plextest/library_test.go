package plextest

import (
	"bytes"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

func TestSameSeedSameBytes(t *testing.T) {
	a := start(t, Options{Seed: 42})
	b := start(t, Options{Seed: 42})
	c := start(t, Options{Seed: 43})
	paths := []string{
		"/library/sections",
		"/library/sections/1/all?X-Plex-Container-Start=0&X-Plex-Container-Size=1000&includeGuids=1",
		"/library/sections/1/all?type=9&X-Plex-Container-Start=0&X-Plex-Container-Size=1000&includeGuids=1",
		"/library/sections/1/all?type=10&X-Plex-Container-Start=0&X-Plex-Container-Size=1000&includeGuids=1",
		"/library/sections/2/all?type=1&X-Plex-Container-Size=10",
		"/playlists",
	}
	for _, p := range paths {
		ra, rb, rc := a.pms(p), b.pms(p), c.pms(p)
		if ra.status != http.StatusOK {
			t.Fatalf("%s: status %d", p, ra.status)
		}
		if !bytes.Equal(ra.body, rb.body) {
			t.Errorf("%s: same seed, different bytes", p)
		}
		if p != "/library/sections/2/all?type=1&X-Plex-Container-Size=10" && bytes.Equal(ra.body, rc.body) {
			t.Errorf("%s: different seeds, same bytes", p)
		}
	}
	if a.f.Owned().MachineID() != b.f.Owned().MachineID() || a.f.Owned().MachineID() == c.f.Owned().MachineID() {
		t.Error("machine ids must follow the seed")
	}
	if a.f.AccountToken() != b.f.AccountToken() {
		t.Error("account token must follow the seed")
	}
	if !reflect.DeepEqual(a.f.Owned().Tracks("1"), b.f.Owned().Tracks("1")) {
		t.Error("same seed, different track models")
	}
	if !reflect.DeepEqual(a.f.Shared().Playlists(), b.f.Shared().Playlists()) {
		t.Error("same seed, different shared playlists")
	}
}

func TestLibrarySizesAndSections(t *testing.T) {
	h := start(t, Options{Seed: 7})
	o, s := h.f.Owned(), h.f.Shared()
	if o.Name() != "Home Server" || !o.Owned() || s.Name() != "Friend's Server" || s.Owned() {
		t.Fatalf("servers: %q owned=%v, %q owned=%v", o.Name(), o.Owned(), s.Name(), s.Owned())
	}
	if got := h.f.Servers(); len(got) != 2 || got[0] != o || got[1] != s {
		t.Fatalf("Servers() = %v", got)
	}
	for _, srv := range h.f.Servers() {
		id := srv.MachineID()
		if len(id) != 40 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Errorf("machine id %q is not 40 hex characters", id)
		}
	}
	secs := o.Sections()
	want := []struct{ key, typ string }{{"1", "artist"}, {"2", "movie"}, {"3", "artist"}, {"4", "artist"}}
	if len(secs) != len(want) {
		t.Fatalf("owned sections = %+v", secs)
	}
	for i, w := range want {
		if secs[i].Key != w.key || secs[i].Type != w.typ {
			t.Errorf("section %d = %s/%s, want %s/%s", i, secs[i].Key, secs[i].Type, w.key, w.typ)
		}
	}
	if secs[0].Agent != "tv.plex.agents.music" || secs[0].Scanner != "Plex Music" {
		t.Errorf("music section agent/scanner = %q/%q", secs[0].Agent, secs[0].Scanner)
	}
	if n := len(o.Tracks("1")); n != defaultTracks {
		t.Errorf("owned tracks = %d, want %d", n, defaultTracks)
	}
	if o.Tracks("3") != nil || o.Artists("3") != nil || o.Albums("3") != nil {
		t.Error("section 3 must be empty")
	}
	if n := len(o.Tracks("4")); n != max(defaultTracks/8, minSecondTracks) || len(o.Albums("4")) < 2 {
		t.Errorf("second music section: %d tracks in %d albums, want %d tracks in several", n, len(o.Albums("4")), max(defaultTracks/8, minSecondTracks))
	}
	if n := len(s.Tracks(s.Sections()[0].Key)); n != defaultSharedTracks {
		t.Errorf("shared tracks = %d, want %d", n, defaultSharedTracks)
	}

	// The sections listing carries every field of docs/plex-api.md, "Libraries".
	c := h.pmsOK(o, http.MethodGet, "/library/sections")
	if c.Size != 4 || len(c.Directory) != 4 {
		t.Fatalf("sections listing: size %d, %d directories", c.Size, len(c.Directory))
	}
	for i, d := range c.Directory {
		m := secs[i]
		if d.Key != m.Key || d.UUID != m.UUID || d.Title != m.Title || d.Agent != m.Agent || d.Scanner != m.Scanner ||
			d.Language != m.Language || d.UpdatedAt != m.UpdatedAt || d.CreatedAt != m.CreatedAt ||
			d.ScannedAt != m.ScannedAt || d.ContentChangedAt != m.ContentChangedAt {
			t.Errorf("directory %d = %+v, model %+v", i, d, m)
		}
		if d.Hidden == nil || *d.Hidden != 0 || d.Refreshing == nil || *d.Refreshing || len(d.Location) != 1 {
			t.Errorf("directory %d: hidden/refreshing/Location wrong: %+v", i, d)
		}
	}

	for _, n := range []int{10, 11, 37} {
		f, err := Start(Options{Seed: 1, Tracks: n, SharedTracks: n})
		if err != nil {
			t.Fatalf("Start(Tracks: %d): %v", n, err)
		}
		if got := len(f.Owned().Tracks("1")); got != n {
			t.Errorf("Tracks %d: got %d", n, got)
		}
		f.Close()
	}
	for _, bad := range []Options{{Tracks: -1}, {SharedTracks: -5}, {MaxPageSize: -1}, {Latency: -1}} {
		if _, err := Start(bad); err == nil {
			t.Errorf("Start(%+v) succeeded, want an error", bad)
		}
	}
}

func TestLibraryShapes(t *testing.T) {
	h := start(t, Options{Seed: 3})
	o := h.f.Owned()
	artists, albums, tracks := o.Artists("1"), o.Albums("1"), o.Tracks("1")

	// Rating keys: numeric strings, unique per server, sorted numerically.
	seen := map[string]bool{}
	var last int64
	check := func(kind, rk string) {
		n, err := strconv.ParseInt(rk, 10, 64)
		if err != nil || n <= 0 {
			t.Errorf("%s rating key %q is not a number", kind, rk)
		}
		if seen[rk] {
			t.Errorf("%s rating key %s is not unique", kind, rk)
		}
		seen[rk] = true
	}
	for _, list := range [][]string{keysFrom(artists, func(a Artist) string { return a.RatingKey }),
		keysFrom(albums, func(a Album) string { return a.RatingKey }),
		keysFrom(tracks, func(a Track) string { return a.RatingKey })} {
		last = 0
		for _, rk := range list {
			check("item", rk)
			n, _ := strconv.ParseInt(rk, 10, 64)
			if n <= last {
				t.Errorf("keys not sorted numerically: %d after %d", n, last)
			}
			last = n
		}
	}
	for _, p := range o.Playlists() {
		check("playlist", p.RatingKey)
	}
	// Like real servers, both number their items from the same start: the
	// shared server's keys are owned keys too, many of the same kind.
	sameKind := 0
	for _, tr := range h.f.Shared().Tracks("1") {
		if !seen[tr.RatingKey] {
			t.Errorf("shared track key %s is no owned key: servers must number from the same start", tr.RatingKey)
		}
		if _, ok := o.Track(tr.RatingKey); ok {
			sameKind++
		}
	}
	if sameKind == 0 {
		t.Error("no shared track key is also an owned track key")
	}

	// About 10 tracks per album, 1–8 albums per artist; counts agree.
	perArtist := map[string]int{}
	for _, al := range albums {
		perArtist[al.ArtistRatingKey]++
	}
	for _, ar := range artists {
		if n := perArtist[ar.RatingKey]; n < 1 || n > 8 {
			t.Errorf("artist %s has %d albums", ar.RatingKey, n)
		}
	}
	perAlbum := map[string]int{}
	for _, tr := range tracks {
		perAlbum[tr.AlbumRatingKey]++
	}
	albumByKey := map[string]Album{}
	for _, al := range albums {
		albumByKey[al.RatingKey] = al
		if perAlbum[al.RatingKey] != al.LeafCount {
			t.Errorf("album %s: leafCount %d, %d tracks", al.RatingKey, al.LeafCount, perAlbum[al.RatingKey])
		}
	}
	if avg := float64(len(tracks)) / float64(len(albums)); avg < 7 || avg > 13 {
		t.Errorf("%.1f tracks per album, want about 10", avg)
	}
	artistByKey := map[string]Artist{}
	for _, ar := range artists {
		artistByKey[ar.RatingKey] = ar
	}
	for _, tr := range tracks {
		al := albumByKey[tr.AlbumRatingKey]
		if tr.AlbumTitle != al.Title || tr.ArtistRatingKey != al.ArtistRatingKey || tr.ArtistTitle != artistByKey[al.ArtistRatingKey].Title {
			t.Fatalf("track %s parents inconsistent: %+v vs album %+v", tr.RatingKey, tr, al)
		}
	}

	// Every unusual shape the brief asks for exists.
	has := map[string]bool{}
	for _, tr := range tracks {
		has["arabic"] = has["arabic"] || containsScript(tr.Title, unicode.Arabic)
		has["hebrew"] = has["hebrew"] || containsScript(tr.Title, unicode.Hebrew)
		has["emoji"] = has["emoji"] || strings.ContainsRune(tr.Title, '🎸')
		has["long"] = has["long"] || len([]rune(tr.Title)) > 300
		has["quote"] = has["quote"] || strings.Contains(tr.Title, `"`)
		has["backslash"] = has["backslash"] || strings.Contains(tr.Title, `\`)
		has["newline"] = has["newline"] || strings.Contains(tr.Title, "\n")
		has["two media"] = has["two media"] || len(tr.Media) == 2
		has["two parts"] = has["two parts"] || len(tr.Media) > 0 && len(tr.Media[0].Parts) == 2
		has["no guids"] = has["no guids"] || tr.Guids == nil
		has["two guids"] = has["two guids"] || len(tr.Guids) == 2
		has["legacy guid"] = has["legacy guid"] || slices.ContainsFunc(tr.Guids, func(g string) bool {
			return strings.HasPrefix(g, "com.plexapp.agents.musicbrainz://")
		})
		has["mbid"] = has["mbid"] || slices.ContainsFunc(tr.Guids, func(g string) bool { return strings.HasPrefix(g, "mbid://") })
		has["no index"] = has["no index"] || tr.Index == nil
		has["index"] = has["index"] || tr.Index != nil
		has["per-user"] = has["per-user"] || tr.ViewCount != nil && tr.LastViewedAt != nil
		has["no per-user"] = has["no per-user"] || tr.ViewCount == nil && tr.UserRating == nil && tr.SkipCount == nil
		has["rating"] = has["rating"] || tr.UserRating != nil
		has["original title"] = has["original title"] || tr.OriginalTitle != nil
		has["no duration"] = has["no duration"] || tr.Duration == nil
		has["no bitrate"] = has["no bitrate"] || len(tr.Media) > 0 && tr.Media[0].Bitrate == nil
		if len(tr.Media) == 0 || len(tr.Media[0].Parts) == 0 {
			t.Errorf("track %s has no media/part", tr.RatingKey)
		}
	}
	for _, al := range albums {
		if al.Year == nil {
			has["album without year"] = true
			if al.OriginallyAvailableAt != nil {
				t.Errorf("album %s has a date but no year", al.RatingKey)
			}
		}
	}
	for _, ar := range artists {
		has["unicode artist"] = has["unicode artist"] || strings.ContainsAny(ar.Title, "öóфי")
	}
	for _, k := range []string{"arabic", "hebrew", "emoji", "long", "quote", "backslash", "newline", "two media", "two parts",
		"no guids", "two guids", "legacy guid", "mbid", "no index", "index", "per-user", "no per-user", "rating",
		"original title", "no duration", "no bitrate", "album without year", "unicode artist"} {
		if !has[k] {
			t.Errorf("no track/album with shape %q", k)
		}
	}
}

func keysFrom[T any](items []T, key func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = key(it)
	}
	return out
}

func containsScript(s string, script *unicode.RangeTable) bool {
	for _, r := range s {
		if unicode.Is(script, r) {
			return true
		}
	}
	return false
}

// TestSmallLibraryShapes checks the shapes exist at the smallest supported
// size too, where they are forced rather than drawn.
func TestSmallLibraryShapes(t *testing.T) {
	h := start(t, Options{Seed: 99, Tracks: 10})
	tracks := h.f.Owned().Tracks("1")
	var twoMedia, noGuids, noIndex, perUser bool
	for _, tr := range tracks {
		twoMedia = twoMedia || len(tr.Media) == 2
		noGuids = noGuids || tr.Guids == nil
		noIndex = noIndex || tr.Index == nil
		perUser = perUser || tr.ViewCount != nil
	}
	if !twoMedia || !noGuids || !noIndex || !perUser {
		t.Errorf("10-track library lacks shapes: twoMedia=%v noGuids=%v noIndex=%v perUser=%v", twoMedia, noGuids, noIndex, perUser)
	}
	pls := h.f.Owned().Playlists()
	if len(pls) < 6 {
		t.Fatalf("owned playlists = %d, want the seeded set", len(pls))
	}
}

// TestListingMatchesModel pages through every track as JSON and compares it
// with the exported model, including which keys are absent.
func TestListingMatchesModel(t *testing.T) {
	h := start(t, Options{Seed: 5})
	o := h.f.Owned()
	items := h.listAll(o, "/library/sections/1/all?type=10&includeGuids=1", 64)
	model := map[string]Track{}
	for _, tr := range o.Tracks("1") {
		model[tr.RatingKey] = tr
	}
	if len(items) != len(model) {
		t.Fatalf("listed %d tracks, model has %d", len(items), len(model))
	}
	for _, it := range items {
		m, ok := model[it.RatingKey]
		if !ok {
			t.Fatalf("listed unknown track %s", it.RatingKey)
		}
		delete(model, it.RatingKey)
		if it.Type != "track" || it.Title != m.Title || it.TitleSort != m.TitleSort || it.GUID != m.GUID ||
			it.ParentRatingKey != m.AlbumRatingKey || it.GrandparentRatingKey != m.ArtistRatingKey ||
			it.ParentTitle != m.AlbumTitle || it.GrandparentTitle != m.ArtistTitle || it.AddedAt != m.AddedAt || it.UpdatedAt != m.UpdatedAt {
			t.Errorf("track %s: listing %+v, model %+v", it.RatingKey, it, m)
		}
		if !reflect.DeepEqual(it.Index, m.Index) || !reflect.DeepEqual(it.ParentIndex, m.ParentIndex) ||
			!reflect.DeepEqual(it.ParentYear, m.ParentYear) || !reflect.DeepEqual(it.Duration, m.Duration) ||
			!reflect.DeepEqual(it.OriginalTitle, m.OriginalTitle) || !reflect.DeepEqual(it.ViewCount, m.ViewCount) ||
			!reflect.DeepEqual(it.SkipCount, m.SkipCount) || !reflect.DeepEqual(it.UserRating, m.UserRating) ||
			!reflect.DeepEqual(it.LastViewedAt, m.LastViewedAt) {
			t.Errorf("track %s optional fields differ: listing %+v, model %+v", it.RatingKey, it, m)
		}
		var guids []string
		for _, g := range it.Guid {
			guids = append(guids, g.ID)
		}
		if !reflect.DeepEqual(guids, m.Guids) {
			t.Errorf("track %s guids %v, model %v", it.RatingKey, guids, m.Guids)
		}
		if len(it.Media) != len(m.Media) {
			t.Fatalf("track %s: %d media, model %d", it.RatingKey, len(it.Media), len(m.Media))
		}
		for i, md := range it.Media {
			mm := m.Media[i]
			if md.ID != mm.ID || md.Duration != mm.Duration || !reflect.DeepEqual(md.Bitrate, mm.Bitrate) ||
				md.AudioCodec != mm.AudioCodec || md.Container != mm.Container || len(md.Part) != len(mm.Parts) {
				t.Errorf("track %s media %d: %+v vs %+v", it.RatingKey, i, md, mm)
				continue
			}
			for j, p := range md.Part {
				mp := mm.Parts[j]
				if p.ID != mp.ID || p.Key != mp.Key || p.File != mp.File || p.Size != mp.Size || p.Duration != mp.Duration || p.Container != mp.Container {
					t.Errorf("track %s part %d: %+v vs %+v", it.RatingKey, j, p, mp)
				}
			}
		}
	}

	// Absent means absent: no null, 0 or "" stand-ins, and no empty arrays.
	rep := h.pms("/library/sections/1/all?type=10&includeGuids=1&X-Plex-Container-Size=1000")
	for _, raw := range rawItems(t, rep.body) {
		tr, _ := o.Track(raw["ratingKey"].(string))
		for key, present := range map[string]bool{
			"index": tr.Index != nil, "parentIndex": tr.ParentIndex != nil, "viewCount": tr.ViewCount != nil,
			"userRating": tr.UserRating != nil, "lastViewedAt": tr.LastViewedAt != nil, "skipCount": tr.SkipCount != nil,
			"originalTitle": tr.OriginalTitle != nil, "duration": tr.Duration != nil, "parentYear": tr.ParentYear != nil,
			"Guid": tr.Guids != nil,
		} {
			if _, ok := raw[key]; ok != present {
				t.Errorf("track %s: key %q present=%v, model says %v", tr.RatingKey, key, ok, present)
			}
		}
		if g, ok := raw["Guid"].([]any); ok && len(g) == 0 {
			t.Errorf("track %s: empty Guid array", tr.RatingKey)
		}
	}
	// Without includeGuids there is no Guid array at all.
	for _, raw := range rawItems(t, h.pms("/library/sections/1/all?type=10&X-Plex-Container-Size=1000").body) {
		if _, ok := raw["Guid"]; ok {
			t.Fatalf("Guid present without includeGuids=1: %v", raw["ratingKey"])
		}
	}

	// Artists and albums list like the model too.
	arts := h.listAll(o, "/library/sections/1/all?includeGuids=1", 3)
	if len(arts) != len(o.Artists("1")) || arts[0].Type != "artist" {
		t.Errorf("artists listing: %d items (first type %q), model %d", len(arts), arts[0].Type, len(o.Artists("1")))
	}
	albs := h.listAll(o, "/library/sections/1/all?type=9&includeGuids=1", 5)
	albModel := map[string]Album{}
	for _, al := range o.Albums("1") {
		albModel[al.RatingKey] = al
	}
	for _, al := range albs {
		m := albModel[al.RatingKey]
		if al.Type != "album" || al.Title != m.Title || al.ParentTitle != m.ArtistTitle || deref(al.LeafCount) != m.LeafCount ||
			!reflect.DeepEqual(al.Year, m.Year) || !reflect.DeepEqual(al.OriginallyAvailableAt, m.OriginallyAvailableAt) ||
			!reflect.DeepEqual(al.Studio, m.Studio) {
			t.Errorf("album %s: listing %+v, model %+v", al.RatingKey, al, m)
		}
	}
	if len(albs) != len(albModel) {
		t.Errorf("albums listed %d, model %d", len(albs), len(albModel))
	}
}

func TestMetadataAndChildren(t *testing.T) {
	h := start(t, Options{Seed: 11})
	o := h.f.Owned()
	tracks := o.Tracks("1")
	albums := o.Albums("1")
	keys := tracks[3].RatingKey + "," + albums[0].RatingKey + ",999999999," + tracks[0].RatingKey
	c := h.pmsOK(o, http.MethodGet, "/library/metadata/"+keys)
	if got := keysOf(c.Metadata); !reflect.DeepEqual(got, []string{tracks[3].RatingKey, albums[0].RatingKey, tracks[0].RatingKey}) {
		t.Errorf("metadata keys = %v", got)
	}
	if c.Metadata[0].LibrarySectionID == nil || *c.Metadata[0].LibrarySectionID != 1 {
		t.Errorf("metadata item lacks librarySectionID: %+v", c.Metadata[0])
	}
	if rep := h.pms("/library/metadata/999999999"); rep.status != http.StatusNotFound {
		t.Errorf("unknown metadata: status %d", rep.status)
	}
	kids := h.pmsOK(o, http.MethodGet, "/library/metadata/"+albums[0].RatingKey+"/children")
	if len(kids.Metadata) != albums[0].LeafCount {
		t.Errorf("album children = %d, leafCount %d", len(kids.Metadata), albums[0].LeafCount)
	}
	for _, k := range kids.Metadata {
		if k.ParentRatingKey != albums[0].RatingKey {
			t.Errorf("child %s of album %s has parent %s", k.RatingKey, albums[0].RatingKey, k.ParentRatingKey)
		}
	}
	art := h.pmsOK(o, http.MethodGet, "/library/metadata/"+albums[0].ArtistRatingKey+"/children")
	if len(art.Metadata) == 0 || art.Metadata[0].Type != "album" {
		t.Errorf("artist children = %+v", art.Metadata)
	}
}
