package plextest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPlaylistReads(t *testing.T) {
	h := start(t, Options{Seed: 21})
	o := h.f.Owned()
	all := h.pmsOK(o, http.MethodGet, "/playlists").Metadata
	if len(all) != len(o.Playlists()) {
		t.Fatalf("/playlists lists %d, model %d", len(all), len(o.Playlists()))
	}
	count := func(q string) int { return len(h.pmsOK(o, http.MethodGet, "/playlists"+q).Metadata) }
	video := 0
	for _, p := range o.Playlists() {
		if p.PlaylistType == "video" {
			video++
		}
	}
	if video == 0 || count("?playlistType=audio") != len(all)-video || count("?playlistType=video") != video {
		t.Errorf("playlistType filter: audio %d video %d of %d", count("?playlistType=audio"), count("?playlistType=video"), len(all))
	}
	if count("?type=15") != len(all) || count("?type=10") != 0 {
		t.Errorf("type=15 → %d, type=10 → %d", count("?type=15"), count("?type=10"))
	}
	if count("?smart=1") != 1 || count("?smart=0") != len(all)-1 {
		t.Errorf("smart filter: %d/%d", count("?smart=1"), count("?smart=0"))
	}
	paged := h.listAll(o, "/playlists?playlistType=audio", 2)
	if len(paged) != len(all)-video {
		t.Errorf("paged playlists = %d", len(paged))
	}

	smart := playlistNamed(t, o, "Titles with A")
	one := h.pmsOK(o, http.MethodGet, "/playlists/"+smart.RatingKey).Metadata[0]
	const content = "library://x/directory/%2Flibrary%2Fsections%2F1%2Fall%3Ftype%3D10%26title%3Da"
	if deref(one.Content) != content || !deref(one.Smart) || one.Type != "playlist" || deref(one.LeafCount) != smart.LeafCount {
		t.Errorf("smart playlist = %+v", one)
	}
	// Its items are the current evaluation of the rule, without item ids.
	items := h.listAll(o, "/playlists/"+smart.RatingKey+"/items", 30)
	want := 0
	for _, tr := range o.Tracks("1") {
		if strings.ContainsAny(tr.Title, "aA") {
			want++
		}
	}
	if len(items) != want || want == 0 {
		t.Errorf("smart items = %d, want %d", len(items), want)
	}
	for _, it := range items {
		if it.PlaylistItemID != nil || !strings.ContainsAny(it.Title, "aA") {
			t.Errorf("smart item %+v", it)
		}
	}

	// The long playlist spans several pages; every item has an id.
	long := playlistNamed(t, o, "Everything Long")
	if long.LeafCount != min(defaultTracks, 2500) {
		t.Errorf("long playlist has %d items", long.LeafCount)
	}
	li := h.listAll(o, "/playlists/"+long.RatingKey+"/items", 50)
	var ids []int64
	for _, it := range li {
		ids = append(ids, deref(it.PlaylistItemID))
	}
	modelItems := o.PlaylistItems(long.RatingKey)
	if len(li) != len(modelItems) || !slices.IsSorted(ids) || ids[0] == 0 {
		t.Errorf("long playlist items: %d listed, %d in model", len(li), len(modelItems))
	}
	for i, it := range li {
		if it.RatingKey != modelItems[i].TrackRatingKey || deref(it.PlaylistItemID) != modelItems[i].PlaylistItemID {
			t.Fatalf("item %d: %s/%d vs %+v", i, it.RatingKey, deref(it.PlaylistItemID), modelItems[i])
		}
	}
	twice := h.pmsOK(o, http.MethodGet, "/playlists/"+playlistNamed(t, o, "Same Song Twice").RatingKey+"/items").Metadata
	if len(twice) != 3 || twice[0].RatingKey != twice[2].RatingKey || deref(twice[0].PlaylistItemID) == deref(twice[2].PlaylistItemID) {
		t.Errorf("same-song playlist = %v", keysOf(twice))
	}
	movies := h.pmsOK(o, http.MethodGet, "/playlists/"+playlistNamed(t, o, "Movie Night").RatingKey+"/items").Metadata
	if len(movies) == 0 || movies[0].Type != "movie" {
		t.Errorf("video playlist items = %+v", movies)
	}
	empty := h.pmsOK(o, http.MethodGet, "/playlists/"+playlistNamed(t, o, "Empty").RatingKey+"/items")
	if empty.Size != 0 || len(empty.Metadata) != 0 {
		t.Errorf("empty playlist = %+v", empty)
	}
	if got := h.f.Shared().Playlists(); len(got) == 0 {
		t.Error("the shared server has no playlist")
	}
}

