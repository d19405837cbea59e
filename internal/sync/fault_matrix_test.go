package sync_test

// The fault matrix: each fault the fake can inject, against a
// whole sync pass, with the mirror compared to the fake's truth
// (assertMirror) once the fault is gone. Rows already proven elsewhere are
// not repeated here:
//
//   - 429 storm with Retry-After (seconds and HTTP-date windows over every
//     connection), several fetchers at once, bodies cut short besides: the
//     sync completes exactly and the fake's log, on the shared injected
//     clock, shows no request inside a window, and the Result reports the
//     429s — TestStormIsWaitedOutExactly (ratelimit_test.go). The bound on
//     the wait and the storm without Retry-After are TestFault429Storm.
//   - 429 holding back every request to a host until Retry-After (seconds,
//     HTTP-date, none) — TestContract429HoldsBackTheWholeHost
//     (internal/plex).
//   - totalSize that shrinks during paging: no deletions, the next pass is
//     exact — TestDriftingTotalRemovesNothing (sync_test.go); the pager's
//     own checks of drift, offsets and short pages —
//     TestPagerInconsistentPages and TestPagerShortPageRestartsAtServedSize
//     (internal/pager).
//   - a removal and an addition between pages (the total does not move) —
//     TestSwapDuringListingRemovesNothing; in a playlist —
//     TestPlaylistSwapAcrossPageBoundaryRemovesNothingWrongly.
//   - a page failing with 500: nothing removed, the run partial, the rest
//     synced — TestFailedPageRemovesNothing; a playlist's items failing —
//     TestFailedPlaylistKeepsItsItems.
//   - a rotated server token that plex.tv hands out fresh: refreshed, the
//     sync continues — TestContractRotatedServerToken (internal/plex) and,
//     through the daemon, TestTokenLifecycle (internal/daemon), which also
//     proves that a plex.tv 401 before the sync pauses the jobs and removes
//     nothing. A revocation in the middle of a sync pausing the jobs —
//     TestRevokedMidSyncPausesJobs (internal/daemon); the sync's own side of
//     it is TestFaultUnauthorizedMidSync.
//   - every connection of a server down: its run fails alone —
//     TestUnreachableServerFailsAlone.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// stepClock is a client clock whose Sleep returns at once, having moved
// the time on: waits cost nothing, and a test can move it by hours.
type stepClock struct {
	mu  gosync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
}

// untouched snapshots what a failed pass must leave alone: which rows are
// current, which were already marked removed, and every history row. Its
// check fails the test if a row current before is no longer current, or a
// history row changed or went missing. Rows may be added or updated.
type untouched struct {
	removed, current, history []string
}

func snapshot(t testing.TB, e *env) untouched {
	t.Helper()
	var u untouched
	for _, tbl := range []string{"artists", "albums", "tracks", "playlists", "sections"} {
		key := "rating_key"
		if tbl == "sections" {
			key = "key"
		}
		u.current = append(u.current, dbRows(t, e.db, `SELECT '`+tbl+`', server_id, `+key+` FROM `+tbl+` WHERE removed_at IS NULL`)...)
		u.removed = append(u.removed, dbRows(t, e.db, `SELECT '`+tbl+`', server_id, `+key+` FROM `+tbl+` WHERE removed_at IS NOT NULL`)...)
	}
	u.history = append(u.history, dbRows(t, e.db, `SELECT 'v', * FROM playlist_versions`)...)
	// last_version is set when a later version drops the entry: the one
	// column of history a pass may write.
	u.history = append(u.history, dbRows(t, e.db, `SELECT 'vi', server_id, playlist_rating_key, sort_key, first_version,
		playlist_item_id, item_id FROM playlist_version_items`)...)
	u.history = append(u.history, dbRows(t, e.db, `SELECT 'h', * FROM history_items`)...)
	return u
}

