package main

import (
	"context"
	"flag"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func albumsCommand() *command {
	return &command{
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
				if err := a.searchWords(fs, args, &f.Search); err != nil {
					return err
				}
				return listRows(ctx, a, out, f.Limit, listing[db.AlbumInfo]{
					what: "albums",
					none: "(no albums match)",
					fetch: func(ctx context.Context, d *db.DB, limit int) ([]db.AlbumInfo, error) {
						f.Limit = limit
						return d.Albums(ctx, f)
					},
					server:  func(r db.AlbumInfo) string { return r.ServerID },
					columns: albumColumns,
					row:     albumRow,
				})
			}
		},
	}
}

func albumColumns(server string) []table.Column {
	return []table.Column{
		{Key: "server_id"},
		{Key: "server", Header: server, Flex: true},
		{Key: "rating_key"},
		{Key: "title", Header: "ALBUM", Flex: true},
		{Key: "artist", Header: "ARTIST", Flex: true},
		{Key: "year", Header: "YEAR", Right: true, Show: showInt},
		{Key: "tracks", Header: "TRACKS", Right: true, Show: showInt},
		{Key: "duration_ms", Header: "TIME", Right: true, Show: showDuration},
		{Key: "added_at"},
		{Key: "updated_at"},
	}
}

func albumRow(r db.AlbumInfo) []any {
	return []any{r.ServerID, r.Server, r.RatingKey, nstr(r.Title), nstr(r.Artist), nint(r.Year), nint(r.Tracks),
		nint(r.DurationMS), nint(r.AddedAt), nint(r.UpdatedAt)}
}
