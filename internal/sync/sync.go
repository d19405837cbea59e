package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	gosync "sync"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// Options tune a Syncer. Zero values take the defaults.
type Options struct {
	PageSize    int // items per request; default 1000
	Concurrency int // page fetchers per listing; default 8 (the client's limiter gates them)
	BatchRows   int // rows per write transaction; default 100000
	Now         func() time.Time
	Logger      *slog.Logger
	Progress    Progress // nil: no progress reporting
	// KeepVersions, above 0, prunes each playlist's history to its newest
	// versions after the playlists of a server are synced; 0 keeps all.
	KeepVersions int
	// CompleteListings plans no delta: every section whose signals moved is
	// listed whole, as before deltas existed. For tests of the complete
	// listing, and an escape hatch should a server's stamps misbehave.
	CompleteListings bool
}

// Progress receives the advance of long phases, for a bar or log lines.
type Progress interface {
	Start(phase string, total int)
	Add(n int)
	Finish()
}

// Syncer runs sync passes. Use one Syncer per database.
type Syncer struct {
	db     *db.DB
	client *plex.Client
	o      Options
	// pass serialises Server: the keys a listing met and the staged
	// playlist items live in TEMP tables of the single writer connection,
	// which name no server. Rating keys coincide across servers, so two
	// passes at once would count, keep or mark removed each other's rows.
	pass gosync.Mutex
}

// New returns a Syncer writing to d through client's servers.
func New(d *db.DB, client *plex.Client, o Options) *Syncer {
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.BatchRows <= 0 {
		// Large transactions are the biggest lever on SQLite write speed
		// (each commit rewrites the B-tree pages it touched into the WAL);
		// the page cache holds a batch's dirty pages comfortably.
		o.BatchRows = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	return &Syncer{db: d, client: client, o: o}
}

// Counts tallies what a run did to one kind of row.
type Counts struct{ Added, Updated, Removed int }

func (c *Counts) add(ch db.Change) {
	switch ch {
	case db.Added:
		c.Added++
	case db.Updated:
		c.Updated++
	}
}

// Result is the outcome of one server's pass.
type Result struct {
	RunID            int64
	ServerID, Server string
	// Full is a pass that re-lists everything: asked for (--full, the
	// full_sync job) or the first pass over a server, which has nothing
	// to compare with. First marks the latter.
	Full, First       bool
	Counts            map[string]*Counts // by table name
	Skipped           int                // sections and playlists skipped as unchanged
	Requests, Retries int64
	// RateLimited counts the 429s of the pass and Paused the silence they
	// asked for: a rate-limited pass slows down and completes, and says by
	// how much here.
	RateLimited int64
	Paused      time.Duration
	Duration    time.Duration
	Problems    []error // parts that failed; the run is partial
	// Stopped is what ended the pass before it ran its course (a
	// cancelled context, a lost server); nil when it did. Counts hold
	// only what was committed either way.
	Stopped error
	// Plans says, per music section, whether the pass skipped it, ran a
	// delta or listed it completely, and why.
	Plans []Plan

	// mu guards Problems and Skipped while sections and playlists are
	// synced side by side. Counts takes no lock of its own: the section
	// kinds are counted by the section loop, playlists by their listing,
	// and playlist items by the item fetchers under playlists' own lock.
	mu gosync.Mutex
	// stop ends the rest of the pass once a part met a rejected token:
	// every later request would be refused too, and each would first ask
	// plex.tv for a fresh server token.
	stop    context.CancelCauseFunc
	stopped bool
}

// The tables a pass counts changes in.
const itemsTable = "playlist_items"

var countedTables = []string{string(db.KindArtist), string(db.KindAlbum), string(db.KindTrack), string(db.KindPlaylist), itemsTable}

func newResult(id, name string, full bool) *Result {
	r := &Result{ServerID: id, Server: name, Full: full, Counts: map[string]*Counts{}}
	for _, t := range countedTables {
		r.Counts[t] = &Counts{}
	}
	return r
}

// Kind is the pass's kind as sync_runs records it: full (asked for, or the
// first pass over the server) or incremental.
func (r *Result) Kind() string {
	if r.Full {
		return "full"
	}
	return "incremental"
}

// Err joins the problems, nil when the pass was complete.
func (r *Result) Err() error { return errors.Join(r.Problems...) }

func (r *Result) counts(table db.Kind) *Counts { return r.Counts[string(table)] }

func (r *Result) problem(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped && errors.Is(err, context.Canceled) {
		return // a consequence of the stop, not a problem of its own
	}
	r.Problems = append(r.Problems, err)
	if errors.Is(err, plex.ErrUnauthorized) && r.stop != nil && !r.stopped {
		r.stopped = true
		r.stop(err)
	}
}

func (r *Result) skip() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Skipped++
}

