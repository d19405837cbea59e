package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// groupUsage is the help of a group of verbs such as "service": what each
// verb does, and where to read more.
func groupUsage(w io.Writer, group string, verbs []string) {
	commands := commandsByName()
	fmt.Fprintf(w, "Usage: plexm8-sync %s <verb> [flags]\n\nVerbs:\n", group)
	width := 0
	for _, v := range verbs {
		width = max(width, len(v))
	}
	for _, v := range verbs {
		fmt.Fprintf(w, "  %-*s   %s\n", width, v, commands[group+" "+v].summary)
	}
	fmt.Fprintf(w, "\nRun 'plexm8-sync %s <verb> --help' for a verb's flags and examples.\n", group)
}

func (a *app) mainUsage(w io.Writer) {
	fmt.Fprint(w, `plexm8-sync keeps an offline SQLite mirror of your Plex music: servers,
libraries, artists, albums, tracks, playlists and their history.

Usage:
  plexm8-sync [--config PATH] [--log-level LEVEL] <command> [flags] [args]
`)
	groups := commandGroups()
	width := 0
	for _, g := range groups {
		for _, c := range g.commands {
			width = max(width, len(c.name))
		}
	}
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, c := range g.commands {
			fmt.Fprintf(w, "  %-*s   %s\n", width, c.name, c.summary)
		}
	}
	fmt.Fprint(w, `
Global flags (before or after the command):
  --config PATH       config file (default: $PLEXM8_CONFIG, else the per-user default)
  --log-level LEVEL   debug, info, warn or error
  --version, -v       print the version, as 'plexm8-sync version' (before a command only)

Environment:
  PLEXM8_CONFIG   config file path (--config wins)
  PLEXM8_TOKEN    a Plex token to use instead of the stored credentials
  PLEXM8_DB       database path (overrides database.path)

Start with:
  plexm8-sync demo        try everything against a built-in fake Plex server
  plexm8-sync login       sign in to plex.tv

Run 'plexm8-sync <command> --help' for a command's flags and examples.
`)
	fmt.Fprint(w, "\nExit codes (each command's own cases: docs/commands.md#exit-codes):\n")
	for _, e := range exitCodes {
		fmt.Fprintf(w, "  %-3d  %s\n", e.code, e.short)
	}
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: plexm8-sync %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.help))
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
