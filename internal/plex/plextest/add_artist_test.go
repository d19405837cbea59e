package plextest

import "testing"

func TestAddArtistTakesAnyName(t *testing.T) {
	f := start(t, Options{Seed: 3, Tracks: 20})
	s := f.f.Owned()
	before := len(s.Artists("1"))
	const name = "Zoe\u0308 Keating 宇多田 🦄"
	ar := s.AddArtist("1", name)
	al := s.AddAlbum(ar, "初恋", 0)
	tr := s.AddTrack(al, "Cre\u0300me")
	arts := s.Artists("1")
	if len(arts) != before+1 || arts[len(arts)-1].RatingKey != ar || arts[len(arts)-1].Title != name {
		t.Fatalf("artists after AddArtist: %d, last %+v", len(arts), arts[len(arts)-1])
	}
	got, ok := s.Track(tr)
	if !ok || got.ArtistTitle != name || got.AlbumTitle != "初恋" || got.Title != "Cre\u0300me" {
		t.Fatalf("track of the new artist: %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AddArtist into a movie section did not panic")
		}
	}()
	s.AddArtist("2", "x")
}
