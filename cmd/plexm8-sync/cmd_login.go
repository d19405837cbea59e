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
			if err := account.Delete(cfg.StateDir); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Signed out: removed %s\n", account.Path(cfg.StateDir))
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

// expiryGrace is how long past the PIN's expiry, by our clock, login keeps
// asking plex.tv before it gives up by itself.
const expiryGrace = 10 * time.Second

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

// loginWith runs the PIN flow: create a strong PIN, show the link, poll
// until the user claims it.
func (a *app) loginWith(ctx context.Context, client *plex.Client, stateDir string, o loginOptions) error {
	pin, err := client.CreatePIN(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: sign-in cancelled; nothing was saved", errInterrupted)
		}
		return fmt.Errorf("start sign-in: %w", err)
	}
	// The deadline is reckoned on our clock from the lifetime plex.tv gave:
	// its expiresAt is on its own clock, which need not agree with ours.
	start := a.Now()
	deadline := pin.ExpiresAt
	if pin.ExpiresIn > 0 {
		deadline = start.Add(pin.ExpiresIn)
	}
	link := client.AuthURL(pin)
	fmt.Fprintf(a.Stdout, "To sign in, open this link in a browser (on any device) and approve PlexM8:\n\n  %s\n\n", link)
	if o.open {
		switch {
		case !hasDisplay(runtime.GOOS, a.Getenv):
			fmt.Fprintln(a.Stdout, "(--open: there is no display here, so no browser was opened; open the link on any device.)")
		default:
			if err := openBrowser(link); err != nil {
				fmt.Fprintf(a.Stdout, "(--open: could not start a browser: %v; open the link yourself.)\n", err)
			} else {
				fmt.Fprintln(a.Stdout, "(Opened in your browser.)")
			}
		}
	}
	if deadline.IsZero() {
		fmt.Fprintln(a.Stdout, "Waiting for approval (Ctrl-C cancels)...")
	} else {
		fmt.Fprintf(a.Stdout, "The link expires at %s (in %s). Waiting for approval (Ctrl-C cancels)...\n",
			deadline.Local().Format("15:04:05 MST"), deadline.Sub(start).Round(time.Second))
	}
	if o.shown != nil {
		o.shown(pin)
	}
	cd := &countdown{w: a.Stdout, deadline: deadline, on: o.countdown && !deadline.IsZero()}
	defer cd.clear()
	tick := time.NewTicker(o.every)
	defer tick.Stop()
	for {
		p, err := client.CheckPIN(ctx, pin.ID)
		switch {
		case ctx.Err() != nil:
			cd.clear()
			return fmt.Errorf("%w: sign-in cancelled; nothing was saved", errInterrupted)
		case errors.Is(err, plex.ErrPINExpired):
			cd.clear()
			return errors.New("the sign-in link expired before it was approved: run 'plexm8-sync login' again")
		case err != nil:
			cd.clear()
			a.Logger().Warn("checking sign-in failed; retrying", "err", err)
		case !p.AuthToken.IsZero():
			cd.clear()
			user, err := client.User(ctx, p.AuthToken)
			if ctx.Err() != nil {
				return fmt.Errorf("%w: sign-in cancelled; nothing was saved", errInterrupted)
			}
			if err != nil {
				return fmt.Errorf("check the new token: %w", err)
			}
			if err := account.Save(stateDir, account.Credentials{Token: p.AuthToken, Username: user.Username, SavedAt: a.Now()}); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Signed in as %s. Token saved in %s (mode 0600).\n", user.Username, account.Path(stateDir))
			return nil
		}
		now := a.Now()
		if !deadline.IsZero() && now.After(deadline.Add(expiryGrace)) {
			cd.clear()
			return errors.New("the sign-in link expired before it was approved: run 'plexm8-sync login' again")
		}
		cd.draw(now)
		select {
		case <-ctx.Done():
			cd.clear()
			return fmt.Errorf("%w: sign-in cancelled; nothing was saved", errInterrupted)
		case <-tick.C:
		}
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
