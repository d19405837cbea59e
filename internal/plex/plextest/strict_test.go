package plextest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// With SharedSecond, mutations are stamped with the second of the read
// before them and the clock moves only by Advance; PMS answers carry the
// fake's clock as their Date.
func TestSharedSecondClock(t *testing.T) {
	h := start(t, Options{Seed: 41, Tracks: 60, SharedSecond: true})
	o := h.f.Owned()
	read := h.do(req{url: o.URL(ConnLocal) + "/library/sections", token: o.AccessToken()})
	date, err := http.ParseTime(read.header.Get("Date"))
	if err != nil || !date.Equal(h.f.Now()) {
		t.Fatalf("Date header %q (%v), want the fake's clock %v", read.header.Get("Date"), err, h.f.Now())
	}
	pl := o.CreatePlaylist("Same second", []string{o.Tracks("1")[0].RatingKey})
	o.RenameAlbum(o.Albums("1")[0].RatingKey, "Renamed in the same second")
	o.MovePlaylistItem(playlistKey(t, o, "Road Trip 🚗"), 0, 1)
	for _, p := range o.Playlists() {
		if (p.RatingKey == pl || p.Title == "Road Trip 🚗") && p.UpdatedAt != date.Unix() {
			t.Errorf("playlist %q stamped %d, want the read's second %d", p.Title, p.UpdatedAt, date.Unix())
		}
	}
	if got := o.Albums("1")[0].UpdatedAt; got != date.Unix() {
		t.Errorf("album stamped %d, want the read's second %d", got, date.Unix())
	}
	h.f.Advance(90 * time.Second)
	if got := h.f.Now().Sub(date); got != 90*time.Second {
		t.Fatalf("Advance(90s) moved the clock by %v", got)
	}
	o.RenamePlaylist(pl, "Later")
	if p := playlistByTitle(t, o, "Later"); p.UpdatedAt != date.Unix()+90 {
		t.Errorf("after Advance the edit is stamped %d, want %d", p.UpdatedAt, date.Unix()+90)
	}

	// The default clock gives every mutation its own second.
	d := start(t, Options{Seed: 41, Tracks: 60}).f.Owned()
	a, b := d.Albums("1")[0].RatingKey, d.Albums("1")[1].RatingKey
	d.RenameAlbum(a, "one")
	d.RenameAlbum(b, "two")
	if d.Albums("1")[0].UpdatedAt == d.Albums("1")[1].UpdatedAt {
		t.Error("default clock: two mutations share a second")
	}

	defer func() {
		if recover() == nil {
			t.Error("Advance with an injected clock did not panic")
		}
	}()
	start(t, Options{Seed: 41, Tracks: 60, Now: newManualClock().Now}).f.Advance(time.Second)
}

func playlistByTitle(t *testing.T, s *Server, title string) Playlist {
	t.Helper()
	for _, p := range s.Playlists() {
		if p.Title == title {
			return p
		}
	}
	t.Fatalf("no playlist %q", title)
	return Playlist{}
}

func playlistKey(t *testing.T, s *Server, title string) string {
	t.Helper()
	return playlistByTitle(t, s, title).RatingKey
}

