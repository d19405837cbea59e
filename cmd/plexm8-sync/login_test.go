package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// loginRig is an app pointed at a fake plex.tv, with a clock the test
// drives: every reading is step later than the one before, and tick is
// told the reading's number.
type loginRig struct {
	a      *app
	f      *plextest.Fake
	client *plex.Client
	out    *bytes.Buffer
	dir    string

	mu   sync.Mutex
	now  time.Time
	step time.Duration
	n    int
	tick func(n int)
}

func newLoginRig(t *testing.T, env map[string]string) *loginRig {
	t.Helper()
	f, cfgEnv := fakeConfig(t, 20)
	delete(cfgEnv, "PLEXM8_TOKEN")
	for k, v := range env {
		cfgEnv[k] = v
	}
	r := &loginRig{f: f, out: &bytes.Buffer{}, now: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), dir: stateDir(cfgEnv)}
	r.a = &app{Env: Env{
		Stdout: r.out, Stderr: &bytes.Buffer{},
		Getenv: func(k string) string { return cfgEnv[k] },
		Now:    r.clock,
	}}
	cfg, err := r.a.Config()
	if err != nil {
		t.Fatal(err)
	}
	if r.client, err = r.a.newPlexClient(cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *loginRig) clock() time.Time {
	r.mu.Lock()
	r.n++
	n, t := r.n, r.now.Add(time.Duration(r.n-1)*r.step)
	tick := r.tick
	r.mu.Unlock()
	if tick != nil {
		tick(n)
	}
	return t
}

func (r *loginRig) claim(p plex.PIN) { _ = r.f.ClaimPIN(p.ID) }

func TestLoginShowsExpiryOnOurClock(t *testing.T) {
	r := newLoginRig(t, nil)
	if err := r.a.loginWith(t.Context(), r.client, r.dir, loginOptions{every: time.Millisecond, shown: r.claim}); err != nil {
		t.Fatal(err)
	}
	// The fake's own clock is fixed in 2025 (its PIN says it expires at
	// 12:30 UTC); what is shown is our clock plus the lifetime it gave.
	want := r.now.Add(30 * time.Minute).Local().Format("15:04:05 MST")
	if !strings.Contains(r.out.String(), "The link expires at "+want+" (in 30m0s)") {
		t.Errorf("expiry not shown on our clock (want %s):\n%s", want, r.out)
	}
	if strings.Contains(r.out.String(), "12:30") || strings.Contains(r.out.String(), "\x1b[K") {
		t.Errorf("fake's clock or a countdown off a terminal:\n%q", r.out)
	}
	c, err := account.Load(r.dir)
	if err != nil || c.Username != "plexm8_user" || !c.SavedAt.Equal(r.now) {
		t.Fatalf("credentials %+v, %v", c, err)
	}
}

func TestLoginCountdown(t *testing.T) {
	r := newLoginRig(t, nil)
	r.step = time.Second
	// The first reading starts the clock, each poll's reading draws the
	// line; while the third line is drawn the user approves in the browser.
	r.tick = func(n int) {
		if n == 4 {
			r.f.ClaimPendingPINs()
		}
	}
	if err := r.a.loginWith(t.Context(), r.client, r.dir, loginOptions{every: time.Millisecond, countdown: true}); err != nil {
		t.Fatal(err)
	}
	out := r.out.String()
	for _, want := range []string{"\r\x1b[K  29:59 left", "\r\x1b[K  29:58 left", "29:57 left\r\x1b[KSigned in as plexm8_user"} {
		if !strings.Contains(out, want) {
			t.Errorf("countdown lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "29:56") {
		t.Errorf("drew the countdown after the approval:\n%q", out)
	}
}

func TestLoginGivesUpAfterExpiryByOurClock(t *testing.T) {
	r := newLoginRig(t, nil)
	r.step = 10 * time.Minute // the fake's clock never moves: only ours can expire the link
	err := r.a.loginWith(t.Context(), r.client, r.dir, loginOptions{every: time.Millisecond, countdown: true})
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "plexm8-sync login") {
		t.Fatalf("err %v", err)
	}
	if !strings.HasSuffix(r.out.String(), "left\r\x1b[K") {
		t.Errorf("countdown line not cleared:\n%q", r.out)
	}
	if _, err := account.Load(r.dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Errorf("credentials after an expired sign-in: %v", err)
	}
}

func TestLoginCtrlCCancelsCleanly(t *testing.T) {
	r := newLoginRig(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	err := r.a.loginWith(ctx, r.client, r.dir, loginOptions{every: time.Hour, countdown: true, shown: func(plex.PIN) { cancel() }})
	if !errors.Is(err, errInterrupted) || !strings.Contains(err.Error(), "nothing was saved") {
		t.Fatalf("err %v", err)
	}
	if _, err := account.Load(r.dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Errorf("credentials after a cancelled sign-in: %v", err)
	}

	// Through the CLI: exit code 130 and one line saying so.
	_, env := fakeConfig(t, 20)
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	var out, errb bytes.Buffer
	code := Main(ctx, []string{"login"}, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	if code != 130 || errb.String() != "plexm8-sync: interrupted: sign-in cancelled; nothing was saved\n" {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(account.Path(stateDir(env))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("credentials file after Ctrl-C: %v", err)
	}
}

func TestLoginOpen(t *testing.T) {
	saved := openBrowser
	t.Cleanup(func() { openBrowser = saved })
	var opened []string
	openBrowser = func(url string) error { opened = append(opened, url); return nil }

	display := map[string]string{"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		open   bool
		opened bool
		say    string
	}{
		{"not asked", display, false, false, ""},
		{"asked, with a display", display, true, true, "Opened in your browser"},
		{"asked, no display", map[string]string{"SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22", "SSH_TTY": "/dev/pts/1"}, true, false, "no display here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opened = nil
			r := newLoginRig(t, tc.env)
			if err := r.a.loginWith(t.Context(), r.client, r.dir, loginOptions{every: time.Millisecond, open: tc.open, shown: r.claim}); err != nil {
				t.Fatal(err)
			}
			if got := len(opened) == 1; got != tc.opened || len(opened) > 1 {
				t.Fatalf("opened %q", opened)
			}
			if tc.opened && !strings.HasPrefix(opened[0], "https://app.plex.tv/auth#?") {
				t.Errorf("opened %q", opened[0])
			}
			if tc.say != "" && !strings.Contains(r.out.String(), tc.say) {
				t.Errorf("output lacks %q:\n%s", tc.say, r.out)
			}
		})
	}
	opened = nil
	openBrowser = func(string) error { return errors.New("xdg-open: not found") }
	r := newLoginRig(t, display)
	if err := r.a.loginWith(t.Context(), r.client, r.dir, loginOptions{every: time.Millisecond, open: true, shown: r.claim}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.out.String(), "could not start a browser: xdg-open: not found; open the link yourself") {
		t.Errorf("a failed browser start is not explained:\n%s", r.out)
	}
}

func TestHasDisplay(t *testing.T) {
	for _, tc := range []struct {
		goos string
		env  map[string]string
		want bool
	}{
		{"linux", nil, false},
		{"linux", map[string]string{"DISPLAY": ":0"}, true},
		{"freebsd", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"darwin", nil, true},
		{"darwin", map[string]string{"SSH_CONNECTION": "x"}, false},
		{"windows", nil, true},
		{"windows", map[string]string{"SSH_TTY": "x"}, false},
	} {
		if got := hasDisplay(tc.goos, func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("hasDisplay(%s, %v) = %v", tc.goos, tc.env, got)
		}
	}
}
