package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/history"
	"github.com/plexm8/plexm8-sync/internal/table"
)

// What the history commands (history, diff, export, restore) share: naming
// a playlist and a version of it.

// findPlaylist resolves PLAYLIST (a rating key or a title, ignoring case)
// among the playlists with history. A title that names none suggests the
// titles close to it; an ambiguous one is a usage error that lists the
// candidates.
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
		all, err := d.HistoryPlaylists(ctx, server)
		if err != nil {
			return history.Playlist{}, err
		}
		if near := similarTitles(ref, all); len(near) > 0 {
			return history.Playlist{}, fmt.Errorf("no playlist %q with history%s; did you mean %s? Run 'plexm8-sync history' to list them all", ref, where, near)
		}
		return history.Playlist{}, fmt.Errorf("no playlist %q with history%s: run 'plexm8-sync history' to list them (a playlist has history once a sync has seen it)", ref, where)
	case 1:
		return ps[0], nil
	}
	deleted := 0
	for _, p := range ps {
		if p.Deleted {
			deleted++
		}
	}
	var states []string
	if n := len(ps) - deleted; n > 0 {
		states = append(states, fmt.Sprintf("%d current", n))
	}
	if deleted > 0 {
		states = append(states, fmt.Sprintf("%d deleted on the server", deleted))
	}
	var b strings.Builder
	// Not cut to the terminal: this is an error message, and each row must
	// keep the rating key that names it.
	w := table.New(&b, playlistRefColumns("SERVER"), table.Options{})
	for _, p := range ps {
		_ = w.Row(playlistRefRow(p)...)
	}
	_ = w.Close()
	list := "  " + strings.ReplaceAll(strings.TrimRight(b.String(), "\n"), "\n", "\n  ")
	return history.Playlist{}, usageErrorf("%q names %d playlists (%s); name one by rating key (and --server when keys repeat):\n%s",
		ref, len(ps), strings.Join(states, ", "), list)
}

// playlistRefColumns are the columns that tell playlists with history
// apart: the rating key names one, the state says whether it is still on
// the server.
func playlistRefColumns(server string) []table.Column {
	return []table.Column{
		{Key: "server", Header: server, Flex: true},
		{Key: "rating_key", Header: "RATING KEY"},
		{Key: "title", Header: "PLAYLIST", Flex: true},
		{Key: "versions", Header: "VERSIONS", Right: true},
		{Key: "last_change", Header: "LAST CHANGE"},
		{Key: "state", Header: "STATE"},
	}
}

func playlistRefRow(p history.Playlist) []any {
	state := "current"
	if p.Deleted {
		state = "deleted"
	}
	return []any{p.ServerName, p.RatingKey, history.OneLine(p.Title), p.Versions, format.Time(p.LastChange), state}
}

// similarTitles lists, quoted for "did you mean", up to three titles close
// to ref, closest first: the same words without the emoji, punctuation or
// case ("Road Trip" for "Road Trip 🚗"), ref's words within a longer title
// ("Road Trip II"), or a title a typo or two away. "" when none is.
func similarTitles(ref string, ps []history.Playlist) string {
	type near struct {
		p     history.Playlist
		score int
	}
	key := titleKey(ref)
	symbols := strings.ToLower(strings.TrimSpace(ref))
	var found []near
	for _, p := range ps {
		t := titleKey(p.Title)
		switch {
		case key == "":
			// Nothing but symbols, as "🚗": look for them as typed.
			if symbols != "" && strings.Contains(strings.ToLower(p.Title), symbols) {
				found = append(found, near{p, 1})
			}
		case t == key:
			found = append(found, near{p, 0})
		case len([]rune(key)) >= 3 && (strings.Contains(" "+t+" ", " "+key+" ") || strings.Contains(" "+key+" ", " "+t+" ")):
			found = append(found, near{p, 1})
		default:
			a, b := []rune(strings.ReplaceAll(key, " ", "")), []rune(strings.ReplaceAll(t, " ", ""))
			// Short titles get less slack, or "Mix" would suggest "Jazz".
			if d := config.EditDistance(string(a), string(b)); d <= min(1+min(len(a), len(b))/6, 3) && len(a) > 2 {
				found = append(found, near{p, 1 + d})
			}
		}
	}
	// A playlist still on the server first: it is more likely the one meant.
	slices.SortStableFunc(found, func(a, b near) int {
		return cmp.Or(a.score-b.score, cmp.Compare(boolInt(a.p.Deleted), boolInt(b.p.Deleted)))
	})
	var out []string
	for _, n := range found[:min(len(found), 3)] {
		s := strconv.Quote(history.OneLine(n.p.Title))
		if n.p.Deleted {
			s += " (deleted)"
		}
		out = append(out, s)
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// titleKey is a title's words, lower-cased, without the symbols and
// punctuation between them: what a person typing it from memory gets right.
func titleKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Mn, r)
	})
	return strings.Join(words, " ")
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
