// Package logging builds the slog loggers of PlexM8 sync and guards them
// against leaking secrets: every handler it makes runs ReplaceAttr, which
// redacts attributes named like credentials and scrubs Plex tokens out of
// strings, errors and rendered values. secret.Value is the first line of
// defence; this is the second, for tokens that arrive as plain text (a URL
// inside a net/http error, a panic message).
package logging

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

// Options selects the handler.
type Options struct {
	Level slog.Level
	// Format is auto, text or json (case-insensitive; anything else is
	// auto). Auto is coloured text (tint) when W is a terminal and the
	// process is not a service, JSON otherwise. Text is tint, coloured
	// only on a terminal outside a service.
	Format string
	// Service is true under a service manager (systemd, launchd, the
	// Windows SCM): auto then means JSON, and colour is never used, since
	// ANSI escapes would end up in the journal.
	Service bool
	// W defaults to os.Stderr, which service managers capture.
	W io.Writer
}

// New returns a logger writing to o.W with the redaction guard installed.
func New(o Options) *slog.Logger {
	return slog.New(NewHandler(o))
}

// NewHandler is New without the Logger, for callers that combine handlers
// (slog.NewMultiHandler); combine only handlers built here so that each
// one redacts.
func NewHandler(o Options) slog.Handler {
	w := o.W
	if w == nil {
		w = os.Stderr
	}
	return newHandler(o, w, colourTerminal(w))
}

// newHandler takes the terminal test as an argument so tests can pretend.
func newHandler(o Options, w io.Writer, terminal bool) slog.Handler {
	colour := terminal && !o.Service
	format := strings.ToLower(strings.TrimSpace(o.Format))
	if format != "text" && format != "json" { // auto, or unknown
		format = "json"
		if colour {
			format = "text"
		}
	}
	if format == "text" {
		return tint.NewTextHandler(w, &tint.Options{
			Level:       o.Level,
			ReplaceAttr: ReplaceAttr,
			NoColor:     !colour,
		})
	}
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       o.Level,
		ReplaceAttr: ReplaceAttr,
	})
}

// IsTerminal reports whether w is an *os.File (or anything with a file
// descriptor) attached to a terminal. It is the one terminal check of the
// program: it asks the terminal driver, so /dev/null, a character device
// that is no terminal, is not one.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// colourTerminal reports whether w is a terminal that shows ANSI colour.
func colourTerminal(w io.Writer) bool {
	return IsTerminal(w) && enableColour(w.(interface{ Fd() uintptr }).Fd())
}
