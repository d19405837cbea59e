package sync_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// itemFetches counts the requests for a playlist's items since the fake's
// log was last reset.
func itemFetches(f *plextest.Fake, key string) int {
	n := 0
	for _, q := range f.Requests() {
		if q.Path == "/playlists/"+key+"/items" {
			n++
		}
	}
	return n
}

// After a delta, a smart playlist's items are refetched exactly when a
// track the delta touched could match its rules before or after the
// change; a rule the check cannot evaluate is refetched on every change.
// Each step's mirror equals the fake, and a full pass afterwards records no
// history version the incremental one missed.
func TestSmartPlaylistRefetchFollowsItsRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 47, Tracks: 300}, opts())
	f, o := e.fake, e.fake.Owned()
	artists := o.Artists("1")
	byArtist := artists[2]
	withA := findPlaylist(t, o, "Titles with A").RatingKey
	artistRule := o.CreateSmartPlaylist("By one artist",
		"/library/sections/1/all?type=10&artist.title%3D="+url.QueryEscape(byArtist.Title)+"&sort=album.titleSort,index")
	negated := o.CreateSmartPlaylist("Not zzz", "/library/sections/1/all?type=10&title!=zzz")
	e.sync(true, false)
	// The new playlists were stamped in the second of that read: their
	// signatures are stored unsettled until a pass a second later.
	f.Advance(time.Minute)
	e.sync(false, false)
	if n := len(o.PlaylistItems(artistRule)); n == 0 {
		t.Fatal("test setup: the artist rule selects nothing")
	}

	hasA := func(tr plextest.Track) bool {
		return strings.ContainsAny(tr.Title+tr.TitleSort, "aA")
	}
	// pick returns a track of the section that is not by byArtist and
	// whose names do or do not contain an "a".
	pick := func(withA bool, skip int) plextest.Track {
		for _, tr := range o.Tracks("1") {
			if tr.ArtistRatingKey != byArtist.RatingKey && hasA(tr) == withA && tr.Duration != nil &&
				(tr.OriginalTitle == nil || !strings.Contains(*tr.OriginalTitle, byArtist.Title)) {
				if skip--; skip < 0 {
					return tr
				}
			}
		}
		t.Fatalf("test setup: no track with a=%v", withA)
		return plextest.Track{}
	}
	var other plextest.Artist // an artist whose tracks the rules on byArtist do not select
	for _, a := range artists {
		if a.RatingKey != byArtist.RatingKey && !strings.Contains(a.Title, byArtist.Title) {
			other = a
			break
		}
	}
	plain, lettered := pick(false, 0), pick(true, 0)
	joining, leaving := pick(false, 1), pick(true, 1)
	var album string // an album by neither artist
	for _, al := range o.Albums("1") {
		if al.ArtistRatingKey != byArtist.RatingKey && al.ArtistRatingKey != other.RatingKey {
			album = al.RatingKey
			break
		}
	}

	type want struct{ withA, artist, negated *bool } // nil: not asserted
	yes, no := new(bool), new(bool)
	*yes = true
	steps := []struct {
		name   string
		mutate func()
		want   want
	}{
		{"edit outside every rule", func() {
			o.EditTrack(plain.RatingKey, func(x *plextest.Track) { x.Title = "lone tune" })
		}, want{no, no, yes}},
		// One track leaves the title rule, another of the same duration
		// joins it: the playlist's leafCount, duration and updatedAt stay,
		// only the touched tracks tell.
		{"swap within the title rule", func() {
			o.EditTrack(leaving.RatingKey, func(x *plextest.Track) { x.Title, x.TitleSort = "went off", "went off" })
			o.EditTrack(joining.RatingKey, func(x *plextest.Track) {
				x.Title, x.Duration = "came back again", leaving.Duration
				if len(x.Media) > 0 {
					x.Media[0].Duration = *leaving.Duration
				}
			})
		}, want{yes, no, yes}},
		{"edit into the title rule", func() {
			o.EditTrack(plain.RatingKey, func(x *plextest.Track) { x.Title = "gained an a" })
		}, want{yes, no, yes}},
		{"edit out of the title rule", func() {
			o.EditTrack(lettered.RatingKey, func(x *plextest.Track) { x.Title, x.TitleSort = "lost it", "lost it" })
		}, want{yes, no, yes}},
		{"rename an artist no artist rule selects", func() {
			o.RenameArtist(other.RatingKey, "Qqq")
		}, want{nil, no, yes}},
		{"rename the selected artist away", func() {
			o.RenameArtist(byArtist.RatingKey, "Somebody Else")
		}, want{nil, yes, yes}},
		{"rename an artist into the rule", func() {
			o.RenameArtist(other.RatingKey, byArtist.Title)
		}, want{nil, yes, yes}},
		{"add a matching track", func() {
			o.AddTrack(album, "added a track")
		}, want{yes, nil, yes}},
		// The album's other tracks count as touched (its leafCount and
		// stamp moved, and an order may follow album fields): the title
		// rule may be refetched.
		{"add a track no rule but the negated one selects", func() {
			o.AddTrack(album, "new one")
		}, want{nil, no, yes}},
		{"remove a matching track", func() {
			for _, tr := range o.Tracks("1") {
				if strings.ContainsAny(tr.Title, "aA") && tr.ArtistRatingKey != other.RatingKey {
					o.RemoveTrack(tr.RatingKey)
					return
				}
			}
			t.Fatal("test setup: no track to remove")
		}, want{yes, nil, yes}},
	}
	for _, st := range steps {
		f.Advance(time.Minute)
		st.mutate()
		f.ResetRequests()
		res := e.sync(false, false)
		if p := planOf(t, res[0], "1"); p.Action != mirror.PlanDelta {
			t.Fatalf("%s: plan %+v, want a delta", st.name, p)
		}
		for _, c := range []struct {
			name, key string
			want      *bool
		}{{"title rule", withA, st.want.withA}, {"artist rule", artistRule, st.want.artist}, {"negated rule", negated, st.want.negated}} {
			if c.want != nil && (itemFetches(f, c.key) > 0) != *c.want {
				t.Errorf("%s: %s refetched %d times, want refetched %v", st.name, c.name, itemFetches(f, c.key), *c.want)
			}
		}
		assertMirror(t, e.db, f)
		before := historyRows(t, e)
		e.sync(true, false)
		if got := historyRows(t, e); got != before {
			t.Fatalf("%s: a full pass recorded %d history rows the incremental one missed", st.name, got-before)
		}
	}
}

