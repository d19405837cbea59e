package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"sync/atomic"

	"github.com/plexm8/plexm8-sync/internal/plex"
)

// pager lists one query with several pages in flight. Pages are converted on
// the goroutine that fetched them (decoding and row building stay off the
// single writer), then handed to use on the caller's goroutine in arrival
// order. Every page is checked against the listing's total, its offset and
// its expected length, so the pages handed to use cover the listing exactly
// once, without gaps: that is what lets a caller trust a listing as complete.
type pager[T any] struct {
	srv     *plex.Server
	q       plex.Query
	size    int             // items asked per page
	conc    int             // pages in flight
	started func(total int) // told the total before the first use
	convert func(plex.Page) (T, error)
	use     func(T) error
}

type fetched[T any] struct {
	v   T
	err error
}

// errShort is a page with fewer items than asked although more exist and the
// total did not move: the server caps its page size below what was asked.
// Where that cannot be recovered from, it is an inconsistent listing.
type errShort struct{ n, want, start int }

func (e errShort) Error() string {
	return fmt.Sprintf("%v: page at %d has %d items, want %d", plex.ErrInconsistent, e.start, e.n, e.want)
}

func (e errShort) Unwrap() error { return plex.ErrInconsistent }

// run lists the query. known is the total when the caller knows it already
// (a count taken moments before): then every page, the first included, is
// fetched at once. Otherwise (known < 0) the first page is fetched alone to
// learn the total and the page size the server really serves.
func (pg *pager[T]) run(ctx context.Context, known int) error {
	if known < 0 {
		first, err := pg.srv.Page(ctx, pg.q, 0, pg.size)
		if err != nil {
			return err
		}
		total := first.TotalSize
		step := pg.size
		if first.Size < step && first.Size < total {
			step = first.Size
		}
		if step <= 0 && total > 0 {
			return fmt.Errorf("%w: server returned an empty first page of %d items", plex.ErrInconsistent, total)
		}
		pg.started(total)
		if err := checkPage(first, 0, step, total); err != nil {
			return err
		}
		v, err := pg.convert(first)
		if err == nil {
			err = pg.use(v)
		}
		if err != nil {
			return err
		}
		return pg.fanout(ctx, step, step, total)
	}
	pg.started(known)
	err := pg.fanout(ctx, 0, pg.size, known)
	var short errShort
	if errors.As(err, &short) && short.n < pg.size {
		// Start again at the size the server serves. What was already
		// handed to use is handed again: callers' writes are idempotent.
		return pg.fanout(ctx, 0, short.n, known)
	}
	return err
}

// fanout fetches the pages at from, from+step, ... below total.
func (pg *pager[T]) fanout(ctx context.Context, from, step, total int) error {
	if from >= total {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched[T], pg.conc)
	var next atomic.Int64
	next.Store(int64(from))
	var wg gosync.WaitGroup
	for range min(pg.conc, (total-from+step-1)/step) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(int64(step))) - step
				if start >= total {
					return
				}
				p, err := pg.srv.Page(ctx, pg.q, start, step)
				if err == nil {
					err = checkPage(p, start, step, total)
				}
				var v T
				if err == nil {
					v, err = pg.convert(p)
				}
				select {
				case pages <- fetched[T]{v, err}:
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

	var firstErr error
	for f := range pages {
		if firstErr != nil {
			continue // drain so the fetchers can exit
		}
		if f.err == nil {
			f.err = pg.use(f.v)
		}
		if f.err != nil {
			firstErr = f.err
			cancel()
		}
	}
	return firstErr
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
	case len(p.Items) < want && len(p.Items) > 0:
		return errShort{n: len(p.Items), want: want, start: start}
	case len(p.Items) != want:
		return fmt.Errorf("%w: page at %d has %d items, want %d", plex.ErrInconsistent, start, len(p.Items), want)
	}
	return nil
}
