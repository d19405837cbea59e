package sync

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// playlists mirrors every playlist of the server and the items of its audio
// playlists. Items are refetched when the playlist's signals moved, on a
// full pass, and always for smart playlists, whose contents change without
// their updatedAt moving.
func (s *Syncer) playlists(ctx context.Context, srv *plex.Server, full bool, r *Result) error {
	serverID := srv.Resource().ClientIdentifier
	if err := s.db.StartListing(ctx); err != nil {
		return err
	}
	type job struct {
		key, title, sig string
	}
	var jobs []job
	counts := r.counts(db.KindPlaylist)
	complete := true
	for page, err := range srv.Walk(ctx, plex.AllPlaylists(), s.o.PageSize) {
		if err != nil {
			// Keep what was listed; without the whole list nothing is removed.
			r.Problems = append(r.Problems, fmt.Errorf("list playlists: %w", err))
			complete = false
			break
		}
		tx, err := s.db.Begin(ctx)
		if err != nil {
			return err
		}
		for i := range page.Items {
			m := &page.Items[i]
			ch, err := tx.UpsertPlaylist(ctx, playlistRow(serverID, m))
			if err == nil {
				err = tx.MarkSeen(ctx, db.KindPlaylist, m.RatingKey.V)
			}
			if err != nil {
				tx.Rollback()
				return err
			}
			counts.add(ch)
			if m.PlaylistType.V != "audio" {
				continue
			}
			sig := fmt.Sprintf("%s|%s|%s", optInt(m.UpdatedAt), optInt(m.LeafCount), optInt(m.Duration))
			if !full && !m.Smart.V {
				old, err := s.db.State(ctx, serverID, "playlist:"+m.RatingKey.V)
				if err != nil {
					tx.Rollback()
					return err
				}
				if old == sig {
					r.Skipped++
					continue
				}
			}
			jobs = append(jobs, job{m.RatingKey.V, m.Title.V, sig})
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if complete {
		tx, err := s.db.Begin(ctx)
		if err != nil {
			return err
		}
		n, err := tx.MarkUnseenRemoved(ctx, db.KindPlaylist, serverID, "", s.o.Now().Unix())
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return err
		}
		counts.Removed += n
	}

	// Item fetches run side by side; each playlist's replacement is its own
	// transaction, so one failing playlist leaves the others complete.
	items := r.counts("playlist_items")
	var mu gosync.Mutex
	sem := make(chan struct{}, s.o.Concurrency)
	var wg gosync.WaitGroup
	s.o.Progress.Start("playlists", len(jobs))
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			diff, err := s.playlistItems(ctx, srv, serverID, j.key, j.sig)
			mu.Lock()
			defer mu.Unlock()
			s.o.Progress.Add(1)
			if err != nil {
				r.Problems = append(r.Problems, fmt.Errorf("playlist %q: %w", j.title, err))
				return
			}
			items.Added += diff.Added
			items.Removed += diff.Removed
			items.Updated += diff.Moved
		}()
	}
	wg.Wait()
	s.o.Progress.Finish()
	return nil
}

// playlistItems fetches one playlist's items whole, then replaces the stored
// ones in one transaction. A failed fetch changes nothing.
func (s *Syncer) playlistItems(ctx context.Context, srv *plex.Server, serverID, key, sig string) (db.ItemDiff, error) {
	var items []db.PlaylistItem
	for page, err := range srv.Walk(ctx, plex.PlaylistItems(key), s.o.PageSize) {
		if err != nil {
			return db.ItemDiff{}, fmt.Errorf("list items: %w", err)
		}
		for i := range page.Items {
			items = append(items, playlistItem(&page.Items[i]))
		}
	}
	return s.db.ReplacePlaylistItems(ctx, serverID, key, items, sig, s.o.Now().Unix())
}