// With SectionStampsIgnoreEdits, edits leave the section's stamps alone but
// move the item's updatedAt, which sort=updatedAt:desc then puts first;
// additions still move them.
func TestSectionStampsIgnoreEdits(t *testing.T) {
	h := start(t, Options{Seed: 42, Tracks: 300, SectionStampsIgnoreEdits: true})
	o := h.f.Owned()
	before := o.Sections()[0]
	tr := o.Tracks("1")[17]
	o.EditTrack(tr.RatingKey, func(x *Track) { x.Title = "Edited" })
	o.RenameArtist(o.Artists("1")[2].RatingKey, "Renamed")
	o.RenameAlbum(o.Albums("1")[3].RatingKey, "Renamed too")
	if after := o.Sections()[0]; after != before {
		t.Fatalf("edits moved the section's stamps: %+v -> %+v", before, after)
	}
	c := h.pmsOK(o, http.MethodGet, "/library/sections/1/all?type=10&sort=updatedAt:desc&X-Plex-Container-Start=0&X-Plex-Container-Size=1")
	if len(c.Metadata) != 1 || c.Metadata[0].RatingKey != tr.RatingKey || deref(c.TotalSize) != len(o.Tracks("1")) {
		t.Fatalf("newest-first probe = %d items (first %+v), totalSize %v; want the edited track %s and the count",
			len(c.Metadata), c.Metadata, deref(c.TotalSize), tr.RatingKey)
	}
	if want, _ := o.Track(tr.RatingKey); c.Metadata[0].UpdatedAt != want.UpdatedAt {
		t.Fatalf("probe updatedAt %d, model %d", c.Metadata[0].UpdatedAt, want.UpdatedAt)
	}
	o.AddTrack(o.Albums("1")[0].RatingKey, "New")
	if after := o.Sections()[0]; after.ContentChangedAt == before.ContentChangedAt || after.ScannedAt == before.ScannedAt {
		t.Fatalf("an addition moved no section stamp: %+v -> %+v", before, after)
	}
}

// Empty playlists carry no leafCount, duration or composite, in the list
// and in their items' container, as PMS omits zero-valued fields.
func TestEmptyPlaylistOmitsZeroFields(t *testing.T) {
	h := start(t, Options{Seed: 43, Tracks: 60})
	o := h.f.Owned()
	empty := playlistKey(t, o, "Empty")
	full := playlistKey(t, o, "Road Trip 🚗")
	rep := h.pms("/playlists?type=15")
	for _, m := range rawItems(t, rep.body) {
		_, dur := m["duration"]
		_, leaves := m["leafCount"]
		_, comp := m["composite"]
		switch m["ratingKey"] {
		case empty:
			if dur || leaves || comp {
				t.Errorf("empty playlist carries duration %v, leafCount %v, composite %v", m["duration"], m["leafCount"], m["composite"])
			}
		case full:
			if !dur || !leaves || !comp {
				t.Errorf("playlist with items lacks duration, leafCount or composite: %v", m)
			}
		}
	}
	if p := playlistByTitle(t, o, "Empty"); p.LeafCount != 0 || p.Duration != 0 || p.Composite != "" {
		t.Errorf("model of the empty playlist = %+v", p)
	}
	rep = h.pms("/playlists/" + empty + "/items")
	var env struct {
		MediaContainer map[string]any `json:"MediaContainer"`
	}
	if err := json.Unmarshal(rep.body, &env); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"duration", "leafCount", "composite"} {
		if v, ok := env.MediaContainer[k]; ok {
			t.Errorf("items container of the empty playlist carries %s = %v", k, v)
		}
	}
}

// The owned server's second music section has real content, and a playlist
// mixes both music sections.
func TestSecondMusicSection(t *testing.T) {
	h := start(t, Options{Seed: 44, Tracks: 200, SecondTracks: 40})
	o := h.f.Owned()
	if n := len(o.Tracks("4")); n != 40 {
		t.Fatalf("section 4 has %d tracks, want 40", n)
	}
	if c := h.pmsOK(o, http.MethodGet, "/library/sections/4/all?type=10&X-Plex-Container-Size=0"); deref(c.TotalSize) != 40 {
		t.Fatalf("section 4 counts %d tracks over HTTP", deref(c.TotalSize))
	}
	sections := map[string]int{}
	for _, it := range o.PlaylistItems(playlistKey(t, o, "Both Libraries")) {
		tr, ok := o.Track(it.TrackRatingKey)
		if !ok {
			t.Fatalf("item %s is no track", it.TrackRatingKey)
		}
		sections[tr.SectionKey]++
	}
	if sections["1"] == 0 || sections["4"] == 0 {
		t.Fatalf("Both Libraries holds tracks of sections %v, want 1 and 4", sections)
	}
	if _, err := Start(Options{SecondTracks: -1}); err == nil {
		t.Error("a negative SecondTracks was accepted")
	}
}
