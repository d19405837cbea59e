// Package restore brings a saved playlist version back to a Plex server. A
// Plan is worked out from the database alone (NewPlan: every saved item
// resolved to a current track of the target), so a dry run sends nothing;
// Apply then creates the playlist, reads it back and verifies it before it
// deletes anything.
package restore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/history"
	"github.com/plexm8/plexm8-sync/internal/pager"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// ErrIncomplete is matched by the error of a restore that created a
// playlist, but not exactly the saved one: items were not found on the
// target server, or the server's copy differs from what was sent.
var ErrIncomplete = errors.New("restore incomplete")

// Request says what to restore where.
type Request struct {
	// SourceServerID and PlaylistKey name the playlist whose history holds
	// the version; Version is its number.
	SourceServerID, PlaylistKey string
	Version                     int
	// TargetServerID is the server to restore onto (the source by default).
	TargetServerID string
	// Title of the new playlist; the version's title when "".
	Title string
	// Replace deletes the target's current playlist of that title (or, on
	// the source server, the playlist itself) once the new one is verified.
	Replace bool
}

// Plan is what a restore will do, worked out from the database alone: the
// version, every item's match on the target server, and the playlist it
// would replace.
type Plan struct {
	Request    Request
	TargetName string
	Version    history.Version
	Matches    []history.Match
	// SectionKey is the target's music section a smart playlist's rules
	// are applied to.
	SectionKey string
	// ReplaceKey is the rating key of the playlist --replace would delete
	// ("" for none).
	ReplaceKey string
	// SameTitle lists the target's current playlists that already carry
	// the new playlist's title (rating keys).
	SameTitle []string
}

// Unmatched returns the saved items no current track of the target
// matches.
func (p *Plan) Unmatched() []history.Item {
	var out []history.Item
	for _, m := range p.Matches {
		if !m.Matched() {
			out = append(out, m.Item)
		}
	}
	return out
}

// Keys returns the rating keys to send, in order.
func (p *Plan) Keys() []string {
	var out []string
	for _, m := range p.Matches {
		if m.Matched() {
			out = append(out, m.Track.RatingKey)
		}
	}
	return out
}

// NewPlan resolves a version's items against the target server's current
// tracks in the mirror. It sends nothing to any server.
func NewPlan(ctx context.Context, d *db.DB, req Request) (*Plan, error) {
	if req.TargetServerID == "" {
		req.TargetServerID = req.SourceServerID
	}
	vs, err := d.Versions(ctx, req.SourceServerID, req.PlaylistKey)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(vs, func(v history.Version) bool { return v.Number == req.Version })
	if i < 0 {
		return nil, fmt.Errorf("playlist %s has no version %d: %w", req.PlaylistKey, req.Version, db.ErrNoVersion)
	}
	p := &Plan{Request: req, Version: vs[i]}
	if p.Request.Title == "" {
		p.Request.Title = p.Version.Title
	}
	if p.TargetName, err = d.ServerName(ctx, req.TargetServerID); err != nil {
		return nil, err
	}
	if p.Version.Smart {
		secs, err := d.MusicSections(ctx, req.TargetServerID)
		if err != nil {
			return nil, err
		}
		want := smartSection(p.Version.Content)
		switch {
		case slices.Contains(secs, want):
			p.SectionKey = want
		case len(secs) > 0:
			p.SectionKey = secs[0]
		default:
			return nil, fmt.Errorf("server %s has no music section in the database to apply the smart playlist's rules to (sync it first)", p.TargetName)
		}
	} else {
		items, err := d.VersionItems(ctx, req.SourceServerID, req.PlaylistKey, req.Version)
		if err != nil {
			return nil, err
		}
		if p.Matches, err = history.Resolve(items, d.Catalog(ctx, req.TargetServerID)); err != nil {
			return nil, err
		}
	}
	if req.Replace {
		if p.ReplaceKey, err = replaceTarget(ctx, d, req, p.Request.Title); err != nil {
			return nil, err
		}
	}
	cur, err := d.CurrentPlaylistTitles(ctx, req.TargetServerID)
	if err != nil {
		return nil, err
	}
	for _, c := range cur {
		if strings.EqualFold(c.Title, p.Request.Title) {
			p.SameTitle = append(p.SameTitle, c.RatingKey)
		}
	}
	return p, nil
}

