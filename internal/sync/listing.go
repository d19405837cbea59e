package sync

import (
	"context"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/pager"
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

// run lists q completely; known is the count taken for the signature, or
// -1. The listing is inconsistent if any page disagrees on the total, is
// short or misplaced, or if fewer distinct items arrived than the total
// promised.
func (l *listing) run(ctx context.Context, q plex.Query, known int, phase string) error {
	o := l.s.o
	w := writer{l: l}
	defer w.abort()
	var total int
	pg := pager.Listing[[]db.Row]{Source: l.srv, Query: q, Size: l.srv.PageSize(o.PageSize), Concurrency: o.Concurrency,
		Started: func(t int) {
			total = t
			o.Progress.Start(phase, total)
		},
		Convert: l.rows,
		Use:     func(rows []db.Row) error { return w.write(ctx, rows) },
	}
	err := pg.Run(ctx, known)
	o.Progress.Finish()
	// Rows already written stay: they are what the server said, and keeping
	// them is never destructive. Only removal needs the listing whole.
	if cerr := w.commit(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Count what the listing really delivered: the keys it met, or, for a
	// load into an empty section, the section's current rows.
	var n int
	if l.track {
		n, err = l.s.db.SeenCount(ctx, l.kind)
	} else {
		n, err = l.s.db.CountCurrent(ctx, l.kind, l.serverID, l.section)
	}
	if err != nil {
		return err
	}
	return distinct(n, total)
}

// distinct fails with ErrInconsistent unless the listing delivered as many
// distinct items as its pages promised: pages that agree on the total still
// miss an item when one was removed and another added between them.
func distinct(n, total int) error {
	if n != total {
		return fmt.Errorf("%w: listed %d distinct items of %d (the library changed during the listing)", plex.ErrInconsistent, n, total)
	}
	return nil
}

// rows turns a page into rows ready for the writer. It runs on the fetching
// goroutines, keeping the conversion and hashing off the single writer.
func (l *listing) rows(p plex.Page) ([]db.Row, error) {
	rows := make([]db.Row, len(p.Items))
	for i := range p.Items {
		m := &p.Items[i]
		if !m.RatingKey.Valid || m.RatingKey.V == "" {
			return nil, fmt.Errorf("server sent an item without ratingKey at offset %d", p.Offset+i)
		}
		switch l.kind {
		case db.KindArtist:
			rows[i] = db.ArtistRow(artistRow(l.serverID, l.section, m))
		case db.KindAlbum:
			rows[i] = db.AlbumRow(albumRow(l.serverID, l.section, m))
		default:
			rows[i] = db.TrackRow(trackRow(l.serverID, l.section, m))
		}
	}
	return rows, nil
}

// writer batches upserts into transactions of BatchRows rows.
type writer struct {
	l  *listing
	tx *db.Tx
	// pending counts the open batch's changes, which reach the listing's
	// counts only once committed: a batch rolled back (a cancelled pass)
	// changed nothing, and a run must not report that it did.
	pending Counts
}

func (w *writer) write(ctx context.Context, rows []db.Row) error {
	l := w.l
	for len(rows) > 0 {
		if w.tx == nil {
			begin := l.s.db.Begin
			if !l.track {
				begin = l.s.db.BeginLoad
			}
			tx, err := begin(ctx)
			if err != nil {
				return err
			}
			w.tx = tx
		}
		// A page may straddle the batch limit; split it there.
		n := min(len(rows), max(1, l.s.o.BatchRows-w.tx.Rows()))
		changes, err := w.tx.PutPage(ctx, rows[:n], l.track)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			w.pending.add(ch)
		}
		l.s.o.Progress.Add(n)
		rows = rows[n:]
		if w.tx.Rows() >= l.s.o.BatchRows {
			if err := w.commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	if err == nil {
		w.l.counts.Added += w.pending.Added
		w.l.counts.Updated += w.pending.Updated
	}
	w.pending = Counts{}
	return err
}

func (w *writer) abort() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx, w.pending = nil, Counts{}
	}
}