// check allows the tracks whose rating keys are in allowed to have been
// marked removed: removals from a part of the pass that completed.
func (u untouched) check(t testing.TB, e *env, allowed ...string) {
	t.Helper()
	now := snapshot(t, e)
	ok := func(r string) bool {
		for _, k := range allowed {
			if strings.HasPrefix(r, `"tracks" |`) && strings.HasSuffix(r, `| "`+k+`"`) {
				return true
			}
		}
		return false
	}
	// A row once current must still be current; a removed one stays removed.
	var newly []string
	for _, r := range now.removed {
		if !slices.Contains(u.removed, r) && !ok(r) {
			newly = append(newly, r)
		}
	}
	if len(newly) > 0 {
		t.Fatalf("%d rows marked removed by a pass that failed, e.g. %v", len(newly), newly[:min(5, len(newly))])
	}
	for _, r := range u.current {
		if !slices.Contains(now.current, r) && !ok(r) {
			t.Fatalf("row %s was current and is no longer", r)
		}
	}
	for _, r := range u.history {
		if !slices.Contains(now.history, r) {
			t.Fatalf("history row %s changed or went missing", r)
		}
	}
}

// mutateSome changes a little of everything on s: a removed track in
// section 1 (the one the tests fault), an edit in each music section, two
// reordered playlists. A pass that completed wrongly would show it; one that
// failed must not have removed anything.
func mutateSome(t testing.TB, s *plextest.Server) {
	t.Helper()
	tr := s.Tracks("1")
	s.RemoveTrack(tr[len(tr)/2].RatingKey)
	for _, key := range []string{"1", "4"} {
		tr := s.Tracks(key)
		s.EditTrack(tr[1].RatingKey, func(x *plextest.Track) { x.Title += " (edited)" })
	}
	n := 0
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart && p.LeafCount > 2 && n < 2 {
			s.MovePlaylistItem(p.RatingKey, 0, 2)
			n++
		}
	}
}

// The owned server is the first result, the shared one the second.
func syncOwned(e *env, full bool) (*mirror.Result, error) {
	return e.syncer.Server(context.Background(), e.servers[0], full)
}

// a. A 429 storm: with Retry-After the client waits each window out and
// sends nothing inside one; without it the client backs off. Either way the
// pass completes exactly, and what it waited is reported in the Result and
// bounded by what the server asked for (or by the backoff cap).
func TestFault429Storm(t *testing.T) {
	const maxWait = 2 * time.Second
	for _, withRA := range []bool{true, false} {
		t.Run(fmt.Sprintf("retry-after=%v", withRA), func(t *testing.T) {
			t.Parallel()
			clk := &quietClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			fo := strict(plextest.Options{Seed: 31, Tracks: 200, SharedTracks: 30, WindowClock: clk.Now}, opts())
			f, err := plextest.Start(fo)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(f.Close)
			e := attachEnvWith(t, f, filepath.Join(t.TempDir(), "m.db"), opts(), func(o *plex.Options) {
				o.Clock = clk
				o.MaxRetryWait = maxWait
				o.MaxRetries = 8
			})
			clk.mu.Lock()
			clk.c = e.client
			clk.mu.Unlock()
			storm := plextest.Fault{Host: f.Owned().MachineID(), Every: 4, Status: http.StatusTooManyRequests}
			if withRA {
				storm.Window = time.Second
			}
			f.Inject(storm)
			f.ResetRequests()
			before := e.client.Stats()
			var r *mirror.Result
			for _, srv := range e.servers {
				res, err := e.syncer.Server(context.Background(), srv, true)
				if err != nil {
					t.Fatalf("sync %s under a 429 storm: %v", srv.Resource().Name, err)
				}
				if res.ServerID == f.Owned().MachineID() {
					r = res
				}
			}
			assertMirror(t, e.db, f)
			after := e.client.Stats()

			var got429 int64
			for _, q := range f.Requests() {
				if q.Status == http.StatusTooManyRequests {
					got429++
				}
			}
			if got429 < 5 {
				t.Fatalf("only %d 429s: the storm did not happen", got429)
			}
			// The fake logs a 429 as it starts the answer; a request the
			// pager cancelled meanwhile (it restarts a listing at the page
			// size the server serves) never reads it. So the client counts
			// at most what the fake sent.
			if r.RateLimited != after.RateLimited-before.RateLimited || r.RateLimited == 0 || r.RateLimited > got429 {
				t.Errorf("Result.RateLimited = %d; the client counted %d, the fake sent %d", r.RateLimited, after.RateLimited-before.RateLimited, got429)
			}
			if r.Paused != after.Paused-before.Paused || r.Paused <= 0 {
				t.Errorf("Result.Paused = %v, the client paused %v", r.Paused, after.Paused-before.Paused)
			}
			if withRA {
				// Windows never overlap (a window refuses everything), so
				// the pauses add up to at most one second per window, and
				// at least the windows the client heard of while idle.
				ws := f.Windows()
				if r.Paused > time.Duration(len(ws))*time.Second {
					t.Errorf("paused %v for %d windows of 1 s", r.Paused, len(ws))
				}
				for _, q := range f.Requests() {
					for _, w := range ws {
						if q.Host == w.Host && q.Clock.After(w.Start) && q.Clock.Before(w.End) && !q.Refused {
							t.Errorf("%s %s sent at %s, inside the window %s–%s", q.Conn, q.Path,
								q.Clock.Format("05.000"), w.Start.Format("05.000"), w.End.Format("05.000"))
						}
					}
				}
			} else if limit := time.Duration(r.RateLimited) * maxWait; r.Paused > limit {
				t.Errorf("paused %v for %d 429s without Retry-After: more than %v, the backoff cap", r.Paused, r.RateLimited, limit)
			}
			t.Logf("%d requests, %d 429s, paused %v", r.Requests, r.RateLimited, r.Paused)
		})
	}
}

