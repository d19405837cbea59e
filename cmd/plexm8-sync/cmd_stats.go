package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func statsCommand() *command {
	return &command{
		name:    "stats",
		args:    "[--days N] [--top N] [--json]",
		summary: "summarise the mirror: counts, time, top artists, what changed (offline)",
		help: `Summarises the local mirror: per server and in total the current artists,
albums, tracks and playlists, the total playing time and file size; the
artists with the most tracks; the largest playlists; and what changed in the
last --days days: items Plex added or updated, items that disappeared from
Plex, and the sync runs (failed or partial ones counted apart). No network,
read-only, fine while a sync runs.

--json prints one object: {"servers": [...], "totals": {...}, "top_artists":
[...], "largest_playlists": [...], "changes": {"since": EPOCH, "days": N,
"tracks": {"added", "updated", "removed"}, "albums", "artists", "playlists",
"syncs", "failed_syncs"}}.

Examples:
  plexm8-sync stats
  plexm8-sync stats --days 30 --top 20
  plexm8-sync stats --json | jq .totals.tracks`,
		setup: func(fs *flag.FlagSet) runFunc {
			var days, top int
			var asJSON bool
			fs.IntVar(&days, "days", 7, "report the changes of the last `N` days")
			fs.IntVar(&top, "top", 10, "list the `N` artists with most tracks and the N largest playlists")
			fs.BoolVar(&asJSON, "json", false, "print one JSON object instead of tables")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("stats takes no arguments")
				}
				if days < 1 || top < 1 {
					return usageErrorf("--days and --top must be 1 or more")
				}
				d, err := a.openDB(ctx, true)
				if err != nil {
					return err
				}
				defer d.Close()
				since := time.Now().Add(-time.Duration(days) * 24 * time.Hour).Unix()
				st, err := d.Stats(ctx, since, top)
				if err != nil {
					return err
				}
				if asJSON {
					return a.statsJSON(st, days)
				}
				return a.statsText(st, days)
			}
		},
	}
}

type statsCounts struct {
	Artists    int64 `json:"artists"`
	Albums     int64 `json:"albums"`
	Tracks     int64 `json:"tracks"`
	Playlists  int64 `json:"playlists"`
	DurationMS int64 `json:"duration_ms"`
	SizeBytes  int64 `json:"size_bytes"`
}

type statsServer struct {
	ServerID string `json:"server_id"`
	Server   string `json:"server"`
	Owned    bool   `json:"owned"`
	statsCounts
}

type statsArtist struct {
	ServerID   string `json:"server_id"`
	Server     string `json:"server"`
	RatingKey  string `json:"rating_key"`
	Title      any    `json:"title"`
	Tracks     int64  `json:"tracks"`
	DurationMS int64  `json:"duration_ms"`
}

type statsPlaylist struct {
	ServerID   string `json:"server_id"`
	Server     string `json:"server"`
	RatingKey  string `json:"rating_key"`
	Title      any    `json:"title"`
	Type       any    `json:"type"`
	Smart      any    `json:"smart"`
	Items      any    `json:"items"`
	DurationMS any    `json:"duration_ms"`
}

type statsChange struct {
	Added   int64 `json:"added"`
	Updated int64 `json:"updated"`
	Removed int64 `json:"removed"`
}

type statsChanges struct {
	Since       int64       `json:"since"`
	Days        int         `json:"days"`
	Tracks      statsChange `json:"tracks"`
	Albums      statsChange `json:"albums"`
	Artists     statsChange `json:"artists"`
	Playlists   statsChange `json:"playlists"`
	Syncs       int64       `json:"syncs"`
	FailedSyncs int64       `json:"failed_syncs"`
}

type statsDoc struct {
	Servers          []statsServer   `json:"servers"`
	Totals           statsCounts     `json:"totals"`
	TopArtists       []statsArtist   `json:"top_artists"`
	LargestPlaylists []statsPlaylist `json:"largest_playlists"`
	Changes          statsChanges    `json:"changes"`
}

