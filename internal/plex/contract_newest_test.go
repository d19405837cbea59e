package plex_test

import (
	"context"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// Newest finds a listing's count and its newest updatedAt in one request of
// one item; SectionsAt and pages carry the server's clock (Date).
func TestNewestAndServerTime(t *testing.T) {
	e := newEnv(t, plextest.Options{Seed: 51, Tracks: 120, SharedSecond: true}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	ctx := context.Background()

	e.f.Advance(time.Hour)
	edited := owned.Tracks("1")[40].RatingKey
	owned.EditTrack(edited, func(tr *plextest.Track) { tr.Title = "Newest of all" })
	e.f.ResetRequests()
	n, err := s.Newest(ctx, plex.SectionItems("1", plex.TypeTrack))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := owned.Track(edited)
	if n.TotalSize != len(owned.Tracks("1")) || !n.UpdatedAt.Valid || n.UpdatedAt.V != want.UpdatedAt || !n.Date.Equal(e.f.Now()) {
		t.Fatalf("Newest = %+v, want %d tracks, updatedAt %d, date %v", n, len(owned.Tracks("1")), want.UpdatedAt, e.f.Now())
	}
	reqs := fakeRequests(e.f, owned.MachineID(), "/library/sections/1/all")
	if len(reqs) != 1 || reqs[0].Query.Get("sort") != "updatedAt:desc" || reqs[0].Query.Get("X-Plex-Container-Size") != "1" {
		t.Fatalf("Newest sent %d requests (%v), want one sorted updatedAt:desc of size 1", len(reqs), reqs)
	}
	if empty, err := s.Newest(ctx, plex.SectionItems("3", plex.TypeTrack)); err != nil || empty.TotalSize != 0 || empty.UpdatedAt.Valid {
		t.Fatalf("Newest of an empty section = %+v, %v", empty, err)
	}

	secs, at, err := s.SectionsAt(ctx)
	if err != nil || len(secs) != len(owned.Sections()) || !at.Equal(e.f.Now()) {
		t.Fatalf("SectionsAt = %d sections at %v (%v), want %d at %v", len(secs), at, err, len(owned.Sections()), e.f.Now())
	}
	p, err := s.Page(ctx, plex.Playlists(), 0, 5)
	if err != nil || !p.Date.Equal(e.f.Now()) {
		t.Fatalf("page date %v (%v), want %v", p.Date, err, e.f.Now())
	}
}
