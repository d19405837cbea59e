package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/pager"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// playlistJob is a playlist whose items are to be refetched.
type playlistJob struct {
	key, title, sig string
	count           int    // leafCount, or -1 when not sent
	content         string // a smart playlist's rules
}

// libraryChange is what a pass's sections did, as the smart playlists need
// to know it: for each section reconciled (or removed), the tracks its
// delta touched, or nil when those are not known: a complete listing, a
// delta that failed or fell back, a section removed with all its rows.
type libraryChange struct {
	sections map[string]*db.Touched
}

// mayChange reports whether the change could have reached the items of a
// smart playlist with these rules, and why (smartrule.go has the argument).
func (c libraryChange) mayChange(content string) (bool, string) {
	if len(c.sections) == 0 {
		return false, "no section changed"
	}
	rule, err := parseSmartRule(content)
	if err != nil {
		return true, err.Error()
	}
	touched, ok := c.sections[rule.section]
	switch {
	case !ok:
		return false, "its section did not change"
	case touched == nil:
		return true, "its section was listed completely"
	}
	for i := range touched.Tracks {
		if rule.mayMatch(&touched.Tracks[i]) {
			return true, "a changed track may match its rules"
		}
	}
	return false, fmt.Sprintf("none of the %d changed track versions matches its rules", len(touched.Tracks))
}

// playlists mirrors every playlist of the server and the items of its audio
// playlists. Items are refetched on a full pass and when the playlist's
// signals (updatedAt, leafCount, duration) moved. A smart playlist's items
// change without its updatedAt moving, whenever the library does: they are
// also refetched when what libraryChanged delivers could have reached them
// (libraryChange.mayChange). Rules on per-user fields (plays, ratings) wait
// for the scheduled full pass, like those fields themselves.
func (s *Syncer) playlists(ctx context.Context, srv *plex.Server, full bool, libraryChanged <-chan libraryChange, r *Result) error {
	serverID := srv.Resource().ClientIdentifier
	jobs, waiting, err := s.listPlaylists(ctx, srv, full, r)
	if err != nil {
		<-libraryChanged
		return err
	}

	// Item fetches run side by side; each playlist's replacement is its own
	// transaction, so one failing playlist leaves the others complete.
	items := r.Counts[itemsTable]
	var mu gosync.Mutex
	sem := make(chan struct{}, s.o.Concurrency)
	var wg gosync.WaitGroup
	run := func(j playlistJob) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			diff, err := s.playlistItems(ctx, srv, serverID, j.key, j.sig, j.count)
			if err != nil {
				// A smart playlist refetched for a change its signature does
				// not show would otherwise be skipped by the next pass,
				// which no longer sees that change.
				if ferr := s.db.ForgetState(context.WithoutCancel(ctx), serverID, db.PlaylistScope(j.key)); ferr != nil {
					err = errors.Join(err, ferr)
				}
				r.problem(fmt.Errorf("playlist %q: %w", j.title, err))
				return
			}
			mu.Lock()
			defer mu.Unlock()
			items.Added += diff.Added
			items.Removed += diff.Removed
			items.Updated += diff.Moved
		}()
	}
	for _, j := range jobs {
		run(j)
	}
	change := <-libraryChanged
	for _, j := range waiting {
		refetch, why := change.mayChange(j.content)
		s.o.Logger.Debug("smart playlist", "playlist", j.title, "refetch", refetch, "reason", why)
		if refetch {
			run(j)
		} else {
			r.skip()
		}
	}
	wg.Wait()
	if s.o.KeepVersions > 0 {
		if _, err := s.db.PruneHistory(ctx, serverID, s.o.KeepVersions); err != nil {
			r.problem(fmt.Errorf("prune playlist history: %w", err))
		}
	}
	return nil
}

