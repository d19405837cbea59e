package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/atomicfile"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/history"
)

func exportCommand() *command {
	return &command{
		name:    "export",
		args:    "PLAYLIST [--at V|TIME] --format m3u8|json|csv|xspf [-o FILE] | --all --dir DIR --format F",
		summary: "write a playlist version as M3U8, JSON, CSV or XSPF (offline)",
		help: `Writes one version of a playlist (the newest unless --at) in a portable format,
to standard output or -o FILE (when FILE is a directory, into it as
<title> [<rating key>].<format>):

  m3u8  #EXTM3U with #EXTINF:<seconds>,<artist> - <title> and the file path per
        item, plus a "#PLEXM8:{…}" comment line carrying the item's Plex rating
        key, playlist item id and guids, so the file can be matched back;
  json  everything stored about the version and each item;
  csv   one row per item under a header row;
  xspf  XSPF version 1 (title, creator, album, trackNum, duration, location,
        identifier).

--all --dir DIR writes the newest version of every current playlist into
DIR/<server>/<title> [<rating key>].<format>. Names are stable and safe on
every system, and a file is rewritten only when its content changed, so a
folder kept under version control shows real changes only. The format's
name may be written in any case (M3U8 is m3u8).

Examples:
  plexm8-sync export "Road Trip" --format m3u8 -o road-trip.m3u8
  plexm8-sync export "Road Trip" --at 2026-05-01 --format json
  plexm8-sync export --all --dir ~/playlists --format xspf`,
		setup: func(fs *flag.FlagSet) runFunc {
			at := fs.String("at", "", "the version: `V|TIME` (default: the newest)")
			format := fs.String("format", "", "m3u8, json, csv or xspf (required)")
			out := fs.String("o", "", "write to `FILE` (or into this directory) instead of standard output")
			all := fs.Bool("all", false, "export every current playlist into --dir")
			dir := fs.String("dir", "", "with --all: the `directory` to write into")
			server := fs.String("server", "", "the playlist's server (`name` or machine identifier); with --all, only its playlists")
			return func(ctx context.Context, a *app, args []string) error {
				args, err := a.positionals(fs, args)
				if err != nil {
					return err
				}
				*format = strings.ToLower(*format)
				switch {
				case *format == "":
					return usageErrorf("export needs --format, one of: %s", strings.Join(history.Formats, ", "))
				case !slices.Contains(history.Formats, *format):
					return usageErrorf("export: unknown --format %q; use one of: %s", *format, strings.Join(history.Formats, ", "))
				}
				if *all {
					if len(args) > 0 || *dir == "" || *out != "" || *at != "" {
						return usageErrorf("export --all takes --dir DIR and --format, and no PLAYLIST, -o or --at")
					}
				} else if len(args) != 1 || *dir != "" {
					return usageErrorf("export takes one PLAYLIST (or --all --dir DIR)")
				}
				d, err := a.openDB(ctx, true)
				if err != nil {
					return err
				}
				defer d.Close()
				if *all {
					return exportAll(ctx, a, d, *dir, *format, *server)
				}
				p, err := findPlaylist(ctx, d, args[0], *server)
				if err != nil {
					return err
				}
				v, err := versionOf(ctx, d, p, *at, "--at")
				if err != nil {
					return err
				}
				var buf bytes.Buffer
				if err := exportVersion(ctx, d, &buf, p, v, *format); err != nil {
					return err
				}
				if *out == "" {
					_, err := a.Stdout.Write(buf.Bytes())
					return err
				}
				path := *out
				if fi, err := os.Stat(path); err == nil && fi.IsDir() {
					// The name --all would give it, so both ways agree.
					path = filepath.Join(path, history.FileName(p.Title, p.RatingKey)+history.Ext(*format))
				}
				if _, err := writeIfChanged(path, buf.Bytes()); err != nil {
					return err
				}
				fmt.Fprintf(a.Stderr, "wrote version %d of %q (%s) to %s\n", v, p.Title, *format, path)
				return nil
			}
		},
	}
}

func exportVersion(ctx context.Context, d *db.DB, w io.Writer, p history.Playlist, v int, format string) error {
	vs, err := d.Versions(ctx, p.ServerID, p.RatingKey)
	if err != nil {
		return err
	}
	ver, err := versionByNumber(vs, v)
	if err != nil {
		return err
	}
	items, err := d.VersionItems(ctx, p.ServerID, p.RatingKey, v)
	if err != nil {
		return err
	}
	if items == nil {
		items = []history.Item{}
	}
	e := &history.Export{Server: p.ServerName, ServerID: p.ServerID, RatingKey: p.RatingKey, Version: ver, Items: items}
	return history.Write(w, format, e)
}

// exportAll writes the newest version of every current playlist, each to a
// stable name, rewriting only files whose content changed.
func exportAll(ctx context.Context, a *app, d *db.DB, dir, format, server string) error {
	ps, err := d.HistoryPlaylists(ctx, server)
	if err != nil {
		return err
	}
	var wrote, same int
	for _, p := range ps {
		if p.Deleted {
			continue
		}
		var buf bytes.Buffer
		if err := exportVersion(ctx, d, &buf, p, p.Latest, format); err != nil {
			return err
		}
		path := filepath.Join(dir, history.SafeName(p.ServerName), history.FileName(p.Title, p.RatingKey)+history.Ext(format))
		changed, err := writeIfChanged(path, buf.Bytes())
		if err != nil {
			return err
		}
		if changed {
			wrote++
			fmt.Fprintf(a.Stdout, "wrote %s\n", path)
		} else {
			same++
		}
	}
	fmt.Fprintf(a.Stdout, "%d files written, %d unchanged, in %s\n", wrote, same, dir)
	return nil
}

// writeIfChanged writes b to path unless the file already holds exactly b.
// The new content goes to a temporary file renamed over the old one, so a
// crash never leaves half a playlist. Errors name path, never the
// temporary file: that is the only name the user knows.
func writeIfChanged(path string, b []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return false, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return false, fmt.Errorf("export: cannot write %s: it is a directory", path)
	}
	if err := replaceFile(path, b); err != nil {
		return false, fmt.Errorf("export: cannot write %s: %w", path, atomicfile.Cause(err))
	}
	return true, nil
}

func replaceFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o644)
}