// b. A connection answering 503, or dead (its listener closed mid-pass):
// requests move to the next connection (local → remote → relay), the pass
// completes exactly, and once reprobeAfter has passed on the fallback the
// client probes again and returns to the preferred connection.
func TestFaultConnectionFallbackAndReprobe(t *testing.T) {
	for _, mode := range []string{"503", "dead"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			clk := &stepClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			f, err := plextest.Start(strict(plextest.Options{Seed: 32, Tracks: 150}, completeOpts()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(f.Close)
			e := attachEnvWith(t, f, filepath.Join(t.TempDir(), "m.db"), completeOpts(), func(o *plex.Options) { o.Clock = clk })
			srv, s := e.servers[0], f.Owned()
			local, remote := s.URL(plextest.ConnLocal), s.URL(plextest.ConnRemote)
			e.sync(true, false)
			if srv.URI() != local {
				t.Fatalf("first pass on %s, want local %s", srv.URI(), local)
			}
			mutateSome(t, s)
			f.ResetRequests()
			var killed atomic.Bool
			switch mode {
			case "503":
				f.Inject(plextest.Fault{Host: s.MachineID(), Conn: plextest.ConnLocal, Path: "/library", Skip: 3, Status: http.StatusServiceUnavailable})
			case "dead":
				// The request that kills the listener is cut off with it.
				f.Inject(plextest.Fault{Host: s.MachineID(), Conn: plextest.ConnLocal, Path: "/library/sections/1/all", Match: laterTrackPages,
					Times: 1, Before: func() { killed.Store(true); s.KillConn(plextest.ConnLocal) }})
			}
			r, err := syncOwned(e, false)
			if err != nil {
				t.Fatalf("pass with the local connection failing: %v", err)
			}
			assertMirror(t, e.db, f)
			if srv.URI() != remote {
				t.Errorf("after the fault the pass ended on %s, want remote %s", srv.URI(), remote)
			}
			var onLocal, failed, onRemote int
			for _, q := range f.Requests() {
				if q.Host != s.MachineID() || q.Path == "/identity" {
					continue
				}
				switch {
				case q.Conn == plextest.ConnLocal && q.Status == http.StatusServiceUnavailable:
					failed++
				case q.Conn == plextest.ConnLocal:
					onLocal++
				case q.Conn == plextest.ConnRemote:
					onRemote++
				default:
					t.Errorf("request to the %s connection while remote worked", q.Conn)
				}
			}
			if killed.Load() {
				failed++
			}
			if onRemote == 0 || failed == 0 {
				t.Fatalf("%d requests failed on local, %d went to remote: no fallback happened", failed, onRemote)
			}
			// Only requests already on their way when local failed may have
			// met the fault: later ones went straight to remote.
			if failed > completeOpts().Concurrency+1 {
				t.Errorf("%d requests failed on local: the client kept going back", failed)
			}
			t.Logf("%d requests: %d on local before the fault, %d failed there, %d on remote; %d retries", r.Requests, onLocal, failed, onRemote, r.Retries)

			// The fault is over. Before reprobeAfter the client stays put...
			f.ClearFaults()
			if mode == "dead" {
				if err := s.ReviveConn(plextest.ConnLocal); err != nil {
					t.Fatal(err)
				}
			}
			f.ResetRequests()
			if _, err := srv.Sections(context.Background()); err != nil || srv.URI() != remote {
				t.Fatalf("right after the fault: %v, on %s; want remote", err, srv.URI())
			}
			// ... then probes again and returns to local.
			clk.Advance(11 * time.Minute)
			if _, err := srv.Sections(context.Background()); err != nil {
				t.Fatal(err)
			}
			if srv.URI() != local {
				t.Errorf("after reprobeAfter the client is on %s, want local %s", srv.URI(), local)
			}
			probed := false
			for _, q := range f.Requests() {
				probed = probed || q.Conn == plextest.ConnLocal && q.Path == "/identity"
			}
			if !probed {
				t.Error("the preferred connection was never probed again")
			}
			if _, err := syncOwned(e, false); err != nil {
				t.Fatal(err)
			}
			assertMirror(t, e.db, f)
		})
	}
}

