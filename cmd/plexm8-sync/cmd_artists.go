package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func init() {
	register(&command{
		name:    "artists",
		args:    "[--search TEXT | TEXT] [--server S] [--limit N] [--json|--csv]",
		summary: "list and search artists in the mirror (offline)",
		help: `Lists the current artists of the local mirror with their numbers of albums and
tracks, by name; with --search (or words after the flags), the artists whose
name contains words starting with those given, ignoring case and accents, best
matches first. No network, read-only, fine while a sync runs.

--json prints an array of objects with the keys server_id, server, rating_key,
title, albums, tracks, added_at and updated_at; --csv the same columns.

Examples:
  plexm8-sync artists
  plexm8-sync artists sigur
  plexm8-sync artists --search "坂本" --json`,
		setup: func(fs *flag.FlagSet) runFunc {
			var f db.ArtistFilter
			var out outputFlags
			fs.StringVar(&f.Search, "search", "", "find artists by `words` of their name (ranked)")
			fs.StringVar(&f.Server, "server", "", "only the server with this `name` or machine identifier")
			limitFlag(fs, &f.Limit, 100, "artists")
			out.define(fs)
			return func(ctx context.Context, a *app, args []string) error {
				args, err := interspersed(fs, args)
				if err != nil {
					return err
				}
				if len(args) > 0 {
					if f.Search != "" {
						return usageErrorf("give the search either as --search or as words, not both")
					}
					f.Search = strings.Join(args, " ")
				}
				if err := checkLimit(f.Limit); err != nil {
					return err
				}
				if _, err := out.format(); err != nil {
					return err
				}
				return a.listArtists(ctx, f, out)
			}
		},
	})
}

func (a *app) listArtists(ctx context.Context, f db.ArtistFilter, out outputFlags) error {
	d, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	limit := f.Limit
	f.Limit = moreThan(limit)
	artists, err := d.Artists(ctx, f)
	if errors.Is(err, db.ErrNothingToSearch) {
		return usageErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	if limit > 0 && len(artists) > limit {
		defer a.noteCut(len(artists), limit, "artists")
		artists = artists[:limit]
	}
	if len(artists) == 0 && !out.json && !out.csv {
		fmt.Fprintln(a.Stdout, "(no artists match)")
		return nil
	}
	ids := make([]string, len(artists))
	for i, r := range artists {
		ids[i] = r.ServerID
	}
	w, err := a.newTable(out, []table.Column{
		{Key: "server_id"},
		{Key: "server", Header: serverHeader(ids), Flex: true},
		{Key: "rating_key"},
		{Key: "title", Header: "ARTIST", Flex: true},
		{Key: "albums", Header: "ALBUMS", Right: true},
		{Key: "tracks", Header: "TRACKS", Right: true},
		{Key: "added_at"},
		{Key: "updated_at"},
	})
	if err != nil {
		return err
	}
	for _, r := range artists {
		if err := w.Row(r.ServerID, r.Server, r.RatingKey, nstr(r.Title), r.Albums, r.Tracks, nint(r.AddedAt), nint(r.UpdatedAt)); err != nil {
			return err
		}
	}
	return w.Close()
}