// Totals sums the counts of every kind.
func (r *Result) Totals() Counts {
	var t Counts
	for _, c := range r.Counts {
		t.Added += c.Added
		t.Updated += c.Updated
		t.Removed += c.Removed
	}
	return t
}

// ErrPartial marks a pass where some part failed; Result.Problems says which.
var ErrPartial = errors.New("sync incomplete")

// Server runs one pass over srv. Full re-lists everything; otherwise only
// sections and playlists whose change signals moved are reconciled. The
// returned error is non-nil when any part failed (wrapping ErrPartial when
// the rest completed); the Result is filled either way. Passes of one Syncer
// run one at a time.
func (s *Syncer) Server(ctx context.Context, srv *plex.Server, full bool) (*Result, error) {
	s.pass.Lock()
	defer s.pass.Unlock()
	res0 := srv.Resource()
	start := s.o.Now()
	before := s.client.Stats()
	r := newResult(res0.ClientIdentifier, res0.Name, full)
	synced, err := s.db.Synced(ctx, r.ServerID)
	if err != nil {
		return r, err
	}
	r.First = !synced
	r.Full = full || r.First
	runID, err := s.db.StartRun(ctx, r.Kind(), r.ServerID, start.Unix())
	if err != nil {
		return r, err
	}
	r.RunID = runID
	fatal := s.server(ctx, srv, full, r)

	after := s.client.Stats()
	r.Requests, r.Retries = after.Requests-before.Requests, after.Retries-before.Retries
	r.RateLimited, r.Paused = after.RateLimited-before.RateLimited, after.Paused-before.Paused
	if r.RateLimited > 0 {
		s.o.Logger.Info("server rate-limited this pass; waited it out", "server", r.Server,
			"rate_limited", r.RateLimited, "paused", r.Paused.Round(time.Millisecond))
	}
	r.Duration = s.o.Now().Sub(start)
	run := db.Run{ID: runID, Requests: r.Requests, Retries: r.Retries, FinishedAt: s.o.Now().Unix(), Status: db.RunOK}
	t := r.Totals()
	run.Added, run.Updated, run.Removed = t.Added, t.Updated, t.Removed
	if b, err := json.Marshal(r.Counts); err == nil {
		run.Counts = string(b)
	}
	var outErr error
	r.Stopped = fatal
	switch {
	case fatal != nil:
		run.Status, run.Error = db.RunFailed, fatal.Error()
		outErr = fmt.Errorf("sync server %q: %w", r.Server, fatal)
	case len(r.Problems) > 0:
		run.Status, run.Error = db.RunPartial, r.Err().Error()
		outErr = fmt.Errorf("sync server %q: %w: %w", r.Server, ErrPartial, r.Err())
	}
	// The run record is written even when ctx was cancelled: it is how the
	// user learns the pass stopped.
	if err := s.db.FinishRun(context.WithoutCancel(ctx), run); err != nil && outErr == nil {
		outErr = err
	}
	return r, outErr
}

