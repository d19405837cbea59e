package plextest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func sectionByKey(t *testing.T, s *Server, key string) Section {
	t.Helper()
	for _, sec := range s.Sections() {
		if sec.Key == key {
			return sec
		}
	}
	t.Fatalf("no section %s", key)
	return Section{}
}

func albumByKey(t *testing.T, s *Server, key string) (Album, bool) {
	t.Helper()
	for _, al := range s.Albums("1") {
		if al.RatingKey == key {
			return al, true
		}
	}
	return Album{}, false
}

func artistByKey(s *Server, key string) (Artist, bool) {
	for _, ar := range s.Artists("1") {
		if ar.RatingKey == key {
			return ar, true
		}
	}
	return Artist{}, false
}

func playlistByKey(t *testing.T, s *Server, key string) Playlist {
	t.Helper()
	for _, p := range s.Playlists() {
		if p.RatingKey == key {
			return p
		}
	}
	t.Fatalf("no playlist %s", key)
	return Playlist{}
}

func playlistNamed(t *testing.T, s *Server, title string) Playlist {
	t.Helper()
	for _, p := range s.Playlists() {
		if p.Title == title {
			return p
		}
	}
	t.Fatalf("no playlist %q", title)
	return Playlist{}
}

func TestAddTrackAndAlbum(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 12, Now: clk.Now})
	o := h.f.Owned()
	before := sectionByKey(t, o, "1")
	al := o.Albums("1")[2]
	smart := playlistNamed(t, o, "Titles with A")
	clk.Advance(time.Hour)
	now := clk.Now().Unix()

	rk := o.AddTrack(al.RatingKey, "A brand new song")
	tr, ok := o.Track(rk)
	if !ok || tr.Title != "A brand new song" || tr.AlbumRatingKey != al.RatingKey || tr.AddedAt != now || tr.UpdatedAt != now {
		t.Fatalf("added track = %+v (found %v)", tr, ok)
	}
	if tr.Index == nil || *tr.Index != al.LeafCount+1 || len(tr.Media) == 0 || len(tr.Guids) == 0 {
		t.Errorf("added track shape = %+v", tr)
	}
	after := sectionByKey(t, o, "1")
	if after.ContentChangedAt != before.ContentChangedAt+1 || after.UpdatedAt != now || after.ScannedAt != now {
		t.Errorf("section signals: before %+v after %+v", before, after)
	}
	al2, _ := albumByKey(t, o, al.RatingKey)
	if al2.LeafCount != al.LeafCount+1 || al2.UpdatedAt != now {
		t.Errorf("album after AddTrack = %+v", al2)
	}
	c := decodeContainer(t, h.pms("/library/sections/1/all?type=10&X-Plex-Container-Size=0").body)
	if deref(c.TotalSize) != defaultTracks+1 {
		t.Errorf("totalSize after AddTrack = %d", deref(c.TotalSize))
	}
	items := h.pmsOK(o, http.MethodGet, "/library/metadata/"+rk).Metadata
	if len(items) != 1 || items[0].Title != "A brand new song" || items[0].ParentTitle != al.Title {
		t.Errorf("metadata of new track = %+v", items)
	}
	// The smart playlist follows the library; its updatedAt does not move.
	sm := playlistByKey(t, o, smart.RatingKey)
	if sm.LeafCount != smart.LeafCount+1 || sm.UpdatedAt != smart.UpdatedAt {
		t.Errorf("smart playlist after AddTrack: %+v (before %+v)", sm, smart)
	}

	clk.Advance(time.Minute)
	ar := o.Artists("1")[0]
	alKey := o.AddAlbum(ar.RatingKey, "The Newest Album", 3)
	nal, ok := albumByKey(t, o, alKey)
	if !ok || nal.LeafCount != 3 || nal.ArtistRatingKey != ar.RatingKey || nal.TitleSort != "Newest Album" || nal.Year == nil {
		t.Errorf("added album = %+v", nal)
	}
	ar2, _ := artistByKey(o, ar.RatingKey)
	if ar2.UpdatedAt != clk.Now().Unix() {
		t.Errorf("artist updatedAt after AddAlbum = %d", ar2.UpdatedAt)
	}
	if n := len(o.Tracks("1")); n != defaultTracks+4 {
		t.Errorf("tracks after AddAlbum = %d", n)
	}
	kids := h.pmsOK(o, http.MethodGet, "/library/metadata/"+alKey+"/children")
	if len(kids.Metadata) != 3 {
		t.Errorf("children of new album = %d", len(kids.Metadata))
	}
}

