package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func init() {
	register(&command{
		name:    "playlists",
		args:    "[--server S] [--type audio|video|photo|all] [--limit N] [--json|--csv]",
		summary: "list the playlists in the mirror (offline)",
		help: `Lists the current playlists of the local mirror by title: how many items each
holds, their total time, whether it is a smart playlist, and when Plex last
changed it. No network, read-only, fine while a sync runs. See a playlist's
tracks with 'plexm8-sync tracks --playlist TITLE'.

--json prints an array of objects with the keys server_id, server, rating_key,
title, type, smart, items, duration_ms, added_at and updated_at; --csv the
same columns.

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
				if err := checkLimit(f.Limit); err != nil {
					return err
				}
				if _, err := out.format(); err != nil {
					return err
				}
				return a.listPlaylists(ctx, f, out)
			}
		},
	})
}

func (a *app) listPlaylists(ctx context.Context, f db.PlaylistFilter, out outputFlags) error {
	d, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	limit := f.Limit
	f.Limit = moreThan(limit)
	pls, err := d.Playlists(ctx, f)
	if err != nil {
		return err
	}
	if limit > 0 && len(pls) > limit {
		defer a.noteCut(len(pls), limit, "playlists")
		pls = pls[:limit]
	}
	if len(pls) == 0 && !out.json && !out.csv {
		fmt.Fprintln(a.Stdout, "(no playlists)")
		return nil
	}
	ids := make([]string, len(pls))
	for i, p := range pls {
		ids[i] = p.ServerID
	}
	typ := ""
	if f.Type == "" {
		typ = "TYPE"
	}
	// The lead adds "versions kept" here once playlist history lands.
	w, err := a.newTable(out, playlistColumns(serverHeader(ids), typ))
	if err != nil {
		return err
	}
	for _, p := range pls {
		if err := w.Row(playlistRow(p)...); err != nil {
			return err
		}
	}
	return w.Close()
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
	}
}

func playlistRow(p db.PlaylistInfo) []any {
	return []any{p.ServerID, p.Server, p.RatingKey, nstr(p.Title), nstr(p.Type), nbool(p.Smart), nint(p.Items),
		nint(p.DurationMS), nint(p.AddedAt), nint(p.UpdatedAt)}
}
