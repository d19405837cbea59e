package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// rawBody matches what a response body looks like when it is printed as it
// came: JSON objects or arrays, HTML or XML markup.
var rawBody = regexp.MustCompile(`[{\[]\s*"|"errors"|<\s*/?\s*(html|head|title|body|h1|errors?|Response)\b`)

// checkMessage fails when an error message says a piece of its context
// twice ("list servers: list servers: ...") or shows a raw response body.
func checkMessage(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "{\"time\"") {
			continue // a JSON log line is JSON on purpose
		}
		seen := map[string]bool{}
		for _, seg := range strings.Split(line, ": ") {
			seg = strings.TrimSpace(strings.TrimPrefix(seg, "plexm8-sync"))
			if seg == "" {
				continue
			}
			if seen[seg] {
				t.Errorf("%s: %q is said twice in %q", what, seg, line)
			}
			seen[seg] = true
		}
		if m := rawBody.FindString(line); m != "" {
			t.Errorf("%s: a raw response body (%q) in %q", what, m, line)
		}
	}
}

func TestFailingCommandsSayEachThingOnce(t *testing.T) {
	f, env := fakeConfig(t, 40)
	if r := run(t, env, "sync"); r.code != 0 {
		t.Fatalf("first sync: %d %s", r.code, r.stderr)
	}
	owned := f.Owned().MachineID()
	cases := []struct {
		name  string
		fault plextest.Fault
		args  []string
		want  string // the reason the body gave, readable
	}{
		{"plex.tv JSON error", plextest.Fault{Host: plextest.HostPlexTV, Path: "/api/v2/resources", Status: http.StatusBadRequest,
			Body: `{"errors":[{"code":1099,"message":"Client identifier rejected","status":400}]}`},
			[]string{"sync"}, "Client identifier rejected (Plex error 1099)"},
		{"plex.tv default error", plextest.Fault{Host: plextest.HostPlexTV, Path: "/api/v2/resources", Status: http.StatusBadRequest},
			[]string{"sync"}, "400 Bad Request\n"},
		{"plex.tv XML error", plextest.Fault{Host: plextest.HostPlexTV, Path: "/api/v2/resources", Status: http.StatusForbidden,
			Body: `<?xml version="1.0" encoding="UTF-8"?><errors><error code="1030" message="Device is not allowed" status="403"/></errors>`},
			[]string{"sync"}, "Device is not allowed (Plex error 1030)"},
		{"server HTML page", plextest.Fault{Host: owned, Path: "/library/sections", Status: http.StatusBadRequest},
			[]string{"sync", "--server", "Home Server"}, "400 Bad Request\n"},
		{"server HTML with a reason", plextest.Fault{Host: owned, Path: "/library/sections", Status: http.StatusForbidden,
			Body: "<html><head><title>Forbidden</title></head><body><h1>Library access denied</h1></body></html>"},
			[]string{"sync", "--server", "Home Server"}, "403 Forbidden: Library access denied\n"},
		{"sign-in PIN", plextest.Fault{Host: plextest.HostPlexTV, Path: "/api/v2/pins", Status: http.StatusBadRequest,
			Body: `{"errors":[{"code":1000,"message":"X-Plex-Product is missing","status":400}]}`},
			[]string{"login"}, "X-Plex-Product is missing"},
		{"restore's server list", plextest.Fault{Host: plextest.HostPlexTV, Path: "/api/v2/resources", Status: http.StatusBadRequest,
			Body: `{"errors":[{"code":1098,"message":"Try again later","status":400}]}`},
			[]string{"restore", firstPlaylist(t, env), "--as", "copy"}, "Try again later"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.ClearFaults()
			f.Inject(c.fault)
			r := run(t, env, c.args...)
			if r.code == 0 {
				t.Fatalf("%v did not fail:\n%s%s", c.args, r.stdout, r.stderr)
			}
			checkMessage(t, strings.Join(c.args, " "), r.stdout+r.stderr)
			if !strings.Contains(r.stdout+r.stderr, c.want) {
				t.Errorf("%v: the reason %q is missing:\n%s%s", c.args, c.want, r.stdout, r.stderr)
			}
		})
	}
}

// firstPlaylist is the title of a playlist the mirror holds.
func firstPlaylist(t *testing.T, env map[string]string) string {
	t.Helper()
	r := run(t, env, "sql", "SELECT title FROM playlists WHERE smart = 0 AND playlist_type = 'audio' ORDER BY title LIMIT 1")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) < 2 {
		t.Fatalf("no playlist: %d %q %q", r.code, r.stdout, r.stderr)
	}
	return strings.TrimSpace(lines[1])
}

func TestRejectedEnvTokenSaysToFixTheVariable(t *testing.T) {
	_, env := fakeConfig(t, 20)
	env["PLEXM8_TOKEN"] = "not-a-real-token"
	r := run(t, env, "sync")
	if r.code != 1 || !strings.Contains(r.stderr, "PLEXM8_TOKEN") || !strings.Contains(r.stderr, "unset") {
		t.Fatalf("sync with a rejected PLEXM8_TOKEN: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "run 'plexm8-sync login'") {
		t.Errorf("advises login, which cannot help while PLEXM8_TOKEN overrides it:\n%s", r.stderr)
	}
	checkMessage(t, "sync", r.stderr)
}

func TestLogoutTwice(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("state_dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(`{"token":"x","username":"u"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PLEXM8_CONFIG": cfg}
	if r := run(t, env, "logout"); r.code != 0 || !strings.Contains(r.stdout, "Signed out: removed") {
		t.Fatalf("logout: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r := run(t, env, "logout")
	if r.code != 0 || strings.Contains(r.stdout, "removed") || !strings.Contains(r.stdout, "nothing to remove") {
		t.Fatalf("second logout: %d %q %q", r.code, r.stdout, r.stderr)
	}
	env["PLEXM8_TOKEN"] = "still-here"
	if r := run(t, env, "logout"); !strings.Contains(r.stdout, "PLEXM8_TOKEN is still set") || strings.Contains(r.stdout, "still-here") {
		t.Errorf("logout with PLEXM8_TOKEN set: %q", r.stdout)
	}
}