// replaceTarget finds the playlist --replace would delete: the playlist
// itself when restoring onto its own server and it still exists, else the
// target's one current playlist of the title.
func replaceTarget(ctx context.Context, d *db.DB, req Request, title string) (string, error) {
	ps, err := d.CurrentPlaylistTitles(ctx, req.TargetServerID)
	if err != nil {
		return "", err
	}
	if req.TargetServerID == req.SourceServerID {
		for _, p := range ps {
			if p.RatingKey == req.PlaylistKey {
				return p.RatingKey, nil
			}
		}
	}
	var keys []string
	for _, p := range ps {
		if strings.EqualFold(p.Title, title) {
			keys = append(keys, p.RatingKey)
		}
	}
	if len(keys) > 1 {
		return "", fmt.Errorf("--replace: %d playlists are titled %q on the target (rating keys %s); restore without --replace and delete the one you mean",
			len(keys), title, strings.Join(keys, ", "))
	}
	if len(keys) == 1 {
		return keys[0], nil
	}
	return "", nil
}

// smartSection is the section key in a smart playlist's content URI
// (library://…/directory/%2Flibrary%2Fsections%2F<key>%2Fall…).
func smartSection(content string) string {
	path := content
	if i := strings.Index(content, "/directory/"); i >= 0 {
		if p, err := url.PathUnescape(content[i+len("/directory/"):]); err == nil {
			path = p
		}
	}
	rest, ok := strings.CutPrefix(path, "/library/sections/")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(rest, "/")
	return key
}

// Result is what a restore did.
type Result struct {
	RatingKey string // of the new playlist
	Title     string
	// Got is the rating keys the server holds after the restore, read back.
	Got []string
	// Missing lists the planned items the server did not keep; OutOfOrder
	// is set when it kept them but not in the planned order.
	Missing    []history.Match
	OutOfOrder bool
	// Moves is how many move requests repaired the order the server kept.
	Moves    int
	Replaced string // rating key of the playlist deleted by --replace
}

// Apply carries out the plan on srv (the plan's target): it creates the
// playlist (in bounded chunks), reads it back and compares count and order
// with the plan, and only then, with --replace, deletes the playlist it
// replaces. The error wraps ErrIncomplete when items were not found or the
// read-back differs; the new playlist is left in place for the user to
// inspect.
func (p *Plan) Apply(ctx context.Context, srv *plex.Server, pageSize int) (*Result, error) {
	if id := srv.Resource().ClientIdentifier; id != p.Request.TargetServerID {
		return nil, fmt.Errorf("restore: plan is for server %s, not %s", p.Request.TargetServerID, id)
	}
	res := &Result{Title: p.Request.Title}
	if p.Version.Smart {
		pl, err := srv.CreateSmartPlaylist(ctx, res.Title, p.SectionKey, p.Version.Content)
		if err != nil {
			return nil, err
		}
		res.RatingKey = pl.RatingKey.V
		if !pl.Smart.V || !pl.Content.Valid {
			return res, fmt.Errorf("server made playlist %s, but not a smart one with rules: %w", res.RatingKey, ErrIncomplete)
		}
		// A smart playlist's items are whatever its rules select now; read
		// them back so the report can say how many.
		got, _, err := readBack(ctx, srv, res.RatingKey, pageSize)
		if err != nil {
			return res, err
		}
		res.Got = got
	} else {
		keys := p.Keys()
		if len(keys) == 0 {
			return nil, fmt.Errorf("none of the %d saved items was found on %s: nothing to restore: %w", len(p.Matches), p.TargetName, ErrIncomplete)
		}
		pl, err := srv.CreatePlaylist(ctx, res.Title, keys)
		if pl.RatingKey.Valid {
			res.RatingKey = pl.RatingKey.V
		}
		if err != nil {
			return res, err
		}
		if err := verify(ctx, srv, p, res, pageSize); err != nil {
			return res, err
		}
	}
	var problems []error
	if un := p.Unmatched(); len(un) > 0 {
		problems = append(problems, fmt.Errorf("%d of %d saved items not found on %s", len(un), len(p.Matches), p.TargetName))
	}
	if len(res.Missing) > 0 || res.OutOfOrder {
		problems = append(problems, fmt.Errorf("server kept %d items of the %d sent (order kept: %v)", len(res.Got), len(p.Keys()), !res.OutOfOrder))
	}
	if len(problems) > 0 {
		return res, fmt.Errorf("%w: %w", ErrIncomplete, errors.Join(problems...))
	}
	if p.ReplaceKey != "" && p.ReplaceKey != res.RatingKey {
		if err := srv.DeletePlaylist(ctx, p.ReplaceKey); err != nil {
			return res, fmt.Errorf("the new playlist %s is complete, but deleting the one it replaces failed: %w", res.RatingKey, err)
		}
		res.Replaced = p.ReplaceKey
	}
	return res, nil
}