// A smart playlist whose refetch failed is refetched on the next pass even
// when that pass changes nothing: the change that reached it is not seen
// again, and its own signature never moved.
func TestSmartPlaylistFailedRefetchIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 48, Tracks: 200}, opts())
	f, o := e.fake, e.fake.Owned()
	withA := findPlaylist(t, o, "Titles with A").RatingKey
	e.sync(true, false)
	f.Advance(time.Minute)
	e.sync(false, false)

	var leaving, joining *plextest.Track
	for _, tr := range o.Tracks("1") {
		switch a := strings.ContainsAny(tr.Title+tr.TitleSort, "aA"); {
		case tr.Duration == nil:
		case a && leaving == nil:
			leaving = &tr
		case !a && joining == nil:
			joining = &tr
		}
	}
	if leaving == nil || joining == nil {
		t.Fatal("test setup: no tracks to swap")
	}
	// A swap keeps the playlist's leafCount, duration and updatedAt.
	f.Advance(time.Minute)
	o.EditTrack(leaving.RatingKey, func(x *plextest.Track) { x.Title, x.TitleSort = "went off", "went off" })
	o.EditTrack(joining.RatingKey, func(x *plextest.Track) {
		x.Title, x.Duration = "came back again", leaving.Duration
		if len(x.Media) > 0 {
			x.Media[0].Duration = *leaving.Duration
		}
	})
	f.Inject(plextest.Fault{Host: o.MachineID(), Path: "/playlists/" + withA + "/items", Status: 400})
	f.ResetRequests()
	res := e.sync(false, true)
	if itemFetches(f, withA) == 0 || len(res[0].Problems) == 0 {
		t.Fatalf("test setup: the swap did not lead to a failed refetch (%d fetches, problems %v)", itemFetches(f, withA), res[0].Problems)
	}

	f.ClearFaults()
	f.Advance(time.Minute)
	f.ResetRequests()
	e.sync(false, false)
	if itemFetches(f, withA) == 0 {
		t.Error("the pass after a failed refetch did not fetch the smart playlist's items again")
	}
	assertMirror(t, e.db, f)
}