func TestRemoveTrackAndAlbum(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 13, Now: clk.Now})
	o := h.f.Owned()
	same := playlistNamed(t, o, "Same Song Twice")
	items := o.PlaylistItems(same.RatingKey)
	victim := items[0].TrackRatingKey
	vt, _ := o.Track(victim)
	al, _ := albumByKey(t, o, vt.AlbumRatingKey)
	before := sectionByKey(t, o, "1")
	clk.Advance(time.Hour)

	o.RemoveTrack(victim)
	if _, ok := o.Track(victim); ok {
		t.Fatal("removed track still there")
	}
	p := playlistByKey(t, o, same.RatingKey)
	if p.LeafCount != same.LeafCount-2 || p.Duration != same.Duration-2*deref(vt.Duration) || p.UpdatedAt != same.UpdatedAt {
		t.Errorf("dumb playlist after RemoveTrack: %+v (before %+v)", p, same)
	}
	for _, it := range o.PlaylistItems(same.RatingKey) {
		if it.TrackRatingKey == victim {
			t.Error("removed track still in playlist")
		}
	}
	al2, ok := albumByKey(t, o, al.RatingKey)
	if al.LeafCount > 1 && (!ok || al2.LeafCount != al.LeafCount-1 || al2.UpdatedAt != clk.Now().Unix()) {
		t.Errorf("album after RemoveTrack: %+v", al2)
	}
	after := sectionByKey(t, o, "1")
	if after.ContentChangedAt != before.ContentChangedAt+1 || after.UpdatedAt != clk.Now().Unix() {
		t.Errorf("section after RemoveTrack: %+v", after)
	}
	if rep := h.pms("/library/metadata/" + victim); rep.status != http.StatusNotFound {
		t.Errorf("removed track metadata: %d", rep.status)
	}

	// Removing an album removes its tracks; the last album takes the
	// artist with it.
	ar := o.Artists("1")[1]
	var albums []Album
	for _, a := range o.Albums("1") {
		if a.ArtistRatingKey == ar.RatingKey {
			albums = append(albums, a)
		}
	}
	for _, a := range albums {
		o.RemoveAlbum(a.RatingKey)
		if _, ok := albumByKey(t, o, a.RatingKey); ok {
			t.Errorf("album %s still there", a.RatingKey)
		}
	}
	for _, tr := range o.Tracks("1") {
		if tr.ArtistRatingKey == ar.RatingKey {
			t.Fatalf("track %s of removed artist remains", tr.RatingKey)
		}
	}
	if _, ok := artistByKey(o, ar.RatingKey); ok {
		t.Error("artist without albums remains")
	}

	// Removing the last track of an album removes the album (as a scan does).
	al3 := o.Albums("1")[0]
	for _, tr := range o.Tracks("1") {
		if tr.AlbumRatingKey == al3.RatingKey {
			o.RemoveTrack(tr.RatingKey)
		}
	}
	if _, ok := albumByKey(t, o, al3.RatingKey); ok {
		t.Error("empty album remains")
	}
}

