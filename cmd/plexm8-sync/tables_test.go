package main

import (
	"maps"
	"strings"
	"testing"
	"unicode"

	"github.com/mattn/go-runewidth"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// cells measures as a terminal shows text, as the table package does: East
// Asian ambiguous characters take one cell whatever the locale.
var cells = &runewidth.Condition{EastAsianWidth: false}

// checkTables asserts that no line of out is wider than limit cells (but
// those that exempt allows: a heading may wrap), and that each table (an
// upper-case header line and the rows under it, up to a blank line or a
// line of prose) is aligned by display width, not by runes or bytes: under
// a header title starting at cell s and ending at cell e, every row's cell
// starts at s after a two-cell gap or, in a right-aligned column, every
// row's cell ends at e before one. It returns the number of tables it checked.
func checkTables(t *testing.T, out string, limit int, exempt func(string) bool) int {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	tables := 0
	for n := 0; n < len(lines); n++ {
		line := lines[n]
		if w := cells.StringWidth(line); w > limit && (exempt == nil || !exempt(line)) {
			t.Errorf("line %d is %d cells, over %d: %q", n+1, w, limit, line)
		}
		if !isHeader(line) {
			continue
		}
		tables++
		rows := []string{}
		for n+1 < len(lines) && !isProse(lines[n+1]) {
			n++
			rows = append(rows, lines[n])
			if w := cells.StringWidth(lines[n]); w > limit {
				t.Errorf("line %d is %d cells, over %d: %q", n+1, w, limit, lines[n])
			}
		}
		for _, c := range headerTitles(line) {
			// A column is aligned left or right; the rows out of line are
			// those that fit neither, or the fewer of the two.
			var left, right []string
			for _, r := range rows {
				// An empty cell fits either way; text under the title
				// must start at its start or end at its end.
				empty := true
				for n := c.start; n < c.end; n++ {
					empty = empty && blank(r, n)
				}
				if !(blank(r, c.start-2) && blank(r, c.start-1) && whole(r, c.start) && (empty || !blank(r, c.start))) {
					left = append(left, r)
				}
				if !(blank(r, c.end) && blank(r, c.end+1) && whole(r, c.end) && (empty || !blank(r, c.end-1))) {
					right = append(right, r)
				}
			}
			bad := left
			if len(right) < len(left) {
				bad = right
			}
			for _, r := range bad {
				t.Errorf("a row is out of line with %q (cells %d to %d):\n%s\n%s", c.title, c.start, c.end, line, r)
			}
		}
	}
	return tables
}

func isHeader(line string) bool {
	return strings.ContainsFunc(line, unicode.IsLetter) && !strings.ContainsFunc(line, unicode.IsLower)
}

// isProse tells a line that ends a table: blank, a label ("Largest
// playlists:") or a sentence ("sync runs: 4 (0 failed)").
func isProse(line string) bool {
	return line == "" || strings.HasSuffix(line, ":") || strings.Contains(line, ": ")
}

type headerTitle struct {
	title      string
	start, end int // cells
}

// headerTitles splits a header into its titles, which two spaces or more
// separate ("RATING KEY" is one), with the cells each spans.
func headerTitles(header string) []headerTitle {
	var out []headerTitle
	var cur strings.Builder
	col, start, spaces := 0, 0, 0
	flush := func() {
		if s := strings.TrimRight(cur.String(), " "); s != "" {
			out = append(out, headerTitle{s, start, start + cells.StringWidth(s)})
		}
		cur.Reset()
	}
	for _, r := range header {
		if r == ' ' {
			spaces++
		} else {
			if spaces >= 2 {
				flush()
			}
			if cur.Len() == 0 {
				start = col
			} else if spaces == 1 {
				cur.WriteRune(' ')
			}
			spaces = 0
			cur.WriteRune(r)
		}
		col += cells.RuneWidth(r)
	}
	flush()
	return out
}

// blank reports whether a line shows nothing at cell n: a space, or past
// its end. A wide character over cell n is not blank.
func blank(line string, n int) bool {
	if n < 0 || cells.StringWidth(line) <= n {
		return true
	}
	p := cells.Truncate(line, n+1, "")
	return cells.StringWidth(p) == n+1 && strings.HasSuffix(p, " ")
}

// whole reports whether no character of line straddles the boundary
// before cell n.
func whole(line string, n int) bool {
	return cells.StringWidth(line) <= n || cells.StringWidth(cells.Truncate(line, n, "")) == n
}

// TestTablesFitColumns runs every table command under COLUMNS=60 with wide
// titles (CJK, emoji, a ZWJ sequence) in the library and its history.
// COLUMNS holds for a pipe too, as the tests' output is.
func TestTablesFitColumns(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 300})
	s := q.fake.Owned()
	const title = "東京の夜 🌃 Night Drive — 夜のドライブ 🚗 with 👨‍👩‍👧‍👦"
	long := s.CreatePlaylist(title, q.sc.tracks)
	q.sync(t)
	s.RenamePlaylist(long, title+" (extended)")
	s.MovePlaylistItem(long, 0, 3)
	q.sync(t)

	env := maps.Clone(q.env)
	env["COLUMNS"] = "60"
	for _, c := range []struct {
		args   []string
		tables int
	}{
		{[]string{"playlists"}, 1},
		{[]string{"playlists", "--type", "all"}, 1},
		{[]string{"stats"}, 4},
		{[]string{"history"}, 1},
		{[]string{"history", long}, 1},
		{[]string{"tracks", "--playlist", "Unicode ✓"}, 1},
		{[]string{"artists"}, 1},
		{[]string{"albums"}, 1},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := run(t, env, c.args...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			// The heading above a playlist's versions keeps its whole title.
			heading := func(line string) bool { return strings.HasPrefix(line, title) }
			if n := checkTables(t, r.stdout, 60, heading); n != c.tables {
				t.Errorf("%d tables, want %d", n, c.tables)
			}
			if t.Failed() {
				t.Logf("output:\n%s", r.stdout)
			}
		})
	}

	// Without a usable COLUMNS, output to a pipe is never cut, and still
	// aligned.
	for _, cols := range []string{"", "0", "-3", "wide"} {
		t.Run("COLUMNS="+cols, func(t *testing.T) {
			env["COLUMNS"] = cols
			r := run(t, env, "history")
			if r.code != 0 || !strings.Contains(r.stdout, title+" (extended)") || strings.Contains(r.stdout, "…") {
				t.Errorf("exit %d\n%s", r.code, r.stdout)
			}
			if checkTables(t, r.stdout, 1000, nil) != 1 {
				t.Errorf("no table:\n%s", r.stdout)
			}
		})
	}
}
