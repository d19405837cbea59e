package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/restore"
)

// demoHistory is the playlist history part of the tour: a playlist is
// edited on the server between two syncs, then history, diff, export and a
// restore dry run show what the database kept. It returns the playlist's
// title ("" when the library has no playlist to show).
func (a *app) demoHistory(ctx context.Context, f *plextest.Fake, o demoOptions, step func(string)) (string, error) {
	s := f.Owned()
	var pl plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart && p.LeafCount >= 5 && p.LeafCount < 100 {
			pl = p
			break
		}
	}
	if pl.RatingKey == "" {
		return "", nil
	}
	step(fmt.Sprintf("6. Playlist history: %q is edited on the server, then synced", pl.Title))
	items := s.PlaylistItems(pl.RatingKey)
	s.MovePlaylistItem(pl.RatingKey, 0, len(items)-1)
	trs := s.Tracks("1")
	s.ReplacePlaylistItem(pl.RatingKey, 1, trs[len(trs)/2].RatingKey)
	if err := a.syncOnce(ctx, false, nil); err != nil {
		return "", err
	}
	for _, args := range [][]string{{"history", pl.Title}, {"diff", pl.Title}} {
		fmt.Fprintf(a.Stdout, "\n$ plexm8-sync %s %q\n", args[0], args[1])
		if err := a.dispatch(ctx, args); err != nil {
			return "", err
		}
	}
	// A file is written only where it outlives the demo; otherwise the
	// export goes to standard output, of which the start is shown.
	args := []string{"export", pl.Title, "--at", "1", "--format", "m3u8"}
	var b []byte
	if o.keep {
		out := filepath.Join(o.dir, "playlist.m3u8")
		fmt.Fprintf(a.Stdout, "\n$ plexm8-sync export %q --at 1 --format m3u8 -o %s\n", pl.Title, out)
		if err := a.dispatch(ctx, append(args, "-o", out)); err != nil {
			return "", err
		}
		var err error
		if b, err = os.ReadFile(out); err != nil {
			return "", err
		}
	} else {
		fmt.Fprintf(a.Stdout, "\n$ plexm8-sync export %q --at 1 --format m3u8 | head -5\n", pl.Title)
		var buf bytes.Buffer
		stdout := a.Stdout
		a.Stdout = &buf
		err := a.dispatch(ctx, args)
		a.Stdout = stdout
		if err != nil {
			return "", err
		}
		b = buf.Bytes()
	}
	lines := strings.SplitN(string(b), "\n", 6)
	fmt.Fprintf(a.Stdout, "%s\n…\n", strings.Join(lines[:min(len(lines), 5)], "\n"))
	fmt.Fprintf(a.Stdout, "\n$ plexm8-sync restore %q --at 1 --dry-run\n", pl.Title)
	err := a.dispatch(ctx, []string{"restore", pl.Title, "--at", "1", "--dry-run"})
	switch {
	case errors.Is(err, restore.ErrIncomplete):
		// The demo removed a track from the server, so version 1 cannot
		// come back whole: that is the story, not the demo failing.
		fmt.Fprintf(a.Stdout, "(exit 1: %v)\n", err)
	case err != nil:
		return "", err
	}
	fmt.Fprintln(a.Stdout, "Without --dry-run, that creates version 1 on the server again, checked item by item.")
	return pl.Title, nil
}