// c. A 401 in the middle of a pass: from the server (a token plex.tv keeps
// handing out, yet the server refuses), or from plex.tv (the account token
// revoked while the server token rotated, so the refresh fails). The pass
// stops with ErrUnauthorized, which the daemon branches on, and removes
// nothing from the mirror or its history.
func TestFaultUnauthorizedMidSync(t *testing.T) {
	for _, from := range []string{"pms", "plex.tv"} {
		t.Run(from, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, plextest.Options{Seed: 33, Tracks: 150}, completeOpts())
			s := e.fake.Owned()
			e.sync(true, false)
			mutateSome(t, s)
			keep := snapshot(t, e)
			fault := plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages}
			switch from {
			case "pms":
				fault.Status = http.StatusUnauthorized
			case "plex.tv":
				fault.Times = 1
				fault.Before = func() {
					s.RotateToken()
					e.fake.RevokeAccountToken()
				}
			}
			e.fake.Inject(fault)
			e.fake.ResetRequests()
			r, err := syncOwned(e, false)
			if !errors.Is(err, plex.ErrUnauthorized) {
				t.Fatalf("pass with a 401 mid-sync: %v; want ErrUnauthorized", err)
			}
			if plex.IsTransient(err) {
				t.Errorf("a 401 is reported as transient: %v", err)
			}
			if st := runStatus(t, e, r.RunID); st != "failed" {
				t.Errorf("run status %q, want failed: the pass stopped", st)
			}
			keep.check(t, e)
			var refused int
			for _, q := range e.fake.Requests() {
				if q.Status == http.StatusUnauthorized {
					refused++
				}
			}
			// The pass stops at the first 401: only requests already on
			// their way (section and playlist fetchers, each with its token
			// refresh) may meet one.
			if limit := 4 * completeOpts().Concurrency; refused > limit {
				t.Errorf("%d requests answered 401: the pass went on after the token was rejected (limit %d)", refused, limit)
			}
			t.Logf("%d requests, %d answered 401: %v", len(e.fake.Requests()), refused, err)

			e.fake.ClearFaults()
			if from == "plex.tv" {
				// A new sign-in: the daemon resumes with a new token.
				e.servers, err = e.syncer.Servers(context.Background(), secret.New(e.fake.AccountToken()), nil, nil)
				if err != nil {
					t.Fatal(err)
				}
			}
			e.sync(false, false)
			assertMirror(t, e.db, e.fake)
		})
	}
}