// readBack lists a playlist's items: rating keys and playlist item ids, in
// order (the pager hands pages over in any order, each once).
func readBack(ctx context.Context, srv *plex.Server, key string, pageSize int) (keys []string, ids []int64, err error) {
	type part struct {
		offset int
		keys   []string
		ids    []int64
	}
	var parts []part
	pg := pager.Listing[part]{Source: srv, Query: plex.PlaylistItems(key), Size: pageSize, Concurrency: 1, Started: func(int) {},
		Convert: func(p plex.Page) (part, error) {
			pt := part{offset: p.Offset}
			for i := range p.Items {
				pt.keys = append(pt.keys, p.Items[i].RatingKey.V)
				pt.ids = append(pt.ids, p.Items[i].PlaylistItemID.V)
			}
			return pt, nil
		},
		Use: func(pt part) error { parts = append(parts, pt); return nil },
	}
	if err := pg.Run(ctx, -1); err != nil {
		return nil, nil, fmt.Errorf("read back playlist %s: %w", key, err)
	}
	slices.SortFunc(parts, func(a, b part) int { return a.offset - b.offset })
	for _, pt := range parts {
		keys = append(keys, pt.keys...)
		ids = append(ids, pt.ids...)
	}
	return keys, ids, nil
}

// verify reads the new playlist back and compares it with the plan:
// servers can answer 200 and keep fewer items than they were sent. When
// the server kept every item but in another order, the order is repaired
// with move requests (as few as the longest run already in order allows)
// and checked again.
func verify(ctx context.Context, srv *plex.Server, p *Plan, res *Result, pageSize int) error {
	got, ids, err := readBack(ctx, srv, res.RatingKey, pageSize)
	if err != nil {
		return err
	}
	res.Got = got
	want := p.Keys()
	if slices.Equal(got, want) {
		return nil
	}
	if sameMultiset(got, want) && !slices.Contains(ids, 0) {
		moves, err := repairOrder(got, ids, want, func(id, after int64) error {
			return srv.MovePlaylistItem(ctx, res.RatingKey, id, after)
		})
		res.Moves = moves
		if err != nil {
			return err
		}
		if res.Got, _, err = readBack(ctx, srv, res.RatingKey, pageSize); err != nil {
			return err
		}
		if slices.Equal(res.Got, want) {
			return nil
		}
	}
	// Which planned entries are missing, counting repeats.
	have := map[string]int{}
	for _, k := range res.Got {
		have[k]++
	}
	var kept []string
	for _, m := range p.Matches {
		if !m.Matched() {
			continue
		}
		if have[m.Track.RatingKey] > 0 {
			have[m.Track.RatingKey]--
			kept = append(kept, m.Track.RatingKey)
			continue
		}
		res.Missing = append(res.Missing, m)
	}
	res.OutOfOrder = !slices.Equal(kept, res.Got)
	return nil
}

func sameMultiset(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, k := range a {
		n[k]++
	}
	for _, k := range b {
		if n[k]--; n[k] < 0 {
			return false
		}
	}
	return true
}

// repairOrder moves the entries of a playlist (keys in server order, with
// their item ids) into the wanted order. Entries on a longest subsequence
// already in order stay; each other one is moved right after its wanted
// predecessor, in wanted order, so every move lands in its final place.
// move moves the item id right after the item after (0: to the start).
func repairOrder(got []string, ids []int64, want []string, move func(id, after int64) error) (int, error) {
	// The k-th occurrence of a key in want is its k-th occurrence in got.
	a := history.Align(got, want)
	moves := 0
	for j := range want {
		if a.Kept[j] {
			continue
		}
		var after int64
		if j > 0 {
			after = ids[a.OldOf[j-1]]
		}
		if err := move(ids[a.OldOf[j]], after); err != nil {
			return moves, fmt.Errorf("fix the order: %w", err)
		}
		moves++
	}
	return moves, nil
}
