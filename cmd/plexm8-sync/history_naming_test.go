package main

import (
	"strings"
	"testing"
)

// TestNamingAPlaylist: a title that names no playlist suggests the close
// ones; an ambiguous one tells current from deleted.
func TestNamingAPlaylist(t *testing.T) {
	f, env := fakeConfig(t, 300)
	s := f.Owned()
	mustRun(t, env, "sync")
	tracks := s.Tracks("1")
	old := s.CreatePlaylist("Twins", []string{tracks[0].RatingKey})
	gone := s.CreatePlaylist("Summer Mix 2024 ☀️", []string{tracks[2].RatingKey})
	mustRun(t, env, "sync")
	s.DeletePlaylist(old)
	s.DeletePlaylist(gone)
	cur := s.CreatePlaylist("twins", []string{tracks[1].RatingKey})
	mustRun(t, env, "sync")

	for _, c := range []struct {
		ref  string
		want string // "" for no suggestion
	}{
		{"Road Trip", `did you mean "Road Trip 🚗"?`},     // the emoji left out
		{"road-trip", `did you mean "Road Trip 🚗"?`},     // punctuation and case
		{"Raod Trip", `did you mean "Road Trip 🚗"?`},     // a typo
		{"🚗", `did you mean "Road Trip 🚗"?`},             // the emoji alone
		{"summer mix", `"Summer Mix 2024 ☀️" (deleted)`}, // words of a longer title
		{"Twin", `did you mean "twins" or "Twins" (deleted)?`},
		{"Quiet Storm", ""},
	} {
		r := run(t, env, "history", c.ref)
		if r.code != 1 || !strings.Contains(r.stderr, "no playlist "+`"`+c.ref+`"`) {
			t.Errorf("history %q: exit %d\n%s", c.ref, r.code, r.stderr)
			continue
		}
		if c.want == "" {
			if strings.Contains(r.stderr, "did you mean") {
				t.Errorf("history %q suggests a title far from it:\n%s", c.ref, r.stderr)
			}
		} else if !strings.Contains(r.stderr, c.want) {
			t.Errorf("history %q: want %q in\n%s", c.ref, c.want, r.stderr)
		}
		if !strings.Contains(r.stderr, "plexm8-sync history") {
			t.Errorf("history %q does not say how to list the playlists:\n%s", c.ref, r.stderr)
		}
	}
	// diff names playlists the same way.
	if r := run(t, env, "diff", "Road Trip"); r.code != 1 || !strings.Contains(r.stderr, `did you mean "Road Trip 🚗"?`) {
		t.Errorf("diff: exit %d\n%s", r.code, r.stderr)
	}

	// "twins" was "Twins", deleted, and is "twins", current: each candidate's
	// line says which.
	r := run(t, env, "history", "TWINS")
	if r.code != 2 || !strings.Contains(r.stderr, "1 current, 1 deleted on the server") {
		t.Fatalf("ambiguous title: exit %d\n%s", r.code, r.stderr)
	}
	lines := map[string]string{}
	for _, line := range strings.Split(r.stderr, "\n") {
		for _, key := range []string{old, cur} {
			if strings.Contains(line, "  "+key+"  ") {
				lines[key] = line
			}
		}
	}
	if !strings.HasSuffix(lines[old], "deleted") || !strings.HasSuffix(lines[cur], "current") ||
		!strings.Contains(r.stderr, "STATE") {
		t.Errorf("ambiguous title does not tell current from deleted:\n%s", r.stderr)
	}
}
