package plextest

import (
	"reflect"
	"testing"
)

func TestAllTracksAndCounts(t *testing.T) {
	h := start(t, Options{Seed: 61, Tracks: 2500})
	o := h.f.Owned()
	var got []Track
	for tr := range o.AllTracks("1") {
		got = append(got, tr)
	}
	if !reflect.DeepEqual(got, o.Tracks("1")) {
		t.Errorf("AllTracks yields %d tracks unlike Tracks", len(got))
	}
	ar, al, tr := o.Counts("1")
	if ar != len(o.Artists("1")) || al != len(o.Albums("1")) || tr != 2500 {
		t.Errorf("Counts = %d/%d/%d", ar, al, tr)
	}
	if a, b, c := o.Counts("nope"); a+b+c != 0 {
		t.Error("Counts of an unknown section")
	}
	// Breaking out early stops, and the body may mutate the fake.
	n := 0
	for tr := range o.AllTracks("1") {
		o.EditTrack(tr.RatingKey, func(t *Track) { t.Title = "seen" })
		if n++; n == 3 {
			break
		}
	}
	if n != 3 || o.Tracks("1")[2].Title != "seen" {
		t.Errorf("early break: n=%d", n)
	}
	for range o.AllTracks("9") {
		t.Fatal("unknown section yields tracks")
	}
}