// uri builds a server:// playlist uri for keys on s.
func uri(s *Server, keys ...string) string {
	return "server://" + s.MachineID() + "/com.plexapp.plugins.library/library/metadata/" + strings.Join(keys, ",")
}

func TestPlaylistWrites(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 22, Now: clk.Now})
	o := h.f.Owned()
	tr := o.Tracks("1")
	k := func(i int) string { return tr[i].RatingKey }

	clk.Advance(time.Hour)
	q := url.Values{"uri": {uri(o, k(0), k(1), "999999", k(0))}, "type": {"audio"}, "title": {"Créé ✓"}, "smart": {"0"}}
	c := h.pmsOK(o, http.MethodPost, "/playlists?"+q.Encode())
	if len(c.Metadata) != 1 {
		t.Fatalf("POST /playlists: %+v", c)
	}
	p := c.Metadata[0]
	if p.Title != "Créé ✓" || deref(p.LeafCount) != 3 || deref(p.Smart) || p.PlaylistType != "audio" || p.UpdatedAt != clk.Now().Unix() {
		t.Errorf("created = %+v", p)
	}
	got := o.PlaylistItems(p.RatingKey)
	if len(got) != 3 || got[0].TrackRatingKey != k(0) || got[1].TrackRatingKey != k(1) || got[2].TrackRatingKey != k(0) {
		t.Errorf("created items = %+v", got)
	}

	// PUT items appends; an album key stands for its tracks.
	clk.Advance(time.Minute)
	al := o.Albums("1")[0]
	put := h.pmsOK(o, http.MethodPut, "/playlists/"+p.RatingKey+"/items?"+url.Values{"uri": {uri(o, k(2), al.RatingKey)}}.Encode())
	if n := deref(put.Metadata[0].LeafCount); n != 4+al.LeafCount || deref(put.LeafCountAdded) != 1+al.LeafCount {
		t.Errorf("after PUT: leafCount %d, added %d", n, deref(put.LeafCountAdded))
	}
	pl := playlistByKey(t, o, p.RatingKey)
	if pl.UpdatedAt != clk.Now().Unix() || pl.Composite != "/playlists/"+p.RatingKey+"/composite/"+strconv.FormatInt(pl.UpdatedAt, 10) {
		t.Errorf("after PUT: %+v", pl)
	}

	// DELETE one item, then move the last one first and one after another.
	items := o.PlaylistItems(p.RatingKey)
	id := func(i int) string { return strconv.FormatInt(items[i].PlaylistItemID, 10) }
	h.pmsOK(o, http.MethodDelete, "/playlists/"+p.RatingKey+"/items/"+id(1))
	items = o.PlaylistItems(p.RatingKey)
	last := len(items) - 1
	h.pmsOK(o, http.MethodPut, "/playlists/"+p.RatingKey+"/items/"+id(last)+"/move")
	moved := o.PlaylistItems(p.RatingKey)
	if moved[0].PlaylistItemID != items[last].PlaylistItemID {
		t.Errorf("move without after: first is %d, want %d", moved[0].PlaylistItemID, items[last].PlaylistItemID)
	}
	h.pmsOK(o, http.MethodPut, "/playlists/"+p.RatingKey+"/items/"+strconv.FormatInt(moved[0].PlaylistItemID, 10)+
		"/move?after="+strconv.FormatInt(moved[2].PlaylistItemID, 10))
	again := o.PlaylistItems(p.RatingKey)
	if again[2].PlaylistItemID != moved[0].PlaylistItemID || again[1].PlaylistItemID != moved[2].PlaylistItemID {
		t.Errorf("move after: %+v from %+v", again[:3], moved[:3])
	}

	// Title edit, clear, delete.
	h.pmsOK(o, http.MethodPut, "/playlists/"+p.RatingKey+"?"+url.Values{"title.value": {"Renamed"}}.Encode())
	if playlistByKey(t, o, p.RatingKey).Title != "Renamed" {
		t.Error("title.value edit ignored")
	}
	h.pmsOK(o, http.MethodDelete, "/playlists/"+p.RatingKey+"/items")
	if playlistByKey(t, o, p.RatingKey).LeafCount != 0 {
		t.Error("clear left items")
	}
	rep := h.do(req{method: http.MethodDelete, url: o.URL("local") + "/playlists/" + p.RatingKey, token: o.AccessToken()})
	if rep.status != http.StatusNoContent || len(rep.body) != 0 {
		t.Errorf("DELETE playlist: %d %q", rep.status, rep.body)
	}
	if rep := h.pms("/playlists/" + p.RatingKey); rep.status != http.StatusNotFound {
		t.Errorf("GET deleted playlist: %d", rep.status)
	}

	// Smart creation from a section uri; PUT with a section uri replaces
	// its rules.
	su := "server://" + o.MachineID() + "/com.plexapp.plugins.library/library/sections/1/all?type=10&title=love"
	sm := h.pmsOK(o, http.MethodPost, "/playlists?"+url.Values{"uri": {su}, "type": {"audio"}, "title": {"Love"}, "smart": {"1"}}.Encode()).Metadata[0]
	wantContent := "library://" + sectionByKey(t, o, "1").UUID + "/directory/" + url.QueryEscape("/library/sections/1/all?type=10&title=love")
	if !deref(sm.Smart) || deref(sm.Content) != wantContent {
		t.Errorf("smart created = %+v, content want %s", sm, wantContent)
	}
	for _, it := range o.PlaylistItems(sm.RatingKey) {
		tt, _ := o.Track(it.TrackRatingKey)
		if !strings.Contains(strings.ToLower(tt.Title), "love") {
			t.Errorf("smart item %q does not match", tt.Title)
		}
	}
	su2 := strings.Replace(su, "title=love", "title=zzzzzz", 1)
	h.pmsOK(o, http.MethodPut, "/playlists/"+sm.RatingKey+"/items?"+url.Values{"uri": {su2}}.Encode())
	if n := playlistByKey(t, o, sm.RatingKey).LeafCount; n != 0 {
		t.Errorf("smart rules not replaced: %d items", n)
	}

	// Errors.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"POST", "/playlists?" + url.Values{"uri": {uri(o, k(0))}, "type": {"audio"}}.Encode(), 400},
		{"POST", "/playlists?" + url.Values{"uri": {uri(o, k(0))}, "title": {"x"}}.Encode(), 400},
		{"POST", "/playlists?" + url.Values{"uri": {uri(h.f.Shared(), k(0))}, "type": {"audio"}, "title": {"x"}}.Encode(), 400},
		{"POST", "/playlists?" + url.Values{"uri": {"https://example.invalid/x"}, "type": {"audio"}, "title": {"x"}}.Encode(), 400},
		{"POST", "/playlists?" + url.Values{"uri": {uri(o, k(0))}, "type": {"audio"}, "title": {"x"}, "smart": {"1"}}.Encode(), 400},
		{"PUT", "/playlists/" + sm.RatingKey + "/items?" + url.Values{"uri": {uri(o, k(0))}}.Encode(), 400},
		{"PUT", "/playlists/" + sm.RatingKey + "/items/1/move", 400},
		{"DELETE", "/playlists/" + sm.RatingKey + "/items/1", 400},
		{"DELETE", "/playlists/999999/items/1", 404},
		{"DELETE", "/playlists/" + playlistNamed(t, o, "Empty").RatingKey + "/items/123", 404},
		{"PUT", "/playlists/999999/items?" + url.Values{"uri": {uri(o, k(0))}}.Encode(), 404},
		{"DELETE", "/playlists/999999", 404},
	} {
		rep := h.do(req{method: tc.method, url: o.URL("local") + tc.path, token: o.AccessToken()})
		if rep.status != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, rep.status, rep.body, tc.status)
		}
	}
}