// d. Bodies cut short (Content-Length promised, connection closed
// half-way): the first answer to every other distinct request to either
// server, probes included, is cut. Each is retried, and a full and an
// incremental pass both come out exact. (Cutting a fixed share of all
// answers instead can, by chance or by falling into step with the
// fetchers, cut one request more often than its retry budget allows: that
// is a failure the client is right to report.)
func TestFaultTruncatedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 34, Tracks: 150}, opts())
	var mu gosync.Mutex
	seen := map[string]bool{}
	cut := 0
	firstOfEveryOther := func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		key := r.Host + " " + r.URL.Path + "?" + r.URL.RawQuery
		if _, ok := seen[key]; ok {
			return false
		}
		seen[key] = len(seen)%2 == 0
		if seen[key] {
			cut++
		}
		return seen[key]
	}
	for _, s := range e.fake.Servers() {
		e.fake.Inject(plextest.Fault{Host: s.MachineID(), Match: firstOfEveryOther, Truncate: true})
	}
	var retries int64
	for _, r := range e.sync(true, false) {
		retries += r.Retries
	}
	assertMirror(t, e.db, e.fake)
	mutateSome(t, e.fake.Owned())
	for _, r := range e.sync(false, false) {
		retries += r.Retries
	}
	assertMirror(t, e.db, e.fake)
	mu.Lock()
	defer mu.Unlock()
	if cut < 20 {
		t.Fatalf("only %d bodies cut", cut)
	}
	// Probes retry on their own count; every other cut is a request's.
	if retries == 0 || retries > int64(cut) {
		t.Errorf("%d retries reported for %d bodies cut", retries, cut)
	}
	t.Logf("%d bodies cut, %d retries, over %d requests", cut, retries, len(e.fake.Requests()))
}

// e. Malformed JSON that persists on one page of section 1 and on one
// playlist's items: that section's and that playlist's updates are
// abandoned (nothing removed, the playlist's items as they were), the other
// section and playlists complete, and the run says partial.
func TestFaultMalformedPagePersists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 35, Tracks: 150}, completeOpts())
	s := e.fake.Owned()
	e.sync(true, false)
	var bad, good plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart && p.LeafCount > 2 {
			if bad.RatingKey == "" {
				bad = p
			} else if good.RatingKey == "" {
				good = p
			}
		}
	}
	badItems := dbRows(t, e.db, `SELECT position, track_rating_key FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, s.MachineID(), bad.RatingKey)
	gone1 := s.Tracks("1")[50].RatingKey
	gone4 := s.Tracks("4")[3].RatingKey
	s.RemoveTrack(gone1)
	s.RemoveTrack(gone4)
	s.MovePlaylistItem(bad.RatingKey, 0, 2)
	s.MovePlaylistItem(good.RatingKey, 0, 2)

	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Skip: 1, Malformed: true})
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists/" + bad.RatingKey + "/items", Malformed: true})
	r, err := syncOwned(e, false)
	if !errors.Is(err, mirror.ErrPartial) {
		t.Fatalf("pass with malformed pages: %v; want ErrPartial", err)
	}
	if st := runStatus(t, e, r.RunID); st != "partial" {
		t.Errorf("run status %q, want partial", st)
	}
	var de *plex.DecodeError
	if !errors.As(err, &de) {
		t.Errorf("the error does not carry the decode error: %v", err)
	}
	msg := err.Error()
	if len(r.Problems) != 2 || !strings.Contains(msg, `section "`) || !strings.Contains(msg, bad.Title) {
		t.Errorf("problems %v: want the section and the playlist %q", r.Problems, bad.Title)
	}
	// Section 1 and the bad playlist: nothing removed or reordered.
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND rating_key = ? AND removed_at IS NULL`, s.MachineID(), gone1); n != 1 {
		t.Error("a track of the abandoned section was marked removed")
	}
	sameRows(t, "items of the malformed playlist", dbRows(t, e.db, `SELECT position, track_rating_key FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`,
		s.MachineID(), bad.RatingKey), badItems)
	// Section 4 and the good playlist were updated.
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND rating_key = ? AND removed_at IS NOT NULL`, s.MachineID(), gone4); n != 1 {
		t.Error("the healthy section's removal was not applied")
	}
	var want []string
	for i, it := range s.PlaylistItems(good.RatingKey) {
		want = append(want, row(i, it.TrackRatingKey))
	}
	sameRows(t, "items of the healthy playlist", dbRows(t, e.db, `SELECT position, track_rating_key FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`,
		s.MachineID(), good.RatingKey), want)
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 1 {
		t.Errorf("%d tracks marked removed, want only section 4's one", n)
	}

	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

