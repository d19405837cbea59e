package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/history"
)

// What the history commands (history, diff, export, restore) share: naming
// a playlist and a version of it.

// findPlaylist resolves PLAYLIST (a rating key or a title, ignoring case)
// among the playlists with history. An ambiguous title is a usage error
// that lists the candidates.
func findPlaylist(ctx context.Context, d *db.DB, ref, server string) (history.Playlist, error) {
	ps, err := d.FindPlaylists(ctx, ref, server)
	if err != nil {
		return history.Playlist{}, err
	}
	switch len(ps) {
	case 0:
		where := ""
		if server != "" {
			where = fmt.Sprintf(" on server %q", server)
		}
		return history.Playlist{}, fmt.Errorf("no playlist %q with history%s: run 'plexm8-sync history' to list them (a playlist has history once a sync has seen it)", ref, where)
	case 1:
		return ps[0], nil
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SERVER\tRATING KEY\tTITLE\tVERSIONS")
	for _, p := range ps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", p.ServerName, p.RatingKey, p.Title, p.Versions)
	}
	_ = tw.Flush()
	return history.Playlist{}, usageErrorf("%q names %d playlists; name one by rating key (and --server when keys repeat):\n%s", ref, len(ps), strings.TrimRight(b.String(), "\n"))
}

// parseWhen reads a TIME: an RFC 3339 time, or a date (YYYY-MM-DD, local
// time), which means the end of that day: "as it was on the 3rd".
func parseWhen(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Second), true
	}
	return time.Time{}, false
}

// versionOf resolves V|TIME for a playlist; "" is the newest version.
func versionOf(ctx context.Context, d *db.DB, p history.Playlist, ref, flagName string) (int, error) {
	if ref == "" {
		return p.Latest, nil
	}
	n := strings.TrimPrefix(strings.ToLower(ref), "v")
	if v, err := strconv.Atoi(n); err == nil {
		if v < 1 || v > p.Latest {
			return 0, usageErrorf("%s %s: playlist %q has versions 1 to %d", flagName, ref, p.Title, p.Latest)
		}
		return v, nil
	}
	t, ok := parseWhen(ref, time.Local)
	if !ok {
		return 0, usageErrorf("%s %q is neither a version number nor a time (use 3, 2026-05-01 or 2026-05-01T18:00:00Z)", flagName, ref)
	}
	v, err := d.VersionAt(ctx, p.ServerID, p.RatingKey, t)
	if errors.Is(err, db.ErrNoVersion) {
		return 0, fmt.Errorf("%s %s: %w", flagName, ref, err)
	}
	return v, err
}

// versionByNumber picks one version from a list.
func versionByNumber(vs []history.Version, n int) (history.Version, error) {
	for _, v := range vs {
		if v.Number == n {
			return v, nil
		}
	}
	return history.Version{}, fmt.Errorf("version %d: %w", n, db.ErrNoVersion)
}
