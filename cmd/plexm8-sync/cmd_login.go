package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

func loginCommand() *command {
	return &command{
		name:    "login",
		args:    "[--open]",
		summary: "sign in to plex.tv (PIN flow) and store the token",
		help: `Signs this installation in to plex.tv. It prints a link to app.plex.tv and
waits while you open it (on this machine or any other device) and approve the
sign-in; then it stores the token in the state directory (credentials.json,
mode 0600). On a terminal it counts down until the link expires. Ctrl-C
cancels; nothing is stored then.

--open also opens the link in this machine's browser, when it has a display.

The same client identifier is used forever, so Plex lists one "PlexM8" device
however often you log in. A running daemon notices the new credentials by
itself. PLEXM8_TOKEN, when set, is used instead of the stored token by every
command.

Examples:
  plexm8-sync login
  plexm8-sync login --open
  sudo -u plexm8 env STATE_DIRECTORY=/var/lib/plexm8 plexm8-sync --config /etc/plexm8/config.yaml login`,
		setup: func(fs *flag.FlagSet) runFunc {
			open := fs.Bool("open", false, "open the link in a browser too (only where there is a display)")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("login takes no arguments")
				}
				cfg, err := a.Config()
				if err != nil {
					return err
				}
				client, err := a.newPlexClient(cfg)
				if err != nil {
					return err
				}
				return a.loginWith(ctx, client, cfg.StateDir, loginOptions{
					every: time.Second, open: *open, countdown: isTerminal(a.Stdout),
				})
			}
		},
	}
}

func logoutCommand() *command {
	return &command{
		name:    "logout",
		summary: "forget the stored plex.tv token",
		help: `Deletes the stored credentials. The mirror database is left as it is, and
stays queryable. To also revoke the device, remove "PlexM8" under Authorized
Devices in your Plex account settings.

Example:
  plexm8-sync logout`,
		run: func(_ context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("logout takes no arguments")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			removed, err := account.Remove(cfg.StateDir)
			if err != nil {
				return err
			}
			if removed {
				fmt.Fprintf(a.Stdout, "Signed out: removed %s\n", account.Path(cfg.StateDir))
			} else {
				fmt.Fprintf(a.Stdout, "Not signed in: there is no %s, so nothing to remove.\n", account.Path(cfg.StateDir))
			}
			if !cfg.Token.IsZero() {
				fmt.Fprintf(a.Stdout, "%s is still set, and commands use it: unset it to sign out completely.\n", config.EnvToken)
			}
			return nil
		},
	}
}

// loginOptions adjust the PIN flow.
type loginOptions struct {
	every time.Duration // between polls (and countdown redraws)
	// shown, when set, is told the PIN (the demo claims it).
	shown func(plex.PIN)
	// open asks for the link to be opened in a browser.
	open bool
	// countdown redraws the time left on one line; only for a terminal.
	countdown bool
}

// openBrowser starts the desktop's browser on url without waiting for it.
// Tests replace it: no test may open a browser.
var openBrowser = func(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		// Not "cmd /c start", which would treat the URL's & as a separator.
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // reap it; a browser outlives us anyway
	return nil
}

// hasDisplay reports whether a browser opened here would be seen by the
// user: a graphical session on unix, and not a remote shell on macOS or
// Windows (where it would open on someone else's screen, or none).
func hasDisplay(goos string, getenv func(string) string) bool {
	switch goos {
	case "darwin", "windows":
		return getenv("SSH_CONNECTION") == "" && getenv("SSH_TTY") == ""
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// login runs the PIN flow with the defaults of a non-interactive caller.
func (a *app) login(ctx context.Context, client *plex.Client, stateDir string, every time.Duration, shown func(plex.PIN)) error {
	return a.loginWith(ctx, client, stateDir, loginOptions{every: every, shown: shown})
}

// loginWith runs the PIN flow (account.SignIn) and says what happens: the
// link, the expiry, the countdown and the outcome.
func (a *app) loginWith(ctx context.Context, client *plex.Client, stateDir string, o loginOptions) error {
	cd := &countdown{w: a.Stdout}
	defer cd.clear()
	creds, err := account.SignIn(ctx, client, stateDir, account.SignInOptions{
		Now: a.Now, Every: o.every,
		Show: func(l account.Link) {
			a.showLink(l, o.open)
			if o.shown != nil {
				o.shown(l.PIN)
			}
			cd.deadline, cd.on = l.Deadline, o.countdown && !l.Deadline.IsZero()
		},
		Waiting: cd.draw,
		Retrying: func(err error) {
			cd.clear()
			a.Logger().Warn("checking sign-in failed; retrying", "err", err)
		},
	})
	cd.clear()
	if errors.Is(err, account.ErrSignInCancelled) {
		return fmt.Errorf("%w: sign-in cancelled; nothing was saved", errInterrupted)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Signed in as %s. Token saved in %s (mode 0600).\n", creds.Username, account.Path(stateDir))
	return nil
}

// showLink prints the link to open and when it expires, and opens it in a
// browser when asked to and there is a display to see it on.
func (a *app) showLink(l account.Link, open bool) {
	fmt.Fprintf(a.Stdout, "To sign in, open this link in a browser (on any device) and approve PlexM8:\n\n  %s\n\n", l.URL)
	if open {
		switch {
		case !hasDisplay(runtime.GOOS, a.Getenv):
			fmt.Fprintln(a.Stdout, "(--open: there is no display here, so no browser was opened; open the link on any device.)")
		default:
			if err := openBrowser(l.URL); err != nil {
				fmt.Fprintf(a.Stdout, "(--open: could not start a browser: %v; open the link yourself.)\n", err)
			} else {
				fmt.Fprintln(a.Stdout, "(Opened in your browser.)")
			}
		}
	}
	if l.Deadline.IsZero() {
		fmt.Fprintln(a.Stdout, "Waiting for approval (Ctrl-C cancels)...")
	} else {
		fmt.Fprintf(a.Stdout, "The link expires at %s (in %s). Waiting for approval (Ctrl-C cancels)...\n",
			format.Clock(l.Deadline), l.Deadline.Sub(l.Start).Round(time.Second))
	}
}

// countdown keeps one redrawn line with the time left until deadline.
type countdown struct {
	w        io.Writer
	deadline time.Time
	on       bool
	drawn    bool
}

func (c *countdown) draw(now time.Time) {
	if !c.on {
		return
	}
	left := max(c.deadline.Sub(now).Round(time.Second), 0)
	// \r and "erase to end of line" redraw in place without scrolling.
	fmt.Fprintf(c.w, "\r\x1b[K  %02d:%02d left", int(left.Minutes()), int(left.Seconds())%60)
	c.drawn = true
}

// clear removes the line, so what follows starts on a clean one.
func (c *countdown) clear() {
	if c.drawn {
		fmt.Fprint(c.w, "\r\x1b[K")
		c.drawn = false
	}
}