// f. totalSize that grows while a section is paged (a track added between
// pages): the listing is inconsistent, nothing is removed, and the next
// pass is exact. Shrinking is TestDriftingTotalRemovesNothing.
func TestFaultTotalSizeGrows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 36, Tracks: 150}, completeOpts())
	e.sync(true, false)
	s := e.fake.Owned()
	s.RemoveTrack(s.Tracks("1")[7].RatingKey) // moves the signals: the section is listed again
	keep := snapshot(t, e)
	album := s.Albums("1")[2].RatingKey
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Times: 1,
		Before: func() { s.AddTrack(album, "aaaa arrives mid-listing") }})
	r, err := syncOwned(e, false)
	if !errors.Is(err, plex.ErrInconsistent) {
		t.Fatalf("a growing listing: %v; want ErrInconsistent", err)
	}
	if !strings.Contains(r.Err().Error(), "totalSize changed") {
		t.Errorf("the error does not say the total moved: %v", r.Err())
	}
	keep.check(t, e)
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

// g. The same rating key on two pages: a track already served is renamed
// to sort last, so it comes again on the last page, and the track that
// slid into the served pages is never seen. The total and every page's
// size are right, and the edit moves no section stamp: only the count of
// distinct keys gives it away. Nothing may be marked removed, and the next
// pass is exact.
func TestFaultDuplicateAcrossPages(t *testing.T) {
	t.Parallel()
	o := completeOpts()
	o.Concurrency = 1 // pages in order, so the rename lands after page one
	e := newEnv(t, plextest.Options{Seed: 37, Tracks: 150}, o)
	e.sync(true, false)
	s := e.fake.Owned()
	s.RemoveTrack(s.Tracks("1")[100].RatingKey) // moves the signals
	keep := snapshot(t, e)
	// The first track of the listing, as the server serves it.
	p, err := e.servers[0].Page(context.Background(), plex.SectionItems("1", plex.TypeTrack), 0, 1)
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("first track: %v", err)
	}
	moved := p.Items[0].RatingKey.V
	var fired atomic.Bool
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Times: 1,
		Before: func() {
			fired.Store(true)
			s.EditTrack(moved, func(x *plextest.Track) { x.Title, x.TitleSort = "zzzz now sorts last", "zzzz now sorts last" })
		}})
	e.fake.ResetRequests()
	r, err := syncOwned(e, false)
	if !fired.Load() {
		t.Fatal("the rename never happened")
	}
	if !errors.Is(err, plex.ErrInconsistent) {
		t.Fatalf("a listing with a key on two pages: %v; want ErrInconsistent", err)
	}
	if !strings.Contains(err.Error(), "distinct items") {
		t.Errorf("the error does not say keys were missing: %v", err)
	}
	keep.check(t, e)
	t.Logf("%v", r.Err())
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

