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
		name:    "albums",
		args:    "[--search TEXT | TEXT] [--artist A] [--server S] [--limit N] [--json|--csv]",
		summary: "list and search albums in the mirror (offline)",
		help: `Lists the current albums of the local mirror by artist and year, with their
track count and total time; --artist keeps the albums whose artist's name
contains those whole words; --search (or words after the flags) finds albums
whose title or artist contain words starting with those given, ignoring case
and accents, best matches first. No network, read-only, fine while a sync runs.

--json prints an array of objects with the keys server_id, server, rating_key,
title, artist, year, tracks, duration_ms, added_at and updated_at; --csv the
same columns.

Examples:
  plexm8-sync albums --artist radiohead
  plexm8-sync albums --search "ok computer"
  plexm8-sync albums --csv --limit 0 > albums.csv`,
		setup: func(fs *flag.FlagSet) runFunc {
			var f db.AlbumFilter
			var out outputFlags
			fs.StringVar(&f.Search, "search", "", "find albums by `words` of their title or artist (ranked)")
			fs.StringVar(&f.Artist, "artist", "", "only albums whose artist's name contains these `words`")
			fs.StringVar(&f.Server, "server", "", "only the server with this `name` or machine identifier")
			limitFlag(fs, &f.Limit, 100, "albums")
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
				return a.listAlbums(ctx, f, out)
			}
		},
	})
}

func (a *app) listAlbums(ctx context.Context, f db.AlbumFilter, out outputFlags) error {
	d, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	limit := f.Limit
	f.Limit = moreThan(limit)
	albums, err := d.Albums(ctx, f)
	if errors.Is(err, db.ErrNothingToSearch) {
		return usageErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	if limit > 0 && len(albums) > limit {
		defer a.noteCut(len(albums), limit, "albums")
		albums = albums[:limit]
	}
	if len(albums) == 0 && !out.json && !out.csv {
		fmt.Fprintln(a.Stdout, "(no albums match)")
		return nil
	}
	ids := make([]string, len(albums))
	for i, r := range albums {
		ids[i] = r.ServerID
	}
	w, err := a.newTable(out, []table.Column{
		{Key: "server_id"},
		{Key: "server", Header: serverHeader(ids), Flex: true},
		{Key: "rating_key"},
		{Key: "title", Header: "ALBUM", Flex: true},
		{Key: "artist", Header: "ARTIST", Flex: true},
		{Key: "year", Header: "YEAR", Right: true, Show: showInt},
		{Key: "tracks", Header: "TRACKS", Right: true, Show: showInt},
		{Key: "duration_ms", Header: "TIME", Right: true, Show: showDuration},
		{Key: "added_at"},
		{Key: "updated_at"},
	})
	if err != nil {
		return err
	}
	for _, r := range albums {
		if err := w.Row(r.ServerID, r.Server, r.RatingKey, nstr(r.Title), nstr(r.Artist), nint(r.Year), nint(r.Tracks),
			nint(r.DurationMS), nint(r.AddedAt), nint(r.UpdatedAt)); err != nil {
			return err
		}
	}
	return w.Close()
}
