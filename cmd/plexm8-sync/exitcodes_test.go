package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kardianos/service"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// A dry run exits as the restore would: 1 when items would not be found,
// also when none would, and 0 when all would; it sends nothing either way.
func TestRestoreDryRunExitsAsTheRestoreWould(t *testing.T) {
	f, env := fakeConfig(t, 300)
	s := f.Owned()
	mustRun(t, env, "sync")
	road := playlistByTitle(t, s, "Road Trip 🚗")
	keys := itemKeys(s, road.RatingKey)
	gone, _ := s.Track(keys[2])
	s.RemoveTrack(keys[2])
	// A playlist whose every track is gone from the server (two more of
	// the road trip's).
	lost := s.CreatePlaylist("Lost Album", keys[5:7])
	mustRun(t, env, "sync")
	for _, k := range keys[5:7] {
		s.RemoveTrack(k)
	}
	mustRun(t, env, "sync")

	f.ResetRequests()
	// Version 1 still holds the removed track.
	dry := run(t, env, "restore", road.RatingKey, "--at", "1", "--as", "Road Trip again", "--dry-run")
	if dry.code != exitFailed || !strings.Contains(dry.stdout, "not found on Home Server:") || !strings.Contains(dry.stdout, gone.Title) ||
		!strings.Contains(dry.stdout, "Dry run: nothing was sent") || !strings.Contains(dry.stderr, "3 of 20 saved items would not be found on Home Server") {
		t.Fatalf("dry run with a missing track: exit %d\n%s\n%s", dry.code, dry.stdout, dry.stderr)
	}
	if strings.Contains(dry.stderr, "Run 'plexm8-sync") {
		t.Errorf("a restore that falls short is no usage error, but the hint says so:\n%s", dry.stderr)
	}
	none := run(t, env, "restore", lost, "--at", "1", "--dry-run")
	if none.code != exitFailed || !strings.Contains(none.stderr, "none of the 2 saved items was found on Home Server: nothing would be restored") {
		t.Fatalf("dry run with nothing to restore: exit %d\n%s\n%s", none.code, none.stdout, none.stderr)
	}
	if len(f.Requests()) != 0 {
		t.Fatalf("--dry-run sent %d requests", len(f.Requests()))
	}
	// The real runs exit alike.
	if r := run(t, env, "restore", road.RatingKey, "--at", "1", "--as", "Road Trip again"); r.code != dry.code {
		t.Errorf("restore exit %d, its dry run %d\n%s", r.code, dry.code, r.stderr)
	}
	if r := run(t, env, "restore", lost, "--at", "1"); r.code != none.code {
		t.Errorf("restore of nothing: exit %d, its dry run %d\n%s", r.code, none.code, r.stderr)
	}
	if r := run(t, env, "restore", "Same Song Twice", "--as", "Twice again", "--dry-run"); r.code != exitOK {
		t.Errorf("complete dry run: exit %d\n%s", r.code, r.stderr)
	}
}

// Every code Main returns is in exitCodes, and every command behaves as the
// table says: each case the table names is run here.
func TestExitCodeTable(t *testing.T) {
	var codes []int
	for _, e := range exitCodes {
		codes = append(codes, e.code)
	}
	if want := []int{exitOK, exitFailed, exitUsage, exitInterrupted}; !slices.Equal(codes, want) {
		t.Fatalf("exit codes %v, want %v (the constants Main maps errors to)", codes, want)
	}
	commands := commandsByName()
	// Every command: --help is success, a flag it lacks a usage error that
	// points at its own help.
	for name := range commands {
		if r := run(t, nil, append(strings.Fields(name), "--help")...); r.code != exitOK {
			t.Errorf("%s --help: exit %d", name, r.code)
		}
		r := run(t, nil, append(strings.Fields(name), "--no-such-flag")...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "unknown flag --no-such-flag") ||
			!strings.Contains(r.stderr, "\nUsage: plexm8-sync "+synopsis(commands[name])+"\n") ||
			!strings.HasSuffix(r.stderr, "Run 'plexm8-sync "+name+" --help' for more.\n") {
			t.Errorf("%s --no-such-flag: exit %d\n%s", name, r.code, r.stderr)
		}
	}

	fixture := exitFixture(t)
	for _, e := range exitCodes {
		for _, c := range e.cases {
			if commands[c.command] == nil {
				t.Errorf("exit code %d: no command %q", e.code, c.command)
				continue
			}
			check := fixture[exitCase{c.command, strconv.Itoa(e.code)}]
			if check == nil {
				t.Errorf("exit code %d for %s (%s) is not checked here: add it", e.code, c.command, c.when)
				continue
			}
			for _, r := range check(t) {
				if r.code != e.code {
					t.Errorf("%s, %s: exit %d, the table says %d\n%s%s", c.command, c.when, r.code, e.code, r.stdout, r.stderr)
				}
			}
		}
	}
}

