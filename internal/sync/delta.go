package sync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/pager"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// The delta reconcile: for a section whose signals moved, fetch what changed
// (newest first, down to the watermark the last reconcile stored), carry
// renamed parents' values down to their children, and prove every removal
// with counts. Whatever does not reconcile exactly falls back to the complete
// listing. docs/DESIGN.md ("Delta reconcile") gives the proof.

// Plan is what a pass does with one section, and why.
type Plan struct {
	Section string // the section's title
	Key     string
	Action  string // PlanSkip, PlanDelta or PlanComplete
	Reason  string
}

// The planner's actions.
const (
	PlanSkip     = "skip"
	PlanDelta    = "delta"
	PlanComplete = "complete"
)

// deltaOverlap is how far below the watermark a delta reads: an item
// stamped a little before the newest stamp of the last read (a server whose
// clock stepped back, stamps taken before a write committed) is still
// fetched. Items edited within it are fetched again each time, which is cheap.
const deltaOverlap = 300 // seconds

// errFallBack ends a delta that cannot prove its result; the section is
// then listed completely.
var errFallBack = errors.New("delta cannot reconcile")

func fallBack(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errFallBack, fmt.Sprintf(format, args...))
}

// probed is what a stored signature says of a kind at its last reconcile:
// the count and the newest updatedAt.
type probed struct {
	count  int
	newest int64
}

// storedProbes reads the per-kind probes back from a stored signature
// (signature's format); ok is false when it holds none usable.
func storedProbes(sig string) (p [3]probed, ok bool) {
	parts := strings.Split(strings.TrimSuffix(sig, unsettledMark), "|")
	if len(parts) != 6 {
		return p, false
	}
	for i, part := range parts[3:] {
		n, w, found := strings.Cut(part, "@")
		if !found {
			return p, false
		}
		c, err1 := strconv.Atoi(n)
		s, err2 := strconv.ParseInt(w, 10, 64)
		if err1 != nil || err2 != nil {
			return p, false
		}
		p[i] = probed{count: c, newest: s}
	}
	return p, true
}