// listPlaylists stores the playlist rows, one transaction per page, and
// marks playlists the complete listing did not meet as removed (their items
// stay, for history). It returns the audio playlists whose items must be
// refetched, and the smart ones that must be if the library changed.
func (s *Syncer) listPlaylists(ctx context.Context, srv *plex.Server, full bool, r *Result) (jobs, waiting []playlistJob, err error) {
	serverID := srv.Resource().ClientIdentifier
	if err := s.db.StartListing(ctx, db.KindPlaylist); err != nil {
		return nil, nil, err
	}
	counts := r.counts(db.KindPlaylist)
	var total int
	var fatal error // a failed write: unlike a failed listing, it stops the playlists
	pg := pager.Listing[playlistPage]{Source: srv, Query: plex.AllPlaylists(), Size: srv.PageSize(s.o.PageSize), Concurrency: s.o.Concurrency,
		Started: func(t int) { total = t },
		Convert: func(page plex.Page) (playlistPage, error) {
			rows := make([]db.Row, len(page.Items))
			for i := range page.Items {
				if !page.Items[i].RatingKey.Valid || page.Items[i].RatingKey.V == "" {
					return playlistPage{}, fmt.Errorf("server sent a playlist without ratingKey at offset %d", page.Offset+i)
				}
				rows[i] = db.PlaylistRow(playlistRow(serverID, &page.Items[i]))
			}
			return playlistPage{page, rows}, nil
		},
		Use: func(pp playlistPage) error {
			jj, ww, err := s.storePlaylists(ctx, serverID, pp, full, counts, r)
			jobs, waiting = append(jobs, jj...), append(waiting, ww...)
			fatal = err
			return err
		},
	}
	err = pg.Run(ctx, -1)
	if fatal != nil {
		return nil, nil, fatal
	}
	if err == nil {
		var n int
		if n, err = s.db.SeenCount(ctx, db.KindPlaylist); err != nil {
			return nil, nil, err
		}
		err = distinct(n, total)
	}
	if err == nil {
		err = s.confirmGone(ctx, srv, serverID)
	}
	if err != nil {
		// Keep what was listed; without the whole list nothing is removed.
		r.problem(fmt.Errorf("list playlists: %w", err))
	} else {
		tx, err := s.db.Begin(ctx)
		if err != nil {
			return nil, nil, err
		}
		now := s.o.Now().Unix()
		n, err := tx.MarkUnseenRemoved(ctx, db.KindPlaylist, serverID, "", now)
		if err == nil {
			// A deleted playlist's history ends with a "deleted" version,
			// written with the mark.
			_, err = tx.RecordDeleted(ctx, serverID, now)
		}
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return nil, nil, err
		}
		counts.Removed += n
	}
	return jobs, waiting, nil
}

// confirmGone asks the server for each current playlist the listing did not
// meet, before any is marked removed. A playlist deleted before a page
// boundary and another created after it, between two pages, keep the total
// and the distinct count right while a third slides back past the boundary
// unseen: only the server's 404 tells a deleted playlist from a missed one.
// Any playlist that still answers makes the listing inconsistent; any other
// failure leaves the question open. Either way nothing is removed this pass.
func (s *Syncer) confirmGone(ctx context.Context, srv *plex.Server, serverID string) error {
	keys, err := s.db.UnseenPlaylists(ctx, serverID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		_, err := srv.Playlist(ctx, k)
		switch {
		case errors.Is(err, plex.ErrNotFound):
		case err == nil:
			return fmt.Errorf("%w: playlist %s exists but the listing did not meet it (the playlists changed during the listing)", plex.ErrInconsistent, k)
		default:
			return fmt.Errorf("confirm playlist %s is gone: %w", k, err)
		}
	}
	return nil
}

// playlistPage is a page of the playlist listing and its rows.
type playlistPage struct {
	page plex.Page
	rows []db.Row
}

