package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// The exit codes. Main maps errors to them through exitCodeOf, and
// exitCodes documents them: 'plexm8-sync --help' lists them and the command
// reference (docs/commands.md) renders the whole table, whose rows a test
// (exitcodes_test.go) checks command by command.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// exitCodeOf is the exit code an error from dispatch ends the process with.
func exitCodeOf(err error) int {
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.Is(err, errUsage):
		return exitUsage
	}
	return exitFailed
}

// exitCode is one row of the exit code table: what the code means for
// every command, and what it means in particular for some.
type exitCode struct {
	code    int
	short   string // for --help
	meaning string // for the reference, in Markdown
	// cases names commands for which the code has a particular meaning.
	cases []exitCase
}

type exitCase struct{ command, when string }

var exitCodes = []exitCode{
	{exitOK, "success (also --help)", "success; also for `--help`", []exitCase{
		{"service status", "the service runs"},
		{"healthcheck", "the daemon's /healthz answered 200"},
	}},
	{exitFailed, "failed, or did not do all it was asked (the message says what to do)", "the command failed, or did not do all it was asked; the message says why and what to do next", []exitCase{
		{"sync", "a server, library or playlist failed (the pass is partial); run it again to finish"},
		{"restore", "an item was not found on the target or not kept by the server; with `--dry-run`, when an item would not be found (nothing is sent)"},
		{"config check", "the config is invalid"},
		{"service status", "the service is stopped or not installed, or no service manager runs on this machine"},
		{"healthcheck", "the daemon is not reachable, or answers 503"},
	}},
	{exitUsage, "usage error: unknown command or flag, wrong arguments or values", "usage error: an unknown command or flag, a wrong argument or flag value (such as `--log-level loud`), or an empty or several-statement `sql` query", []exitCase{
		{"history", "a title that names several playlists (they are listed)"},
		{"diff", "as for history, or a version (`--from`, `--to`) that does not exist"},
		{"export", "as for history, or a version (`--at`) that does not exist"},
		{"restore", "as for history, or a version (`--at`) that does not exist"},
	}},
	{exitInterrupted, "interrupted (Ctrl-C or SIGTERM)", "stopped by Ctrl-C or SIGTERM before it finished; what it had committed stays, the rest was rolled back", []exitCase{
		{"login", "sign-in cancelled with Ctrl-C; nothing was saved"},
		{"sync", "stopped mid-pass; the summary counts what was committed"},
	}},
}

// writeExitCodes renders the table in Markdown, for the command reference.
func writeExitCodes(w io.Writer) {
	fmt.Fprint(w, "| code | meaning | for these commands in particular |\n|---|---|---|\n")
	for _, e := range exitCodes {
		var cases []string
		for _, c := range e.cases {
			cases = append(cases, fmt.Sprintf("`%s`: %s", c.command, c.when))
		}
		fmt.Fprintf(w, "| %d | %s | %s |\n", e.code, e.meaning, strings.Join(cases, "<br>"))
	}
}