// progress records what a pass reported.
type progress struct {
	mu              gosync.Mutex
	phases          []string
	added           int
	starts, finishs int
}

func (p *progress) Start(phase string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phases = append(p.phases, phase)
	p.starts++
}

func (p *progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.added += n
}

func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishs++
}

// h. A server that stops answering part of a listing: the fault holds
// those requests until the client gives up on them (Timeout), on every
// connection. The pass ends partial with an error that says it timed out,
// removes nothing, the rest of the library is synced and progress was
// reported throughout.
func TestFaultSlowServer(t *testing.T) {
	t.Parallel()
	pr := &progress{}
	o := completeOpts()
	o.Progress = pr
	f, err := plextest.Start(strict(plextest.Options{Seed: 38, Tracks: 150}, o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	e := attachEnvWith(t, f, filepath.Join(t.TempDir(), "m.db"), o, func(po *plex.Options) {
		// Short, but long enough that a healthy page under -race on a
		// busy machine fits; a retry or two absorbs the odd slow one.
		po.Timeout = 250 * time.Millisecond
		po.MaxRetries = 2
	})
	s := f.Owned()
	e.sync(true, false)
	mutateSome(t, s)
	gone4 := s.Tracks("4")[5].RatingKey
	s.RemoveTrack(gone4)
	keep := snapshot(t, e)
	pr.mu.Lock()
	pr.phases, pr.added, pr.starts, pr.finishs = nil, 0, 0, 0
	pr.mu.Unlock()
	// Latency far beyond the test's length: the fake's sleep ends when the
	// request's context does, that is when the client gives up.
	f.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Latency: time.Hour})
	start := time.Now()
	r, err := syncOwned(e, false)
	took := time.Since(start)
	if !errors.Is(err, mirror.ErrPartial) {
		t.Fatalf("pass against a server that stops answering: %v; want a partial run", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "deadline exceeded") && !strings.Contains(msg, "timeout") {
		t.Errorf("the error does not say it timed out: %v", err)
	}
	if !plex.IsTransient(err) {
		t.Errorf("a timeout is not reported as transient: %v", err)
	}
	keep.check(t, e, gone4)
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND section_key = '4' AND removed_at IS NOT NULL`, s.MachineID()); n != 1 {
		t.Errorf("section 4's removal: %d rows, want 1 (the healthy section completes)", n)
	}
	pr.mu.Lock()
	if pr.starts == 0 || pr.added == 0 || pr.finishs != pr.starts {
		t.Errorf("progress: %d phases started (%v), %d finished, %d rows added", pr.starts, pr.phases, pr.finishs, pr.added)
	}
	pr.mu.Unlock()
	t.Logf("partial after %v (%d requests): %v", took, r.Requests, err)
	f.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, f)
}

// integrityOK runs PRAGMA integrity_check on the writer.
func integrityOK(t testing.TB, d *db.DB) {
	t.Helper()
	var res string
	if err := d.W().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q, %v", res, err)
	}
}

// i. The disk fills up during a pass (SQLite's max_page_count on the
// writer connection, which fails writes with SQLITE_FULL exactly as a full
// disk does): the pass fails with an error that says so, the database
// passes integrity_check, and the last good state remains; with room again
// the next pass is exact.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 39, Tracks: 150}, opts())
	e.sync(true, false)
	s := e.fake.Owned()
	var pages int
	if err := e.db.W().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// Enough new rows to need many more pages than are left.
	for _, al := range s.Albums("1")[:3] {
		s.AddAlbum(al.ArtistRatingKey, "Big box set of "+al.Title, 50)
	}
	s.RemoveTrack(s.Tracks("1")[9].RatingKey)
	keep := snapshot(t, e)
	before := dump(t, e.db, s.MachineID(), false)
	if _, err := e.db.W().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	r, err := syncOwned(e, false)
	if err == nil {
		t.Fatal("a pass on a full disk reported success")
	}
	// The rolled-back batch freed its pages: the run record still says
	// how the pass ended.
	if st := runStatus(t, e, r.RunID); st != "partial" && st != "failed" {
		t.Errorf("run status %q after a full disk", st)
	}
	if !strings.Contains(err.Error(), "full") {
		t.Errorf("the error does not say the disk is full: %v", err)
	}
	t.Logf("disk full: %v", err)
	integrityOK(t, e.db)
	keep.check(t, e)
	if after := dump(t, e.db, s.MachineID(), false); len(after) < len(before) {
		t.Errorf("%d rows before, %d after", len(before), len(after))
	}
	if _, err := e.db.W().Exec(`PRAGMA max_page_count = 4294967294`); err != nil {
		t.Fatal(err)
	}
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	integrityOK(t, e.db)
}

// i. A database that has become read-only between two runs, the file
// alone or the whole folder (lock file included): the next run fails with an
// error that says so, and the file, made writable again, passes
// integrity_check, holds the last good state, and syncs exactly.
func TestFaultReadOnlyDatabase(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not stop root from writing (run the test binary as another user to see it)")
	}
	for _, scope := range []string{"file", "folder"} {
		t.Run(scope, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "m.db")
			f, err := plextest.Start(strict(plextest.Options{Seed: 40, Tracks: 200}, opts()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(f.Close)
			e := attachEnv(t, f, path, opts())
			e.sync(true, false)
			s := f.Owned()
			mutateSome(t, s)
			before := dump(t, e.db, s.MachineID(), false)
			if err := e.db.Close(); err != nil {
				t.Fatal(err)
			}
			files := []string{path}
			dirMode := os.FileMode(0o700)
			if scope == "folder" {
				files, _ = filepath.Glob(path + "*")
				dirMode = 0o500
			}
			protect := func(file, dm os.FileMode) {
				for _, p := range files {
					if err := os.Chmod(p, file); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Chmod(dir, dm); err != nil {
					t.Fatal(err)
				}
			}
			protect(0o400, dirMode)
			t.Cleanup(func() { protect(0o600, 0o700) })

			var runErr error
			d, err := db.Open(context.Background(), path, db.Options{})
			if err != nil {
				runErr = err // refused at open: as clear, and nothing was touched
			} else {
				ro := attachDB(t, e, d)
				_, runErr = syncOwned(ro, false)
				_ = d.Close()
			}
			if runErr == nil {
				t.Fatal("a run on a read-only database reported success")
			}
			if msg := strings.ToLower(runErr.Error()); !strings.Contains(msg, "readonly") && !strings.Contains(msg, "read-only") &&
				!strings.Contains(msg, "permission denied") {
				t.Errorf("the error does not say the database cannot be written: %v", runErr)
			}
			t.Logf("read-only %s: %v", scope, runErr)

			protect(0o600, 0o700)
			e = attachEnv(t, f, path, opts())
			integrityOK(t, e.db)
			sameRows(t, "rows after the read-only run", dump(t, e.db, s.MachineID(), false), before)
			e.sync(false, false)
			assertMirror(t, e.db, f)
		})
	}
}

// attachDB is e with its database replaced by d.
func attachDB(t testing.TB, e *env, d *db.DB) *env {
	t.Helper()
	ne := &env{t: t, fake: e.fake, db: d, client: e.client}
	ne.clock.Store(e.clock.Load())
	ne.syncer = mirror.New(d, e.client, mirror.Options{PageSize: 37, Concurrency: 3, BatchRows: 100,
		Now: func() time.Time { return time.Unix(ne.clock.Add(1), 0) }})
	var err error
	ne.servers, err = ne.syncer.Servers(context.Background(), secret.New(e.fake.AccountToken()), nil, nil)
	if err != nil {
		ne.servers = e.servers
	}
	return ne
}
