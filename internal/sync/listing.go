package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"sync/atomic"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// listing pages one kind of a section into the mirror: fetchers pull pages
// concurrently, the calling goroutine is the single writer.
type listing struct {
	s        *Syncer
	srv      *plex.Server
	serverID string
	section  string
	kind     db.Kind
	track    bool // record listed keys for removal marking
	counts   *Counts
}

type fetched struct {
	page plex.Page
	err  error
}

// run lists q completely. The listing is inconsistent if the server's totalSize moves away from what the
// first page said, if any page is short or misplaced, or (when keys are
// tracked) if fewer distinct keys arrived than totalSize promised.
func (l *listing) run(ctx context.Context, q plex.Query, phase string) error {
	o := l.s.o
	first, err := l.srv.Page(ctx, q, 0, o.PageSize)
	if err != nil {
		return err
	}
	total := first.TotalSize
	o.Progress.Start(phase, total)
	defer o.Progress.Finish()
	// Servers may cap the page size below what was asked; the first page
	// tells the step every later page will have.
	step := o.PageSize
	if first.Size < step && first.Size < total {
		step = first.Size
	}
	if step <= 0 && total > 0 {
		return fmt.Errorf("%w: server returned an empty first page of %d items", plex.ErrInconsistent, total)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched, o.Concurrency)
	var next atomic.Int64
	next.Store(int64(step))
	var wg gosync.WaitGroup
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(int64(step))) - step
				if start >= total {
					return
				}
				p, err := l.srv.Page(ctx, q, start, step)
				if err == nil {
					err = checkPage(p, start, step, total)
				}
				select {
				case pages <- fetched{p, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(pages) }()

	w := writer{l: l}
	defer w.abort()
	if err := checkPage(first, 0, step, total); err != nil {
		return err
	}
	if err := w.write(ctx, first.Items); err != nil {
		return err
	}
	var firstErr error
	for f := range pages {
		if firstErr != nil {
			continue // drain so fetchers can exit
		}
		if f.err != nil {
			firstErr = f.err
			cancel()
			continue
		}
		if err := w.write(ctx, f.page.Items); err != nil {
			firstErr = err
			cancel()
		}
	}
	// Rows already written stay: they are what the server said, and keeping
	// them is never destructive. Only removal needs the listing whole.
	if err := w.commit(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return firstErr
	}
	if l.track {
		n, err := l.s.db.SeenCount(ctx, l.kind)
		if err != nil {
			return err
		}
		if n != total {
			return fmt.Errorf("%w: listed %d distinct items of %d (the library changed during the listing)", plex.ErrInconsistent, n, total)
		}
	}
	return nil
}

// checkPage verifies a page sits where it was asked for and agrees on the
// total, which is how drift during a listing is caught.
func checkPage(p plex.Page, start, step, total int) error {
	want := min(step, total-start)
	switch {
	case p.TotalSize != total:
		return fmt.Errorf("%w: totalSize changed from %d to %d during the listing", plex.ErrInconsistent, total, p.TotalSize)
	case p.Offset != start:
		return fmt.Errorf("%w: asked for offset %d, got %d", plex.ErrInconsistent, start, p.Offset)
	case len(p.Items) != want:
		return fmt.Errorf("%w: page at %d has %d items, want %d", plex.ErrInconsistent, start, len(p.Items), want)
	}
	return nil
}

// writer batches upserts into transactions of BatchRows rows.
type writer struct {
	l  *listing
	tx *db.Tx
}

func (w *writer) write(ctx context.Context, items []plex.Metadata) error {
	l := w.l
	for i := range items {
		if w.tx == nil {
			tx, err := l.s.db.Begin(ctx)
			if err != nil {
				return err
			}
			w.tx = tx
		}
		m := &items[i]
		if !m.RatingKey.Valid || m.RatingKey.V == "" {
			return errors.New("server sent an item without ratingKey")
		}
		var ch db.Change
		var err error
		switch l.kind {
		case db.KindArtist:
			ch, err = w.tx.UpsertArtist(ctx, artistRow(l.serverID, l.section, m))
		case db.KindAlbum:
			ch, err = w.tx.UpsertAlbum(ctx, albumRow(l.serverID, l.section, m))
		case db.KindTrack:
			ch, err = w.tx.UpsertTrack(ctx, trackRow(l.serverID, l.section, m))
		}
		if err != nil {
			return err
		}
		l.counts.add(ch)
		if l.track {
			if err := w.tx.MarkSeen(ctx, l.kind, m.RatingKey.V); err != nil {
				return err
			}
		}
		if w.tx.Rows() >= l.s.o.BatchRows {
			if err := w.commit(); err != nil {
				return err
			}
		}
	}
	l.s.o.Progress.Add(len(items))
	return nil
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

func (w *writer) abort() {
	if w.tx != nil {
		w.tx.Rollback()
	}
}