// delta reconciles a section from its changes. counts are the server's
// counts from this pass's probes, old the signature of the last reconcile.
// It returns an error wrapping errFallBack when the section must be listed
// completely instead; rows it wrote by then are the server's and stay.
// touched collects the tracks its writes touch (db.Touched); it is whole
// only when delta returns nil.
func (s *Syncer) delta(ctx context.Context, srv *plex.Server, sec plex.Section, sig signature, counts [3]int, old [3]probed, touched *db.Touched, r *Result) error {
	serverID := srv.Resource().ClientIdentifier
	key := sec.Key.V
	var changed [3][]string // keys fetched as added or updated, by kind
	for i, k := range sectionKinds {
		keys, err := s.changes(ctx, srv, key, k.kind, k.typ, counts[i], old[i].newest-deltaOverlap, touched, r)
		if err != nil {
			return fmt.Errorf("changed %s: %w", k.name, err)
		}
		changed[i] = keys
	}
	if err := s.db.StartListing(ctx, db.KindArtist, db.KindAlbum, db.KindTrack); err != nil {
		return err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.CollectTouched(touched)
	loc := locator{s: s, srv: srv, tx: tx, serverID: serverID, section: key, now: s.o.Now().Unix(),
		budget: s.locateBudget(srv, counts, r)}
	var removed [3]int
	var parents []string // keys proven removed of the kind before
	for i, k := range sectionKinds {
		if i > 0 {
			kids, err := tx.MarkChildrenRemoved(ctx, k.kind, serverID, key, parents, loc.now)
			if err != nil {
				return err
			}
			removed[i] += len(kids)
			parents = kids
		}
		gone, err := loc.locate(ctx, k.kind, k.typ, counts[i])
		if err != nil {
			return fmt.Errorf("removed %s: %w", k.name, err)
		}
		removed[i] += len(gone)
		parents = append(parents, gone...)
		if len(gone) == 0 {
			continue // locate counted the mirror equal to the server
		}
		n, err := tx.CountCurrent(ctx, k.kind, serverID, key)
		if err != nil {
			return err
		}
		if n != counts[i] {
			return fallBack("the mirror holds %d current %s after the delta, the server %d", n, k.name, counts[i])
		}
	}
	// Renamed parents' values are carried down only now, to the children
	// still current: a child removed in this pass keeps the values it had
	// when last listed, as it does after a complete listing.
	albumChanges, trackChanges, err := tx.Rederive(ctx, serverID, changed[0], changed[1])
	if err != nil {
		return err
	}
	// The counts the removals were proven against are this pass's: if the
	// section's stamps moved meanwhile, an addition could hide a removal.
	if err := s.unchangedSince(ctx, srv, sec); err != nil {
		return fmt.Errorf("%w: %w", errFallBack, err)
	}
	if err := tx.SetState(ctx, serverID, db.SectionScope(key), sig.stored(), s.o.Now().Unix()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for i, k := range sectionKinds {
		r.counts(k.kind).Removed += removed[i]
	}
	for _, c := range albumChanges {
		r.counts(db.KindAlbum).add(c)
	}
	for _, c := range trackChanges {
		r.counts(db.KindTrack).add(c)
	}
	return nil
}

// changes pages kind newest first until below floor, writing what it meets,
// and returns the keys it added or updated. Every page must agree on total:
// an item removed between pages would shift one past the cursor unseen.
func (s *Syncer) changes(ctx context.Context, srv *plex.Server, section string, kind db.Kind, typ plex.ItemType, total int, floor int64, touched *db.Touched, r *Result) ([]string, error) {
	q := plex.NewestFirst(plex.SectionItems(section, typ))
	size := srv.PageSize(s.o.PageSize)
	l := listing{s: s, srv: srv, serverID: s.idOf(srv), section: section, kind: kind}
	var keys []string
	for start := 0; start < total; {
		p, err := srv.Page(ctx, q, start, size)
		if err != nil {
			return nil, err
		}
		if p.TotalSize != total || p.Offset != start || len(p.Items) == 0 {
			return nil, fallBack("the newest-first listing of %s moved (total %d of %d at %d, %d items)", kind, p.TotalSize, total, start, len(p.Items))
		}
		rows, err := l.rows(p)
		if err != nil {
			return nil, err
		}
		tx, err := s.db.Begin(ctx)
		if err != nil {
			return nil, err
		}
		tx.CollectTouched(touched)
		ch, err := tx.PutPage(ctx, rows, false)
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return nil, err
		}
		for i, c := range ch {
			r.counts(kind).add(c)
			if c != db.Unchanged {
				keys = append(keys, rows[i].Key())
			}
		}
		start += len(p.Items)
		last := p.Items[len(p.Items)-1].UpdatedAt
		if !last.Valid {
			return nil, fallBack("a %s item has no updatedAt", kind)
		}
		if last.V < floor {
			break
		}
		// A delta as long as a good part of the listing is no cheaper.
		if start >= size && start*3 >= total {
			return nil, fallBack("%d of %d %s changed", start, total, kind)
		}
	}
	return keys, nil
}

func (s *Syncer) idOf(srv *plex.Server) string { return srv.Resource().ClientIdentifier }

// locateBudget is how many requests locating removals may cost before the
// delta gives up: a tenth of what the complete listing it would fall back to
// costs, less what the delta already spent, so that a failed search never
// costs more than a tenth over the complete listing. A small section (under
// some 200 pages) may spend up to as many requests as its listing, at most
// 16: there a tenth would not pay for one bisection.
func (s *Syncer) locateBudget(srv *plex.Server, counts [3]int, r *Result) int {
	size := srv.PageSize(s.o.PageSize)
	pages := 0
	for _, c := range counts {
		pages += (c + size - 1) / size
	}
	return max(pages/10-len(sectionKinds)-1, min(pages, 16))
}

// locator finds the rows of a section the server no longer has, by addedAt
// ranges: the mirror holds every item the server has (the delta fetched
// whatever changed), so a range's mirror count less the server's is exactly
// the number removed in it.
type locator struct {
	s        *Syncer
	srv      *plex.Server
	tx       *db.Tx
	serverID string
	section  string
	now      int64
	budget   int // requests left
}

// span is a range of a kind's sorted added_at values: vals[i:j], bounded by
// after and before (values no current row holds, or nil), with the server's
// count of it.
type span struct {
	i, j          int
	after, before *int64
	server        int
}

// locate marks removed the current rows of kind the server no longer has,
// given its count, and returns their keys. When it returns none, it has
// counted the mirror's current rows equal to count.
func (l *locator) locate(ctx context.Context, kind db.Kind, typ plex.ItemType, count int) ([]string, error) {
	// Most deltas remove nothing: a count settles that, at about half the
	// cost of reading every row's added_at.
	n, err := l.tx.CountCurrent(ctx, kind, l.serverID, l.section)
	if err != nil {
		return nil, err
	}
	if n == count {
		return nil, nil
	}
	vals, nulls, err := l.tx.AddedAts(ctx, kind, l.serverID, l.section)
	if err != nil {
		return nil, err
	}
	extra := len(vals) + nulls - count
	switch {
	case extra == 0:
		return nil, nil
	case extra < 0:
		return nil, fallBack("the server has %d %s, the mirror %d", count, kind, len(vals)+nulls)
	case nulls > 0:
		return nil, fallBack("%d %s without addedAt cannot be located", nulls, kind)
	}
	q := plex.SectionItems(l.section, typ)
	size := l.srv.PageSize(l.s.o.PageSize)
	var gone []string
	var todo []span // spans holding some, but not only, removed rows
	// settle resolves what a span's counts alone prove, or queues it.
	settle := func(sp span) error {
		mirror := sp.j - sp.i
		switch d := mirror - sp.server; {
		case d == 0:
			return nil
		case d < 0:
			return fallBack("a range of %s holds %d on the server, %d in the mirror", kind, sp.server, mirror)
		case d == mirror:
			keys, err := l.tx.MarkRangeRemoved(ctx, kind, l.serverID, l.section, sp.after, sp.before, l.now)
			if err != nil {
				return err
			}
			if len(keys) != mirror {
				return fallBack("marked %d %s of a range of %d", len(keys), kind, mirror)
			}
			gone = append(gone, keys...)
			return nil
		}
		todo = append(todo, sp)
		return nil
	}
	if err := settle(span{i: 0, j: len(vals), server: count}); err != nil {
		return nil, err
	}
	for len(todo) > 0 {
		// Each queued span costs at least one more request.
		if len(todo) > l.budget {
			return nil, fallBack("locating removed %s would cost more than %d more requests", kind, l.budget)
		}
		sp := todo[0]
		todo = todo[1:]
		mirror := sp.j - sp.i
		cut, ok := split(vals, sp.i, sp.j)
		if mirror <= size || !ok {
			keys, err := l.list(ctx, kind, q, sp)
			if err != nil {
				return nil, err
			}
			if len(keys) != mirror-sp.server {
				return nil, fallBack("listing a range of %s left %d removed, want %d", kind, len(keys), mirror-sp.server)
			}
			gone = append(gone, keys...)
			continue
		}
		x := vals[cut-1] + 1
		l.budget--
		left, err := l.srv.Count(ctx, plex.AddedBetween(q, sp.after, &x))
		if err != nil {
			return nil, err
		}
		for _, c := range []span{
			{i: sp.i, j: cut, after: sp.after, before: &x, server: left},
			{i: cut, j: sp.j, after: &x, before: sp.before, server: sp.server - left},
		} {
			if err := settle(c); err != nil {
				return nil, err
			}
		}
	}
	return gone, nil
}

// split finds where to cut vals[i:j] near its middle so that the cut value
// vals[cut-1]+1 is held by no row: then a strict and an inclusive reading
// of the server's date filters select the same items.
func split(vals []int64, i, j int) (int, bool) {
	mid := (i + j) / 2
	for d := 0; d < j-i; d++ {
		for _, c := range []int{mid + d, mid - d} {
			if c > i && c < j && vals[c]-vals[c-1] >= 2 {
				return c, true
			}
		}
	}
	return 0, false
}

// list lists a span completely and marks removed the mirror's rows in it
// the listing did not meet.
func (l *locator) list(ctx context.Context, kind db.Kind, q plex.Query, sp span) ([]string, error) {
	rq := plex.AddedBetween(q, sp.after, sp.before)
	li := listing{s: l.s, srv: l.srv, serverID: l.serverID, section: l.section, kind: kind}
	size := l.srv.PageSize(l.s.o.PageSize)
	cost := max(1, (sp.server+size-1)/size)
	if cost > l.budget {
		return nil, fallBack("listing a range of %d %s would cost more than %d requests", sp.server, kind, l.budget)
	}
	l.budget -= cost
	pg := pager.Listing[[]db.Row]{Source: l.srv, Query: rq, Size: size, Concurrency: l.s.o.Concurrency,
		Started: func(int) {},
		Convert: li.rows,
		Use: func(rows []db.Row) error {
			_, err := l.tx.PutPage(ctx, rows, true)
			return err
		},
	}
	if err := pg.Run(ctx, sp.server); err != nil {
		if errors.Is(err, plex.ErrInconsistent) {
			return nil, fmt.Errorf("%w: %w", errFallBack, err)
		}
		return nil, err
	}
	return l.tx.MarkUnseenRangeRemoved(ctx, kind, l.serverID, l.section, sp.after, sp.before, l.now)
}
