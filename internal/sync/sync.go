// Package sync mirrors Plex servers into the database. It plans the work from
// Plex's change signals, pages listings concurrently, and hands decoded pages
// to a single writer. It never marks a row removed on partial information:
// only a complete and consistent listing can do that.
package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// Options tune a Syncer. Zero values take the defaults.
type Options struct {
	PageSize    int // items per request; default 200
	Concurrency int // pages in flight per listing; default 2
	BatchRows   int // rows per write transaction; default 10000
	Now         func() time.Time
	Logger      *slog.Logger
	Progress    Progress // nil: no progress reporting
}

// Progress receives the advance of long phases, for a bar or log lines.
type Progress interface {
	Start(phase string, total int)
	Add(n int)
	Finish()
}

// Syncer runs sync passes.
type Syncer struct {
	db     *db.DB
	client *plex.Client
	o      Options
}

// New returns a Syncer writing to d through client's servers.
func New(d *db.DB, client *plex.Client, o Options) *Syncer {
	if o.PageSize <= 0 {
		o.PageSize = 200
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 2
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 10000
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
	RunID             int64
	ServerID, Server  string
	Full              bool
	Counts            map[string]*Counts // by table name
	Skipped           int                // sections and playlists skipped as unchanged
	Requests, Retries int64
	Duration          time.Duration
	Problems          []error // parts that failed; the run is partial
}

// Err joins the problems, nil when the pass was complete.
func (r *Result) Err() error { return errors.Join(r.Problems...) }

func (r *Result) counts(kind db.Kind) *Counts {
	c := r.Counts[string(kind)]
	if c == nil {
		c = &Counts{}
		r.Counts[string(kind)] = c
	}
	return c
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
// the rest completed); the Result is filled either way.
func (s *Syncer) Server(ctx context.Context, srv *plex.Server, full bool) (*Result, error) {
	res0 := srv.Resource()
	start := s.o.Now()
	before := s.client.Stats()
	r := &Result{ServerID: res0.ClientIdentifier, Server: res0.Name, Full: full, Counts: map[string]*Counts{}}
	kind := "incremental"
	if full {
		kind = "full"
	}
	runID, err := s.db.StartRun(ctx, kind, r.ServerID, start.Unix())
	if err != nil {
		return r, err
	}
	r.RunID = runID
	fatal := s.server(ctx, srv, full, r)

	after := s.client.Stats()
	r.Requests, r.Retries = after.Requests-before.Requests, after.Retries-before.Retries
	r.Duration = s.o.Now().Sub(start)
	run := db.Run{ID: runID, Requests: r.Requests, Retries: r.Retries, FinishedAt: s.o.Now().Unix(), Status: "ok"}
	t := r.Totals()
	run.Added, run.Updated, run.Removed = t.Added, t.Updated, t.Removed
	if b, err := json.Marshal(r.Counts); err == nil {
		run.Counts = string(b)
	}
	var outErr error
	switch {
	case fatal != nil:
		run.Status, run.Error = "failed", fatal.Error()
		outErr = fmt.Errorf("sync server %q: %w", r.Server, fatal)
	case len(r.Problems) > 0:
		run.Status, run.Error = "partial", r.Err().Error()
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
	if err := s.db.UpsertServer(ctx, db.Server{
		ID: res.ClientIdentifier, Name: res.Name, Owned: res.Owned,
		SourceTitle: nstr(res.SourceTitle), ProductVersion: nstr(res.ProductVersion), Platform: nstr(res.Platform),
		RefreshedAt: now,
	}); err != nil {
		return err
	}
	uri, err := srv.Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := s.db.SetConnection(ctx, res.ClientIdentifier, uri); err != nil {
		return err
	}
	sections, err := srv.Sections(ctx)
	if err != nil {
		return fmt.Errorf("list sections: %w", err)
	}
	rows := make([]db.Section, 0, len(sections))
	for _, sec := range sections {
		rows = append(rows, sectionRow(res.ClientIdentifier, sec))
	}
	if err := s.db.ReplaceSections(ctx, res.ClientIdentifier, rows, now); err != nil {
		return err
	}
	for _, sec := range sections {
		if sec.Type.V != "artist" {
			continue
		}
		if err := s.section(ctx, srv, sec, full, r); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.Problems = append(r.Problems, fmt.Errorf("section %q: %w", sec.Title.V, err))
		}
	}
	if err := s.playlists(ctx, srv, full, r); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.Problems = append(r.Problems, err)
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
// last complete reconcile (or always, when full).
func (s *Syncer) section(ctx context.Context, srv *plex.Server, sec plex.Section, full bool, r *Result) error {
	serverID := srv.Resource().ClientIdentifier
	key := sec.Key.V
	sig, err := s.signature(ctx, srv, sec)
	if err != nil {
		return err
	}
	scope := "section:" + key
	if !full {
		old, err := s.db.State(ctx, serverID, scope)
		if err != nil {
			return err
		}
		if old == sig {
			r.Skipped++
			s.o.Logger.Debug("section unchanged", "section", sec.Title.V)
			return nil
		}
	}
	// A section with no current rows cannot lose any, so its listing need
	// not track keys: the first sync of a library writes rows only.
	track, err := s.db.HasCurrent(ctx, serverID, key)
	if err != nil {
		return err
	}
	if track {
		if err := s.db.StartListing(ctx); err != nil {
			return err
		}
	}
	for _, k := range sectionKinds {
		l := listing{s: s, srv: srv, serverID: serverID, section: key, kind: k.kind, track: track, counts: r.counts(k.kind)}
		phase := fmt.Sprintf("%s %s", sec.Title.V, k.name)
		if err := l.run(ctx, plex.SectionItems(key, k.typ), phase); err != nil {
			return fmt.Errorf("list %s: %w", k.name, err)
		}
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if track {
		now := s.o.Now().Unix()
		for _, k := range sectionKinds {
			n, err := tx.MarkUnseenRemoved(ctx, k.kind, serverID, key, now)
			if err != nil {
				return err
			}
			r.counts(k.kind).Removed += n
		}
	}
	if err := tx.SetState(ctx, serverID, scope, sig, s.o.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// signature condenses a section's change signals: Plex's own stamps plus the
// item counts, which catch a deletion that moved no stamp.
func (s *Syncer) signature(ctx context.Context, srv *plex.Server, sec plex.Section) (string, error) {
	parts := []string{optInt(sec.ContentChangedAt), optInt(sec.UpdatedAt), optInt(sec.ScannedAt)}
	for _, k := range sectionKinds {
		n, err := srv.Count(ctx, plex.SectionItems(sec.Key.V, k.typ))
		if err != nil {
			return "", fmt.Errorf("count %s: %w", k.name, err)
		}
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, "|"), nil
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
