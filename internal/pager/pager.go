// Package pager lists a Plex query completely: several pages in flight, each
// checked against the listing, so a listing it reports finished is whole. It
// is the only pager: plex serves single pages and does not judge them, and
// the mirror and restore both need a listing they can trust.
package pager

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/plexm8/plexm8-sync/internal/plex"
)

// Source serves the pages of a listing. *plex.Server is the real one; the
// pager's own tests use a fake, so every page outcome can be staged.
type Source interface {
	Page(ctx context.Context, q plex.Query, start, size int) (plex.Page, error)
}

// Listing lists one query with several pages in flight. Pages are converted
// on the goroutine that fetched them (decoding and row building stay off the
// single writer), then handed to Use on the caller's goroutine in arrival
// order. Every page is checked against the listing's total, its offset and
// its expected length, so the pages handed to Use cover the listing exactly
// once, without gaps: that is what lets a caller trust a listing as complete.
type Listing[T any] struct {
	Source      Source
	Query       plex.Query
	Size        int             // items asked per page
	Concurrency int             // pages in flight
	Started     func(total int) // told the total before the first Use
	Convert     func(plex.Page) (T, error)
	Use         func(T) error
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

// Run lists the query. known is the total when the caller knows it already
// (a count taken moments before): then every page, the first included, is
// fetched at once. Otherwise (known < 0) the first page is fetched alone to
// learn the total and the page size the server really serves.
//
// Run returns nil only when every page was fetched, checked and handed to
// Use, and ctx was not cancelled meanwhile: nil is what lets a caller mark
// unlisted rows removed, so a stopped listing must never look like a
// finished one.
func (pg *Listing[T]) Run(ctx context.Context, known int) error {
	if known < 0 {
		first, err := pg.Source.Page(ctx, pg.Query, 0, pg.Size)
		if err != nil {
			return err
		}
		total := first.TotalSize
		step := pg.Size
		if first.Size < step && first.Size < total {
			step = first.Size
		}
		if step <= 0 && total > 0 {
			return fmt.Errorf("%w: server returned an empty first page of %d items", plex.ErrInconsistent, total)
		}
		pg.Started(total)
		if err := checkPage(first, 0, step, total); err != nil {
			return err
		}
		v, err := pg.Convert(first)
		if err == nil {
			err = pg.Use(v)
		}
		if err != nil {
			return err
		}
		return pg.fanout(ctx, step, step, total)
	}
	pg.Started(known)
	err := pg.fanout(ctx, 0, pg.Size, known)
	var short errShort
	if errors.As(err, &short) && short.n < pg.Size {
		// Start again at the size the server serves. What was already
		// handed to Use is handed again: callers' writes are idempotent.
		return pg.fanout(ctx, 0, short.n, known)
	}
	return err
}

// fanout fetches the pages at from, from+step, ... below total. Every page a
// fetcher claims is handed over, page or error, and the pages used are
// counted: whatever stops the fetchers, fewer than all is an error.
func (pg *Listing[T]) fanout(ctx context.Context, from, step, total int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if from >= total {
		return nil
	}
	pages := (total - from + step - 1) / step
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A fetcher always hands its outcome over, even once ctx is done: the
	// loop below receives until the channel closes, so the send cannot
	// block for good, and the buffer bounds how far fetching runs ahead of
	// Use (pages must not pile up in memory).
	out := make(chan fetched[T], pg.Concurrency)
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range min(pg.Concurrency, pages) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				start := int(next.Add(int64(step))) - step
				if start >= total {
					return
				}
				p, err := pg.Source.Page(ctx, pg.Query, start, step)
				if err == nil {
					err = checkPage(p, start, step, total)
				}
				var v T
				if err == nil {
					v, err = pg.Convert(p)
				}
				out <- fetched[T]{v, err}
				if err != nil {
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()

	var firstErr error
	used := 0
	for f := range out {
		if firstErr != nil {
			continue // drain so the fetchers can exit
		}
		if f.err == nil {
			f.err = pg.Use(f.v)
		}
		if f.err != nil {
			firstErr = f.err
			cancel()
			continue
		}
		used++
	}
	switch {
	case firstErr != nil:
		return firstErr
	case ctx.Err() != nil:
		// Fetchers stop claiming pages once ctx is done; even if all were
		// used, the caller's next step would find ctx done.
		return fmt.Errorf("listing stopped after %d of %d pages: %w", used, pages, ctx.Err())
	case used != pages:
		return fmt.Errorf("listing ended after %d of %d pages", used, pages)
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
	case len(p.Items) < want && len(p.Items) > 0:
		return errShort{n: len(p.Items), want: want, start: start}
	case len(p.Items) != want:
		return fmt.Errorf("%w: page at %d has %d items, want %d", plex.ErrInconsistent, start, len(p.Items), want)
	}
	return nil
}