func TestEditAndRename(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 14, Now: clk.Now})
	o := h.f.Owned()
	tr := o.Tracks("1")[5]
	before := sectionByKey(t, o, "1")

	// Per-user fields only: nothing moves but the fields.
	clk.Advance(time.Hour)
	o.EditTrack(tr.RatingKey, func(t *Track) { t.ViewCount = ptr(99); t.UserRating = ptr(6.0) })
	got, _ := o.Track(tr.RatingKey)
	if deref(got.ViewCount) != 99 || deref(got.UserRating) != 6 || got.UpdatedAt != tr.UpdatedAt {
		t.Errorf("after per-user edit: %+v", got)
	}
	if s := sectionByKey(t, o, "1"); s.ContentChangedAt != before.ContentChangedAt || s.UpdatedAt != before.UpdatedAt {
		t.Errorf("per-user edit moved section signals: %+v", s)
	}
	items := h.pmsOK(o, http.MethodGet, "/library/metadata/"+tr.RatingKey).Metadata
	if deref(items[0].ViewCount) != 99 || deref(items[0].UserRating) != 6 {
		t.Errorf("listing after per-user edit: %+v", items[0])
	}

	// Metadata edit: updatedAt and section signals move.
	clk.Advance(time.Hour)
	o.EditTrack(tr.RatingKey, func(t *Track) { t.Title = "Renamed \"track\""; t.TitleSort = "Renamed track"; t.Index = nil })
	got, _ = o.Track(tr.RatingKey)
	if got.Title != "Renamed \"track\"" || got.UpdatedAt != clk.Now().Unix() || got.Index != nil || deref(got.ViewCount) != 99 {
		t.Errorf("after metadata edit: %+v", got)
	}
	if s := sectionByKey(t, o, "1"); s.ContentChangedAt != before.ContentChangedAt+1 || s.UpdatedAt != clk.Now().Unix() {
		t.Errorf("metadata edit section signals: %+v", s)
	}
	raw := rawItems(t, h.pms("/library/metadata/"+tr.RatingKey).body)
	if _, ok := raw[0]["index"]; ok || raw[0]["title"] != "Renamed \"track\"" {
		t.Errorf("listing after edit: %v", raw[0])
	}

	// Moving to another album moves the counts.
	dst := o.Albums("1")[0]
	if dst.RatingKey == tr.AlbumRatingKey {
		dst = o.Albums("1")[1]
	}
	src, _ := albumByKey(t, o, tr.AlbumRatingKey)
	o.EditTrack(tr.RatingKey, func(t *Track) { t.AlbumRatingKey = dst.RatingKey })
	got, _ = o.Track(tr.RatingKey)
	d2, _ := albumByKey(t, o, dst.RatingKey)
	s2, _ := albumByKey(t, o, src.RatingKey)
	if got.AlbumTitle != dst.Title || d2.LeafCount != dst.LeafCount+1 || s2.LeafCount != src.LeafCount-1 {
		t.Errorf("move: track %+v, dst %d→%d, src %d→%d", got, dst.LeafCount, d2.LeafCount, src.LeafCount, s2.LeafCount)
	}

	// Renames show in children's listings without moving their updatedAt.
	clk.Advance(time.Hour)
	victim := o.Tracks("1")[20]
	o.RenameArtist(victim.ArtistRatingKey, "The Renamed Band")
	o.RenameAlbum(victim.AlbumRatingKey, "Renamed Album")
	now := clk.Now().Unix()
	it := h.pmsOK(o, http.MethodGet, "/library/metadata/"+victim.RatingKey).Metadata[0]
	if it.GrandparentTitle != "The Renamed Band" || it.ParentTitle != "Renamed Album" || it.UpdatedAt != victim.UpdatedAt {
		t.Errorf("track after renames: %+v", it)
	}
	ar, _ := artistByKey(o, victim.ArtistRatingKey)
	al, _ := albumByKey(t, o, victim.AlbumRatingKey)
	if ar.Title != "The Renamed Band" || ar.TitleSort != "Renamed Band" || ar.UpdatedAt != now || al.Title != "Renamed Album" ||
		al.UpdatedAt != now || al.ArtistTitle != "The Renamed Band" {
		t.Errorf("after renames: artist %+v album %+v", ar, al)
	}
}

func TestDefaultClockTicksPerMutation(t *testing.T) {
	h := start(t, Options{Seed: 15})
	o := h.f.Owned()
	a := o.AddTrack(o.Albums("1")[0].RatingKey, "one")
	b := o.AddTrack(o.Albums("1")[0].RatingKey, "two")
	ta, _ := o.Track(a)
	tb, _ := o.Track(b)
	if tb.UpdatedAt != ta.UpdatedAt+1 {
		t.Errorf("default clock: %d then %d, want one second apart", ta.UpdatedAt, tb.UpdatedAt)
	}
	for _, tr := range o.Tracks("1") {
		if tr.RatingKey != a && tr.RatingKey != b && tr.UpdatedAt >= ta.UpdatedAt {
			t.Fatalf("generated stamp %d not before mutations (%d)", tr.UpdatedAt, ta.UpdatedAt)
		}
	}
}