// storePlaylists writes a page of playlists in one transaction and sorts its
// audio playlists into those whose items must be refetched (jobs), those that
// must be if the library changed (waiting), and those skipped.
func (s *Syncer) storePlaylists(ctx context.Context, serverID string, pp playlistPage, full bool, counts *Counts, r *Result) (jobs, waiting []playlistJob, err error) {
	page := pp.page
	// Which playlists get their items refetched is decided first: the
	// others have their history (a new title, a first version) recorded
	// with their rows, in the page's transaction.
	var listed []string
	for i := range page.Items {
		m := &page.Items[i]
		if m.PlaylistType.V != "audio" {
			continue
		}
		// A reorder in the second of this read leaves all three as they
		// are: such a signature is stored unsettled (settle.go).
		sig := newSignature(fmt.Sprintf("%s|%s|%s", optInt(m.UpdatedAt), optInt(m.LeafCount), optInt(m.Duration)),
			page.Date, s.o.Now(), m.UpdatedAt)
		j := playlistJob{key: m.RatingKey.V, title: m.Title.V, sig: sig.stored(), count: -1, content: m.Content.V}
		if m.LeafCount.Valid {
			j.count = int(m.LeafCount.V)
		}
		if full {
			jobs = append(jobs, j)
			continue
		}
		old, err := s.db.State(ctx, serverID, db.PlaylistScope(j.key))
		if err != nil {
			return nil, nil, err
		}
		switch {
		case !sig.matches(old):
			jobs = append(jobs, j)
			continue
		case m.Smart.V:
			waiting = append(waiting, j)
		default:
			r.skip()
		}
		listed = append(listed, j.key)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	changes, err := tx.PutPage(ctx, pp.rows, true)
	if err == nil {
		_, err = tx.RecordListed(ctx, serverID, listed, s.o.Now().Unix())
	}
	if err == nil {
		err = tx.Commit()
	}
	tx.Rollback()
	if err != nil {
		return nil, nil, err
	}
	for _, ch := range changes {
		counts.add(ch)
	}
	return jobs, waiting, nil
}

// itemPage is a page of playlist items and where it starts.
type itemPage struct {
	offset int
	items  []db.Entry
}

// playlistItems fetches one playlist's items whole into the stage, then
// replaces the stored ones, and records a history version if they or the
// playlist's title or rules changed, in one transaction. A failed fetch changes
// nothing. known is the item count the playlist listing gave (leafCount), or
// -1.
//
// Most refetches find the items as they were (a smart playlist refetched
// because the library changed, every playlist on a full pass), so pages that
// match the stored items are held rather than staged: if every position
// matched, only the signature is written. The first page that differs, or
// too many held, stages what was held and the rest as it comes.
func (s *Syncer) playlistItems(ctx context.Context, srv *plex.Server, serverID, key, sig string, known int) (db.ItemDiff, error) {
	stored, err := s.db.PlaylistItemKeys(ctx, serverID, key)
	if err != nil {
		return db.ItemDiff{}, err
	}
	st := &itemStage{s: s, serverID: serverID, key: key, stored: stored, holding: len(stored) > 0,
		seen: make([]bool, len(stored))}
	var total int
	// Pages arrive in any order; the pager hands over each offset once, so
	// the stage ends up whole.
	pg := pager.Listing[itemPage]{Source: srv, Query: plex.PlaylistItems(key), Size: srv.PageSize(s.o.PageSize), Concurrency: s.o.Concurrency,
		Started: func(t int) { total = t },
		Convert: func(p plex.Page) (itemPage, error) {
			ip := itemPage{offset: p.Offset, items: make([]db.Entry, len(p.Items))}
			for i := range p.Items {
				ip.items[i] = playlistItem(&p.Items[i])
			}
			return ip, nil
		},
		Use: func(ip itemPage) error { return st.use(ctx, ip) },
	}
	if err := pg.Run(ctx, known); err != nil {
		_ = s.db.DropStaged(context.WithoutCancel(ctx), serverID, key)
		return db.ItemDiff{}, fmt.Errorf("list items: %w", err)
	}
	if st.holding && total == len(stored) && st.matched == total {
		kept, err := s.db.KeepPlaylistItems(ctx, serverID, key, total, sig, s.o.Now().Unix())
		if err != nil || kept {
			return db.ItemDiff{}, err
		}
	}
	if err := st.flush(ctx); err != nil {
		_ = s.db.DropStaged(context.WithoutCancel(ctx), serverID, key)
		return db.ItemDiff{}, err
	}
	return s.db.ReplacePlaylistItems(ctx, serverID, key, total, sig, s.o.Now().Unix())
}

// maxHeldItems bounds the items a refetch holds in memory while they match
// the stored ones (some 400 bytes each).
const maxHeldItems = 100_000

// itemStage is where a refetch's pages go: held while they match the
// stored items position by position, staged in the database from the first
// page that does not.
type itemStage struct {
	s             *Syncer
	serverID, key string
	stored        []db.PlaylistItem
	holding       bool
	held          []itemPage
	nheld         int
	seen          []bool // stored positions a held page matched
	matched       int    // distinct positions matched
}

func (st *itemStage) use(ctx context.Context, ip itemPage) error {
	if st.holding {
		if st.nheld+len(ip.items) <= maxHeldItems && st.matches(ip) {
			st.held = append(st.held, ip)
			st.nheld += len(ip.items)
			return nil
		}
		if err := st.flush(ctx); err != nil {
			return err
		}
	}
	return st.s.db.StageEntries(ctx, st.serverID, st.key, ip.offset, ip.items)
}

// matches reports whether the page holds the stored items at its
// positions, and marks them seen.
func (st *itemStage) matches(ip itemPage) bool {
	if ip.offset < 0 || ip.offset+len(ip.items) > len(st.stored) {
		return false
	}
	for i := range ip.items {
		a, b := &ip.items[i].PlaylistItem, &st.stored[ip.offset+i]
		if a.TrackRatingKey != b.TrackRatingKey || a.PlaylistItemID != b.PlaylistItemID {
			return false
		}
	}
	for i := range ip.items {
		if p := ip.offset + i; !st.seen[p] {
			st.seen[p] = true
			st.matched++
		}
	}
	return true
}

// flush stages the held pages and stops holding.
func (st *itemStage) flush(ctx context.Context) error {
	st.holding = false
	for _, ip := range st.held {
		if err := st.s.db.StageEntries(ctx, st.serverID, st.key, ip.offset, ip.items); err != nil {
			return err
		}
	}
	st.held, st.nheld = nil, 0
	return nil
}