// exitFixture sets up the cases of the exit code table, keyed by command
// and code.
func exitFixture(t *testing.T) map[exitCase]func(*testing.T) []result {
	t.Helper()
	f, env := fakeConfig(t, 40)
	s := f.Owned()
	mustRun(t, env, "sync")
	road := playlistByTitle(t, s, "Road Trip 🚗")
	// A second playlist of the same title makes the title ambiguous.
	s.CreatePlaylist("Road Trip 🚗", itemKeys(s, road.RatingKey)[:2])
	mustRun(t, env, "sync")
	partial := func(t *testing.T) []result {
		for _, p := range s.Playlists() {
			if p.PlaylistType == "audio" && !p.Smart {
				s.RenamePlaylist(p.RatingKey, p.Title+" renamed")
				f.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists/" + p.RatingKey + "/items", Status: http.StatusBadRequest})
				break
			}
		}
		defer f.ClearFaults()
		return []result{run(t, env, "sync")}
	}
	health := func(status int) func(*testing.T) []result {
		return func(t *testing.T) []result {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
			defer srv.Close()
			return []result{run(t, nil, "healthcheck", "--url", srv.URL+"/healthz")}
		}
	}
	svcStatus := func(st service.Status, err error) func(*testing.T) []result {
		return func(t *testing.T) []result {
			cfg, senv := installEnv(t, systemState)
			_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
			fs.status, fs.err = st, err
			return []result{run(t, senv, "--config", cfg, "service", "status")}
		}
	}
	noManager := func(t *testing.T) []result {
		cfg, senv := installEnv(t, systemState)
		h, _ := fakeHost(t, "/usr/local/bin/plexm8-sync")
		h.manager = func() error { return os.ErrNotExist }
		return []result{run(t, senv, "--config", cfg, "service", "status")}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("plex:\n  tokn: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[exitCase]func(*testing.T) []result{
		{"service status", "0"}: svcStatus(service.StatusRunning, nil),
		{"healthcheck", "0"}:    health(http.StatusOK),
		{"sync", "1"}:           partial,
		{"restore", "1"}: func(t *testing.T) []result {
			keys := itemKeys(s, road.RatingKey)
			s.RemoveTrack(keys[0])
			mustRun(t, env, "sync")
			return []result{run(t, env, "restore", road.RatingKey, "--at", "1", "--dry-run"), run(t, env, "restore", road.RatingKey, "--at", "1", "--as", "again")}
		},
		{"config check", "1"}: func(t *testing.T) []result { return []result{run(t, nil, "--config", bad, "config", "check")} },
		{"service status", "1"}: func(t *testing.T) []result {
			return append(append(svcStatus(service.StatusStopped, nil)(t), svcStatus(service.StatusUnknown, service.ErrNotInstalled)(t)...), noManager(t)...)
		},
		{"healthcheck", "1"}: health(http.StatusServiceUnavailable),
		{"history", "2"}:     func(t *testing.T) []result { return []result{run(t, env, "history", "road trip 🚗")} },
		{"diff", "2"}: func(t *testing.T) []result {
			return []result{run(t, env, "diff", "Road Trip 🚗"), run(t, env, "diff", road.RatingKey, "--from", "99")}
		},
		{"export", "2"}: func(t *testing.T) []result {
			return []result{run(t, env, "export", "Road Trip 🚗", "--format", "m3u8"), run(t, env, "export", road.RatingKey, "--format", "m3u8", "--at", "99")}
		},
		{"restore", "2"}: func(t *testing.T) []result {
			return []result{run(t, env, "restore", "Road Trip 🚗", "--dry-run"), run(t, env, "restore", road.RatingKey, "--at", "99", "--dry-run")}
		},
		{"sync", "130"}: func(t *testing.T) []result {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var out, errb bytes.Buffer
			code := Main(ctx, []string{"sync"}, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
			return []result{{code, out.String(), errb.String()}}
		},
		{"login", "130"}: func(t *testing.T) []result {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var out, errb bytes.Buffer
			code := Main(ctx, []string{"login"}, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
			return []result{{code, out.String(), errb.String()}}
		},
	}
}