func TestPlaylistHelpers(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 16, Now: clk.Now})
	o := h.f.Owned()
	tr := o.Tracks("1")
	clk.Advance(time.Hour)
	rk := o.CreatePlaylist("Mine", []string{tr[0].RatingKey, tr[1].RatingKey, tr[0].RatingKey})
	p := playlistByKey(t, o, rk)
	if p.Title != "Mine" || p.PlaylistType != "audio" || p.Smart || p.LeafCount != 3 || p.Content != nil ||
		p.Duration != 2*deref(tr[0].Duration)+deref(tr[1].Duration) || p.UpdatedAt != clk.Now().Unix() ||
		p.Composite != "/playlists/"+rk+"/composite/"+strconv.FormatInt(p.UpdatedAt, 10) {
		t.Errorf("created playlist = %+v", p)
	}
	items := o.PlaylistItems(rk)
	if items[0].PlaylistItemID == items[2].PlaylistItemID || items[0].TrackRatingKey != items[2].TrackRatingKey {
		t.Errorf("repeated track items = %+v", items)
	}

	clk.Advance(time.Minute)
	o.SetPlaylistItems(rk, []string{tr[5].RatingKey, tr[6].RatingKey, tr[7].RatingKey})
	clk.Advance(time.Minute)
	o.MovePlaylistItem(rk, 2, 0)
	got := o.PlaylistItems(rk)
	if order := []string{got[0].TrackRatingKey, got[1].TrackRatingKey, got[2].TrackRatingKey}; !slices.Equal(order,
		[]string{tr[7].RatingKey, tr[5].RatingKey, tr[6].RatingKey}) {
		t.Errorf("after move: %v", order)
	}
	clk.Advance(time.Minute)
	o.RenamePlaylist(rk, "Yours")
	p = playlistByKey(t, o, rk)
	if p.Title != "Yours" || p.UpdatedAt != clk.Now().Unix() || p.LeafCount != 3 {
		t.Errorf("after rename: %+v", p)
	}
	// The HTTP side agrees.
	c := h.pmsOK(o, http.MethodGet, "/playlists/"+rk+"/items")
	if len(c.Metadata) != 3 || c.Metadata[0].RatingKey != tr[7].RatingKey || deref(c.Metadata[0].PlaylistItemID) != got[0].PlaylistItemID {
		t.Errorf("items listing = %+v", keysOf(c.Metadata))
	}
	o.DeletePlaylist(rk)
	if o.PlaylistItems(rk) != nil {
		t.Error("deleted playlist has items")
	}
	if rep := h.pms("/playlists/" + rk); rep.status != http.StatusNotFound {
		t.Errorf("deleted playlist: %d", rep.status)
	}
}

func TestHelpersPanicOnUnknownKeys(t *testing.T) {
	h := start(t, Options{Seed: 17})
	o := h.f.Owned()
	smart := playlistNamed(t, o, "Titles with A").RatingKey
	for name, fn := range map[string]func(){
		"AddTrack":         func() { o.AddTrack("1", "x") },
		"AddAlbum":         func() { o.AddAlbum("999999", "x", 1) },
		"RemoveTrack":      func() { o.RemoveTrack("abc") },
		"RemoveAlbum":      func() { o.RemoveAlbum(o.Tracks("1")[0].RatingKey) },
		"EditTrack":        func() { o.EditTrack("999999", func(*Track) {}) },
		"RenameArtist":     func() { o.RenameArtist("999999", "x") },
		"RenameAlbum":      func() { o.RenameAlbum("999999", "x") },
		"CreatePlaylist":   func() { o.CreatePlaylist("x", []string{"999999"}) },
		"SetPlaylistItems": func() { o.SetPlaylistItems(smart, nil) },
		"RenamePlaylist":   func() { o.RenamePlaylist("999999", "x") },
		"MovePlaylistItem": func() { o.MovePlaylistItem(playlistNamed(t, o, "Empty").RatingKey, 0, 1) },
		"DeletePlaylist":   func() { o.DeletePlaylist("999999") },
	} {
		func() {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "plextest: "+name) {
					t.Errorf("%s: recovered %v, want a plextest panic", name, r)
				}
			}()
			fn()
		}()
	}
}

func TestRemoveSection(t *testing.T) {
	h := start(t, Options{Seed: 8, Tracks: 40})
	s := h.f.Owned()
	before := len(s.Sections())
	var inPlaylist bool
	tracks := map[string]bool{}
	for _, tr := range s.Tracks("1") {
		tracks[tr.RatingKey] = true
	}
	s.RemoveSection("1")
	if got := len(s.Sections()); got != before-1 {
		t.Fatalf("sections = %d, want %d", got, before-1)
	}
	if rep := h.pms("/library/sections/1/all?type=10&X-Plex-Container-Start=0&X-Plex-Container-Size=10"); rep.status != 404 {
		t.Errorf("listing a removed section: status %d, want 404", rep.status)
	}
	for _, p := range s.Playlists() {
		if p.PlaylistType != "audio" || p.Smart {
			continue
		}
		for _, it := range s.PlaylistItems(p.RatingKey) {
			inPlaylist = inPlaylist || tracks[it.TrackRatingKey]
		}
	}
	if inPlaylist {
		t.Error("a dumb playlist still holds a track of the removed section")
	}
}
