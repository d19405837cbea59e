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
	p, err := s.Page(ctx, plex.AllPlaylists(), 0, 5)
	if err != nil || !p.Date.Equal(e.f.Now()) {
		t.Fatalf("page date %v (%v), want %v", p.Date, err, e.f.Now())
	}
}

// A server that caps its pages is remembered: PageSize then asks for no
// more than it serves, so a pager need not start over at every listing.
func TestPageSizeLearnsTheServersCap(t *testing.T) {
	e := newEnv(t, plextest.Options{Seed: 52, Tracks: 120, MaxPageSize: 25}, false, nil)
	s := e.server(t, e.f.Owned())
	if got := s.PageSize(200); got != 200 {
		t.Fatalf("PageSize before any page = %d, want 200", got)
	}
	if got := s.PageSize(5000); got != 1000 {
		t.Fatalf("PageSize(5000) = %d, want the 1000 PMS accepts", got)
	}
	p, err := s.Page(context.Background(), plex.SectionItems("1", plex.TypeTrack), 0, 100)
	if err != nil || len(p.Items) != 25 {
		t.Fatalf("capped page: %d items, %v", len(p.Items), err)
	}
	if got := s.PageSize(200); got != 25 {
		t.Fatalf("PageSize after a capped page = %d, want 25", got)
	}
	if got := s.PageSize(10); got != 10 {
		t.Fatalf("PageSize(10) = %d, want 10", got)
	}
	// The last page of a listing is short without any cap.
	e2 := newEnv(t, plextest.Options{Seed: 52, Tracks: 120}, false, nil)
	s2 := e2.server(t, e2.f.Owned())
	if _, err := s2.Page(context.Background(), plex.SectionItems("1", plex.TypeTrack), 100, 100); err != nil {
		t.Fatal(err)
	}
	if got := s2.PageSize(200); got != 200 {
		t.Fatalf("a short last page taught a cap: PageSize = %d", got)
	}
}