func TestExcludeElementsMedia(t *testing.T) {
	h := start(t, Options{Seed: 6, Tracks: 50})
	o := h.f.Owned()
	long := playlistNamed(t, o, "Everything Long").RatingKey
	full := h.pmsOK(o, http.MethodGet, "/playlists/"+long+"/items?X-Plex-Container-Start=0&X-Plex-Container-Size=5").Metadata
	slim := h.pmsOK(o, http.MethodGet, "/playlists/"+long+"/items?X-Plex-Container-Start=0&X-Plex-Container-Size=5&excludeElements=Genre,Media").Metadata
	tracks := h.pmsOK(o, http.MethodGet, "/library/sections/1/all?type=10&X-Plex-Container-Start=0&X-Plex-Container-Size=5&excludeElements=Media").Metadata
	if len(full) != 5 || len(slim) != 5 || len(tracks) != 5 {
		t.Fatalf("pages of %d, %d and %d items", len(full), len(slim), len(tracks))
	}
	for i := range full {
		if len(full[i].Media) == 0 {
			t.Fatalf("item %d has no Media without excludeElements", i)
		}
		if len(slim[i].Media) != 0 || len(tracks[i].Media) != 0 {
			t.Fatalf("item %d kept Media despite excludeElements=Media", i)
		}
		if slim[i].RatingKey != full[i].RatingKey || deref(slim[i].PlaylistItemID) != deref(full[i].PlaylistItemID) {
			t.Fatalf("item %d changed identity: %+v vs %+v", i, slim[i], full[i])
		}
	}
}

