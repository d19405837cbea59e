package main

import (
	"context"
	"flag"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func artistsCommand() *command {
	return &command{
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
				if err := a.searchWords(fs, args, &f.Search); err != nil {
					return err
				}
				return listRows(ctx, a, out, f.Limit, listing[db.ArtistInfo]{
					what: "artists",
					none: "(no artists match)",
					fetch: func(ctx context.Context, d *db.DB, limit int) ([]db.ArtistInfo, error) {
						f.Limit = limit
						return d.Artists(ctx, f)
					},
					server:  func(r db.ArtistInfo) string { return r.ServerID },
					columns: artistColumns,
					row:     artistRow,
				})
			}
		},
	}
}

func artistColumns(server string) []table.Column {
	return []table.Column{
		{Key: "server_id"},
		{Key: "server", Header: server, Flex: true},
		{Key: "rating_key"},
		{Key: "title", Header: "ARTIST", Flex: true},
		{Key: "albums", Header: "ALBUMS", Right: true},
		{Key: "tracks", Header: "TRACKS", Right: true},
		{Key: "added_at"},
		{Key: "updated_at"},
	}
}

func artistRow(r db.ArtistInfo) []any {
	return []any{r.ServerID, r.Server, r.RatingKey, nstr(r.Title), r.Albums, r.Tracks, nint(r.AddedAt), nint(r.UpdatedAt)}
}