func statsDocOf(st *db.Stats, days int) statsDoc {
	doc := statsDoc{Servers: []statsServer{}, TopArtists: []statsArtist{}, LargestPlaylists: []statsPlaylist{}}
	for _, s := range st.Servers {
		c := statsCounts{s.Artists, s.Albums, s.Tracks, s.Playlists, s.DurationMS, s.SizeBytes}
		doc.Servers = append(doc.Servers, statsServer{s.ServerID, s.Server, s.Owned, c})
		doc.Totals.Artists += c.Artists
		doc.Totals.Albums += c.Albums
		doc.Totals.Tracks += c.Tracks
		doc.Totals.Playlists += c.Playlists
		doc.Totals.DurationMS += c.DurationMS
		doc.Totals.SizeBytes += c.SizeBytes
	}
	for _, a := range st.TopArtists {
		doc.TopArtists = append(doc.TopArtists, statsArtist{a.ServerID, a.Server, a.RatingKey, nstr(a.Title), a.Tracks, a.DurationMS})
	}
	for _, p := range st.LargestPlaylists {
		doc.LargestPlaylists = append(doc.LargestPlaylists, statsPlaylist{p.ServerID, p.Server, p.RatingKey,
			nstr(p.Title), nstr(p.Type), nbool(p.Smart), nint(p.Items), nint(p.DurationMS)})
	}
	ch := func(c db.Changes) statsChange { return statsChange{c.Added, c.Updated, c.Removed} }
	doc.Changes = statsChanges{Since: st.Since, Days: days, Tracks: ch(st.Tracks), Albums: ch(st.Albums),
		Artists: ch(st.Artists), Playlists: ch(st.Playlists), Syncs: st.Syncs, FailedSyncs: st.FailedSyncs}
	return doc
}

func (a *app) statsJSON(st *db.Stats, days int) error {
	b, err := json.MarshalIndent(statsDocOf(st, days), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.Stdout, "%s\n", b)
	return err
}

func (a *app) statsText(st *db.Stats, days int) error {
	doc := statsDocOf(st, days)
	if len(doc.Servers) == 0 {
		fmt.Fprintln(a.Stdout, "(nothing mirrored yet: run 'plexm8-sync sync')")
		return nil
	}
	width := a.terminalWidth(a.Stdout)
	opts := table.Options{Width: width}
	w := table.New(a.Stdout, []table.Column{
		{Key: "server", Header: "SERVER", Flex: true},
		{Key: "artists", Header: "ARTISTS", Right: true},
		{Key: "albums", Header: "ALBUMS", Right: true},
		{Key: "tracks", Header: "TRACKS", Right: true},
		{Key: "playlists", Header: "PLAYLISTS", Right: true},
		{Key: "duration_ms", Header: "TIME", Right: true, Show: showDuration},
		{Key: "size_bytes", Header: "SIZE", Right: true, Show: showSize},
	}, opts)
	row := func(name string, c statsCounts) error {
		return w.Row(name, c.Artists, c.Albums, c.Tracks, c.Playlists, c.DurationMS, c.SizeBytes)
	}
	for _, s := range doc.Servers {
		if err := row(s.Server, s.statsCounts); err != nil {
			return err
		}
	}
	if len(doc.Servers) > 1 {
		if err := row("(all)", doc.Totals); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}

	fmt.Fprintln(a.Stdout, "\nArtists with the most tracks:")
	ids := make([]string, len(st.TopArtists))
	for i, r := range st.TopArtists {
		ids[i] = r.ServerID
	}
	w = table.New(a.Stdout, []table.Column{
		{Key: "title", Header: "ARTIST", Flex: true},
		{Key: "tracks", Header: "TRACKS", Right: true},
		{Key: "duration_ms", Header: "TIME", Right: true, Show: showDuration},
		{Key: "server", Header: serverHeader(ids), Flex: true},
	}, opts)
	for _, r := range doc.TopArtists {
		if err := w.Row(r.Title, r.Tracks, r.DurationMS, r.Server); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}

	fmt.Fprintln(a.Stdout, "\nLargest playlists:")
	ids = ids[:0]
	for _, p := range st.LargestPlaylists {
		ids = append(ids, p.ServerID)
	}
	w = table.New(a.Stdout, playlistColumns(serverHeader(ids), "TYPE"), opts)
	for _, p := range st.LargestPlaylists {
		if err := w.Row(playlistRow(p)...); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}

	c := doc.Changes
	fmt.Fprintf(a.Stdout, "\nChanges in the last %d days (since %s):\n", days, format.Time(time.Unix(c.Since, 0)))
	w = table.New(a.Stdout, []table.Column{
		{Key: "kind", Header: "WHAT"},
		{Key: "added", Header: "ADDED", Right: true},
		{Key: "updated", Header: "UPDATED", Right: true},
		{Key: "removed", Header: "REMOVED", Right: true},
	}, opts)
	for _, k := range []struct {
		name string
		c    statsChange
	}{{"tracks", c.Tracks}, {"albums", c.Albums}, {"artists", c.Artists}, {"playlists", c.Playlists}} {
		if err := w.Row(k.name, k.c.Added, k.c.Updated, k.c.Removed); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(a.Stdout, "sync runs: %d (%d failed or partial)\n", c.Syncs, c.FailedSyncs)
	return err
}