// Smart rules evaluate the string filters of listings: contains, does not
// contain, equals, not equal, begins and ends with, on the track's title and
// its album's and album artist's, all case-insensitive and together; a
// parameter the fake does not model is refused rather than ignored.
func TestSmartRuleFilters(t *testing.T) {
	h := start(t, Options{Seed: 23, Tracks: 300})
	o := h.f.Owned()
	tracks := o.Tracks("1")
	first := tracks[0]
	artistWord := strings.ToUpper(strings.Fields(first.ArtistTitle)[0])
	albumStart := strings.ToLower(first.AlbumTitle[:3])
	titleEnd := strings.ToUpper(first.Title[len(first.Title)-2:])
	lower := strings.ToLower
	for _, c := range []struct {
		rule  string
		match func(Track) bool
	}{
		{"title=e", func(x Track) bool { return strings.Contains(lower(x.Title), "e") }},
		{"track.title!=e", func(x Track) bool { return !strings.Contains(lower(x.Title), "e") }},
		{"title%3D=" + url.QueryEscape(first.Title), func(x Track) bool { return strings.EqualFold(x.Title, first.Title) }},
		{"title!%3D=" + url.QueryEscape(first.Title), func(x Track) bool { return !strings.EqualFold(x.Title, first.Title) }},
		{"title%3E=" + url.QueryEscape(titleEnd), func(x Track) bool { return strings.HasSuffix(lower(x.Title), lower(titleEnd)) }},
		{"album.title%3C=" + url.QueryEscape(albumStart), func(x Track) bool { return strings.HasPrefix(lower(x.AlbumTitle), albumStart) }},
		{"artist.title=" + url.QueryEscape(artistWord) + "&title=a", func(x Track) bool {
			return strings.Contains(lower(x.ArtistTitle), lower(artistWord)) && strings.Contains(lower(x.Title), "a")
		}},
	} {
		su := "server://" + o.MachineID() + "/com.plexapp.plugins.library/library/sections/1/all?type=10&" + c.rule
		sm := h.pmsOK(o, http.MethodPost, "/playlists?"+url.Values{"uri": {su}, "type": {"audio"}, "title": {c.rule}, "smart": {"1"}}.Encode()).Metadata[0]
		var want []string
		for _, x := range tracks {
			if c.match(x) {
				want = append(want, x.RatingKey)
			}
		}
		var got []string
		for _, it := range o.PlaylistItems(sm.RatingKey) {
			got = append(got, it.TrackRatingKey)
		}
		if len(want) == 0 || len(want) == len(tracks) || !slices.Equal(got, want) {
			t.Errorf("rule %s: %d items, want %d of %d", c.rule, len(got), len(want), len(tracks))
		}
	}
	for _, rule := range []string{"genre=rock", "push=1&title=a&or=1&title=b&pop=1", "addedAt>>=-30d", "userRating>>=8", "title>>=a"} {
		su := "server://" + o.MachineID() + "/com.plexapp.plugins.library/library/sections/1/all?type=10&" + rule
		rep := h.do(req{method: http.MethodPost, url: o.URL("local") + "/playlists?" + url.Values{"uri": {su}, "type": {"audio"}, "title": {"x"}, "smart": {"1"}}.Encode(), token: o.AccessToken()})
		if rep.status != http.StatusBadRequest {
			t.Errorf("rule %s: %d %s, want 400", rule, rep.status, rep.body)
		}
	}
}
