package main

import (
	"context"
	"flag"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func playlistsCommand() *command {
	return &command{
		name:    "playlists",
		args:    "[--server S] [--type audio|video|photo|all] [--limit N] [--json|--csv]",
		summary: "list the playlists in the mirror (offline)",
		help: `Lists the current playlists of the local mirror by title: how many items each
holds, their total time, whether it is a smart playlist, when Plex last
changed it, and how many versions of it the history keeps. No network,
read-only, fine while a sync runs. See a playlist's tracks with
'plexm8-sync tracks --playlist TITLE', its versions with
'plexm8-sync history TITLE'.

--json prints an array of objects with the keys server_id, server, rating_key,
title, type, smart, items, duration_ms, added_at, updated_at and versions;
--csv the same columns.

Examples:
  plexm8-sync playlists
  plexm8-sync playlists --type all --server "Home Server"
  plexm8-sync playlists --json | jq -r '.[] | select(.smart) | .title'`,
		setup: func(fs *flag.FlagSet) runFunc {
			var f db.PlaylistFilter
			var out outputFlags
			fs.StringVar(&f.Server, "server", "", "only the server with this `name` or machine identifier")
			fs.StringVar(&f.Type, "type", "audio", "playlist `type`: audio, video, photo or all")
			limitFlag(fs, &f.Limit, 0, "playlists")
			out.define(fs)
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("playlists takes no arguments; see a playlist with 'plexm8-sync tracks --playlist TITLE'")
				}
				switch f.Type {
				case "audio", "video", "photo":
				case "all":
					f.Type = ""
				default:
					return usageErrorf("--type must be audio, video, photo or all, not %q", f.Type)
				}
				typ := ""
				if f.Type == "" {
					typ = "TYPE"
				}
				return listRows(ctx, a, out, f.Limit, listing[db.PlaylistInfo]{
					what: "playlists",
					none: "(no playlists)",
					fetch: func(ctx context.Context, d *db.DB, limit int) ([]db.PlaylistInfo, error) {
						f.Limit = limit
						return d.Playlists(ctx, f)
					},
					server:  func(p db.PlaylistInfo) string { return p.ServerID },
					columns: func(server string) []table.Column { return playlistColumns(server, typ) },
					row:     playlistRow,
				})
			}
		},
	}
}

func playlistColumns(server, typ string) []table.Column {
	return []table.Column{
		{Key: "server_id"},
		{Key: "server", Header: server, Flex: true},
		{Key: "rating_key"},
		{Key: "title", Header: "PLAYLIST", Flex: true},
		{Key: "type", Header: typ},
		{Key: "smart", Header: "SMART", Show: showYesNo},
		{Key: "items", Header: "ITEMS", Right: true, Show: showInt},
		{Key: "duration_ms", Header: "TIME", Right: true, Show: showDuration},
		{Key: "added_at"},
		{Key: "updated_at", Header: "CHANGED", Show: showDate},
		{Key: "versions", Header: "VERSIONS", Right: true, Show: showInt},
	}
}

func playlistRow(p db.PlaylistInfo) []any {
	return []any{p.ServerID, p.Server, p.RatingKey, nstr(p.Title), nstr(p.Type), nbool(p.Smart), nint(p.Items),
		nint(p.DurationMS), nint(p.AddedAt), nint(p.UpdatedAt), p.Versions}
}
