package sync

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// playlistJob is a playlist whose items are to be refetched.
type playlistJob struct {
	key, title, sig string
	count           int // leafCount, or -1 when not sent
}

// playlists mirrors every playlist of the server and the items of its audio
// playlists. Items are refetched on a full pass and when the playlist's
// signals (updatedAt, leafCount, duration) moved. A smart playlist's items
// change without its updatedAt moving, whenever the library does: they are
// also refetched when libraryChanged delivers true, that is when any section
// of the server was reconciled in this pass. Rules on per-user fields (plays,
// ratings) wait for the scheduled full pass, like those fields themselves.
func (s *Syncer) playlists(ctx context.Context, srv *plex.Server, full bool, libraryChanged <-chan bool, r *Result) error {
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
	if <-libraryChanged {
		for _, j := range waiting {
			run(j)
		}
	} else {
		for range waiting {
			r.skip()
		}
	}
	wg.Wait()
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
	complete := true
	for page, err := range srv.Walk(ctx, plex.AllPlaylists(), s.o.PageSize) {
		if err != nil {
			// Keep what was listed; without the whole list nothing is removed.
			r.problem(fmt.Errorf("list playlists: %w", err))
			complete = false
			break
		}
		rows := make([]db.Row, len(page.Items))
		for i := range page.Items {
			if !page.Items[i].RatingKey.Valid || page.Items[i].RatingKey.V == "" {
				return nil, nil, fmt.Errorf("server sent a playlist without ratingKey at offset %d", page.Offset+i)
			}
			rows[i] = db.PlaylistRow(playlistRow(serverID, &page.Items[i]))
		}
		tx, err := s.db.Begin(ctx)
		if err != nil {
			return nil, nil, err
		}
		changes, err := tx.PutPage(ctx, rows, true)
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
		for i := range page.Items {
			m := &page.Items[i]
			if m.PlaylistType.V != "audio" {
				continue
			}
			// A reorder in the second of this read leaves all three as
			// they are: such a signature is stored unsettled (settle.go).
			sig := newSignature(fmt.Sprintf("%s|%s|%s", optInt(m.UpdatedAt), optInt(m.LeafCount), optInt(m.Duration)),
				page.Date, s.o.Now(), m.UpdatedAt)
			j := playlistJob{m.RatingKey.V, m.Title.V, sig.stored(), -1}
			if m.LeafCount.Valid {
				j.count = int(m.LeafCount.V)
			}
			if full {
				jobs = append(jobs, j)
				continue
			}
			old, err := s.db.State(ctx, serverID, "playlist:"+j.key)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case !sig.matches(old):
				jobs = append(jobs, j)
			case m.Smart.V:
				waiting = append(waiting, j)
			default:
				r.skip()
			}
		}
	}
	if complete {
		tx, err := s.db.Begin(ctx)
		if err != nil {
			return nil, nil, err
		}
		n, err := tx.MarkUnseenRemoved(ctx, db.KindPlaylist, serverID, "", s.o.Now().Unix())
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

// itemPage is a page of playlist items and where it starts.
type itemPage struct {
	offset int
	items  []db.PlaylistItem
}

// playlistItems fetches one playlist's items whole into the stage, then
// replaces the stored ones in one transaction. A failed fetch changes
// nothing. known is the item count the playlist listing gave (leafCount), or
// -1.
func (s *Syncer) playlistItems(ctx context.Context, srv *plex.Server, serverID, key, sig string, known int) (db.ItemDiff, error) {
	var total int
	// Pages arrive in any order; the pager hands over each offset once, so
	// the stage ends up whole.
	pg := pager[itemPage]{srv: srv, q: plex.PlaylistItems(key), size: srv.PageSize(s.o.PageSize), conc: s.o.Concurrency,
		started: func(t int) { total = t },
		convert: func(p plex.Page) (itemPage, error) {
			ip := itemPage{offset: p.Offset, items: make([]db.PlaylistItem, len(p.Items))}
			for i := range p.Items {
				ip.items[i] = playlistItem(&p.Items[i])
			}
			return ip, nil
		},
		use: func(ip itemPage) error { return s.db.StageItems(ctx, key, ip.offset, ip.items) },
	}
	if err := pg.run(ctx, known); err != nil {
		_ = s.db.DropStaged(context.WithoutCancel(ctx), key)
		return db.ItemDiff{}, fmt.Errorf("list items: %w", err)
	}
	return s.db.ReplacePlaylistItems(ctx, serverID, key, total, sig, s.o.Now().Unix())
}