func (s *Syncer) server(ctx context.Context, srv *plex.Server, full bool, r *Result) error {
	res := srv.Resource()
	now := s.o.Now().Unix()
	// The server's row must exist before its sections (a foreign key), even
	// when srv did not come from Servers.
	if err := s.db.UpsertServer(ctx, serverRow(res, now)); err != nil {
		return err
	}
	uri, err := srv.Connection(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := s.db.SetConnection(ctx, res.ClientIdentifier, uri); err != nil {
		return err
	}
	sections, at, err := srv.SectionsAt(ctx)
	if err != nil {
		return err // "list sections: ..." from plex
	}
	rows := make([]db.Section, 0, len(sections))
	for _, sec := range sections {
		rows = append(rows, sectionRow(res.ClientIdentifier, sec))
	}
	gone, err := s.db.ReplaceSections(ctx, res.ClientIdentifier, rows, now)
	if err != nil {
		return err
	}
	// Playlists are synced beside the sections: the single writer is the
	// bottleneck of a section listing, and fetching playlist items uses the
	// other core meanwhile. Smart playlists whose own signals did not move
	// wait to hear what the sections changed (libraryChanged).
	libraryChanged := make(chan libraryChange, 1)
	playlistsDone := make(chan error, 1)
	pass, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r.mu.Lock()
	r.stop = stop
	r.mu.Unlock()
	go func() { playlistsDone <- s.playlists(pass, srv, full, libraryChanged, r) }()
	change := libraryChange{sections: map[string]*db.Touched{}}
	for _, k := range gone {
		change.sections[k] = nil // its rows were all marked removed
	}
	for _, sec := range sections {
		if sec.Type.V != "artist" || pass.Err() != nil {
			continue
		}
		touched, did, err := s.section(pass, srv, sec, at, full, r)
		if did {
			change.sections[sec.Key.V] = touched
		}
		if err != nil && ctx.Err() == nil {
			r.problem(fmt.Errorf("section %q: %w", sec.Title.V, err))
		}
	}
	libraryChanged <- change
	if err := <-playlistsDone; err != nil && ctx.Err() == nil {
		r.problem(err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if pass.Err() != nil {
		// Stopped for a rejected token (r.problem): the pass failed as a
		// whole, and the daemon branches on ErrUnauthorized in the cause.
		return fmt.Errorf("pass stopped: %w", context.Cause(pass))
	}
	return nil
}

// listed kinds of a music section, parents first so a reader never sees a
// track before its album within one pass.
var sectionKinds = []struct {
	kind db.Kind
	typ  plex.ItemType
	name string
}{
	{db.KindArtist, plex.TypeArtist, "artists"},
	{db.KindAlbum, plex.TypeAlbum, "albums"},
	{db.KindTrack, plex.TypeTrack, "tracks"},
}

// section reconciles one music section if its change signals moved since its
// last complete reconcile (or always, when full): by a delta when the
// planner can, else by a complete listing. at is the server's time of the
// sections listing sec comes from. It reports whether it tried (did): even a
// failed attempt may have written rows. touched is what a delta that
// completed wrote to tracks; nil whenever that is not known (a complete
// listing, any failure).
func (s *Syncer) section(ctx context.Context, srv *plex.Server, sec plex.Section, at time.Time, full bool, r *Result) (touched *db.Touched, did bool, err error) {
	sig, counts, err := s.signature(ctx, srv, sec, at)
	if err != nil {
		return nil, true, err // unknown: assume it changed
	}
	plan, old, err := s.plan(ctx, srv, sec, sig, counts, full)
	if err != nil {
		return nil, true, err
	}
	if plan.Action == PlanDelta {
		touched := &db.Touched{}
		err := s.delta(ctx, srv, sec, sig, counts, old, touched, r)
		if err == nil {
			s.planned(r, plan)
			return touched, true, nil
		}
		if !errors.Is(err, errFallBack) {
			s.planned(r, plan)
			return nil, true, err
		}
		plan = Plan{Section: plan.Section, Key: plan.Key, Action: PlanComplete,
			Reason: "delta fell back: " + strings.TrimPrefix(err.Error(), errFallBack.Error()+": ")}
	}
	s.planned(r, plan)
	if plan.Action == PlanSkip {
		r.skip()
		return nil, false, nil
	}
	return nil, true, s.reconcile(ctx, srv, sec, sig, counts, r)
}

// plan decides between skipping the section, a delta and a complete
// listing, and says why; for a delta it returns the stored probes.
func (s *Syncer) plan(ctx context.Context, srv *plex.Server, sec plex.Section, sig signature, counts [3]int, full bool) (Plan, [3]probed, error) {
	p := Plan{Section: sec.Title.V, Key: sec.Key.V, Action: PlanComplete}
	var none [3]probed
	if full {
		p.Reason = "full pass"
		return p, none, nil
	}
	serverID := srv.Resource().ClientIdentifier
	old, err := s.db.State(ctx, serverID, db.SectionScope(sec.Key.V))
	if err != nil {
		return p, none, err
	}
	if sig.matches(old) {
		p.Action, p.Reason = PlanSkip, "signals unchanged"
		return p, none, nil
	}
	if old == "" {
		p.Reason = "never reconciled"
		return p, none, nil
	}
	if s.o.CompleteListings {
		p.Reason = "deltas are switched off"
		return p, none, nil
	}
	stored, ok := storedProbes(old)
	if !ok {
		p.Reason = "no watermark stored"
		return p, none, nil
	}
	has, err := s.db.HasCurrent(ctx, serverID, sec.Key.V)
	if err != nil {
		return p, none, err
	}
	switch {
	case !has:
		p.Reason = "the mirror holds none of it (a load is cheapest)"
		return p, none, nil
	case counts == [3]int{}:
		p.Reason = "the server holds none of it"
		return p, none, nil
	}
	p.Action = PlanDelta
	var moved []string
	for i, k := range sectionKinds {
		if d := counts[i] - stored[i].count; d != 0 {
			moved = append(moved, fmt.Sprintf("%s %+d", k.name, d))
		}
	}
	if len(moved) == 0 {
		p.Reason = "signals moved, counts did not"
	} else {
		p.Reason = "counts moved: " + strings.Join(moved, ", ")
	}
	return p, stored, nil
}

// planned records and logs what the planner chose for a section.
func (s *Syncer) planned(r *Result, p Plan) {
	r.mu.Lock()
	r.Plans = append(r.Plans, p)
	r.mu.Unlock()
	level := slog.LevelInfo
	if p.Action == PlanSkip {
		level = slog.LevelDebug
	}
	s.o.Logger.Log(context.Background(), level, "section plan", "section", p.Section, "plan", p.Action, "reason", p.Reason)
}

// reconcile lists a section whole and, if the listing was complete and
// consistent, marks what it did not meet as removed and records sig.
func (s *Syncer) reconcile(ctx context.Context, srv *plex.Server, sec plex.Section, sig signature, counts [3]int, r *Result) error {
	serverID := srv.Resource().ClientIdentifier
	key := sec.Key.V
	scope := db.SectionScope(key)
	// A section with no current rows cannot lose any, so its listing need
	// not track keys: the first sync of a library writes rows only.
	track, err := s.db.HasCurrent(ctx, serverID, key)
	if err != nil {
		return err
	}
	if track {
		if err := s.db.StartListing(ctx, db.KindArtist, db.KindAlbum, db.KindTrack); err != nil {
			return err
		}
	}
	for i, k := range sectionKinds {
		l := listing{s: s, srv: srv, serverID: serverID, section: key, kind: k.kind, track: track, counts: r.counts(k.kind)}
		phase := fmt.Sprintf("%s %s", sec.Title.V, k.name)
		if err := l.run(ctx, plex.SectionItems(key, k.typ), counts[i], phase); err != nil {
			return fmt.Errorf("list %s: %w", k.name, err)
		}
	}
	// Pages that agree on the total can still miss an item when one was
	// removed and another added between them. The section's own stamps
	// move with any change: if they moved during the listing, it is not
	// trusted for removals (the next pass lists the section again).
	if err := s.unchangedSince(ctx, srv, sec); err != nil {
		return err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	removed := make([]int, len(sectionKinds))
	if track {
		now := s.o.Now().Unix()
		for i, k := range sectionKinds {
			n, err := tx.MarkUnseenRemoved(ctx, k.kind, serverID, key, now)
			if err != nil {
				return err
			}
			removed[i] = n
		}
	}
	if err := tx.SetState(ctx, serverID, scope, sig.stored(), s.o.Now().Unix()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Counted once committed: a rolled-back mark removed nothing.
	for i, k := range sectionKinds {
		r.counts(k.kind).Removed += removed[i]
	}
	return nil
}

// unchangedSince fails with ErrInconsistent when the section's change stamps
// differ from those in sec, taken before its listing began.
func (s *Syncer) unchangedSince(ctx context.Context, srv *plex.Server, sec plex.Section) error {
	now, err := srv.Sections(ctx)
	if err != nil {
		return fmt.Errorf("check section after listing: %w", err)
	}
	for _, n := range now {
		if n.Key != sec.Key {
			continue
		}
		if n.ContentChangedAt != sec.ContentChangedAt || n.UpdatedAt != sec.UpdatedAt {
			return fmt.Errorf("%w: the section changed while it was listed; it will be listed again next time", plex.ErrInconsistent)
		}
		return nil
	}
	return fmt.Errorf("%w: the section disappeared while it was listed", plex.ErrInconsistent)
}

// signature condenses a section's change signals: Plex's own stamps, and per
// kind the item count (which catches a deletion that moved no stamp) and the
// newest item's updatedAt (which catches an edit that moved none of the
// section's stamps: whether PMS moves them on an edit is unverified). One
// newest-first probe of one item per kind yields both, for the price of a
// count; the three are taken side by side, and the counts are returned for
// the listings to start from. at is when the server read sec's stamps.
func (s *Syncer) signature(ctx context.Context, srv *plex.Server, sec plex.Section, at time.Time) (signature, [3]int, error) {
	var counts [3]int
	var probes [3]plex.Newest
	var errs [3]error
	var wg gosync.WaitGroup
	for i, k := range sectionKinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			probes[i], errs[i] = srv.Newest(ctx, plex.SectionItems(sec.Key.V, k.typ))
			if errs[i] != nil {
				errs[i] = fmt.Errorf("probe %s: %w", k.name, errs[i])
			}
			counts[i] = probes[i].TotalSize
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return signature{}, counts, err
	}
	text := fmt.Sprintf("%s|%s|%s", optInt(sec.ContentChangedAt), optInt(sec.UpdatedAt), optInt(sec.ScannedAt))
	for _, p := range probes {
		text += fmt.Sprintf("|%d@%s", p.TotalSize, optInt(p.UpdatedAt))
	}
	// The probes answered after the sections listing: comparing their
	// stamps with its time, too, errs only towards another reconcile.
	sig := newSignature(text, at, s.o.Now(), sec.UpdatedAt, sec.ScannedAt,
		probes[0].UpdatedAt, probes[1].UpdatedAt, probes[2].UpdatedAt)
	return sig, counts, nil
}

func optInt(v plex.OptInt) string {
	if !v.Valid {
		return "-"
	}
	return fmt.Sprint(v.V)
}

type nopProgress struct{}

func (nopProgress) Start(string, int) {}
func (nopProgress) Add(int)           {}
func (nopProgress) Finish()           {}
