package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/logging"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// Env is the process's outside world, injected so tests can run commands
// in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the clock for what commands show ("expires in 4m", "next run
	// 19:40"); nil means time.Now.
	Now func() time.Time
}

// command is one CLI verb. Each is built by a function in its own cmd_*.go
// file and listed in commandGroups (commands.go).
type command struct {
	name    string // "sync", or "config check" for a verb in a group
	args    string // synopsis after the name, e.g. "[--full] [--server NAME]"
	summary string // one line for the command list
	help    string // what it does, when to use it, and an example
	run     runFunc
	// setup, for a command with flags, defines them on fs and returns the
	// run that reads them. It is called for every invocation, so no flag
	// value outlives the one that set it (tests run many in one process).
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(ctx context.Context, a *app, args []string) error

// errUsage marks errors that are the caller's wording, answered with usage
// and exit code 2. Match it with errors.Is.
var errUsage = errors.New("usage")

// errInterrupted marks a command the user stopped (Ctrl-C): exit code 130,
// as a shell reports a process ended by SIGINT.
var errInterrupted = errors.New("interrupted")

// usageError is a usage error's message, without a prefix: it is shown as
// it is, followed by the hint where to read more.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// inCommand ties an error to the command (or group of verbs) whose
// invocation it answers, so that a usage error can point at its help.
type inCommand struct {
	name, synopsis string
	err            error
}

func (e *inCommand) Error() string { return e.err.Error() }
func (e *inCommand) Unwrap() error { return e.err }

// app carries what every command shares: the environment, the global flags,
// and the config and logger built from them on first use.
type app struct {
	Env
	configPath string
	logLevel   string
	cfg        *config.Config
	log        *slog.Logger
	service    bool // running under a service manager
	// flagsEnded is set while a command runs whose "--" dispatch consumed,
	// so that positionals, which sees only the words after it, takes every
	// one of them as a word.
	flagsEnded bool
	// plexOptions adjust every Plex client the commands build; the demo
	// uses it to trust its fake server's certificate.
	plexOptions []func(*plex.Options)
}

func globalFlags(fs *flag.FlagSet, a *app) {
	fs.StringVar(&a.configPath, "config", a.configPath, "config file `path` (default: $PLEXM8_CONFIG, else the per-user default)")
	fs.StringVar(&a.logLevel, "log-level", a.logLevel, "log `level`: debug, info, warn or error (default: from the config, info)")
}

// Config loads the configuration once.
func (a *app) Config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path, explicit := config.Resolve(a.configPath, a.Getenv)
	cfg, err := config.Load(path, explicit, a.Getenv)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

// Logger builds the logger from the config and --log-level.
func (a *app) Logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	// A config that does not load is the command's error to report; until
	// then the defaults log it.
	cfg, _ := a.Config()
	format := "auto"
	if cfg != nil {
		format = cfg.Log.Format
	}
	a.log = logging.New(logging.Options{Level: a.level(cfg), Format: format, Service: a.service, W: a.Stderr})
	return a.log
}

// level is the log level --log-level asks for, else the config's (cfg may
// be nil), else info.
func (a *app) level(cfg *config.Config) slog.Level {
	level := slog.LevelInfo
	if cfg != nil {
		if l, err := logging.ParseLevel(cfg.Log.Level); err == nil {
			level = l
		}
	}
	if a.logLevel != "" {
		if l, err := logging.ParseLevel(a.logLevel); err == nil {
			level = l
		}
	}
	return level
}

// Main runs the CLI and returns the process exit code, one of exitCodes.
func Main(ctx context.Context, args []string, env Env) int {
	a := &app{Env: env}
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	err := a.dispatch(ctx, args)
	code := exitCodeOf(err)
	if code == exitFailed && ctx.Err() != nil {
		// Whatever a command was doing when Ctrl-C or SIGTERM came, the
		// shell and scripts hear that it was stopped, not that it failed.
		code = exitInterrupted
	}
	if code == exitOK {
		return code
	}
	if code == exitFailed {
		err = explainDamaged(err)
	}
	fmt.Fprintf(a.Stderr, "plexm8-sync: %v\n", err)
	if code == exitUsage {
		// Only a usage error is helped by the help; a failure's own message
		// says what to do.
		var in *inCommand
		if errors.As(err, &in) {
			fmt.Fprintf(a.Stderr, "Usage: plexm8-sync %s\nRun 'plexm8-sync %s --help' for more.\n", in.synopsis, in.name)
		} else {
			fmt.Fprintln(a.Stderr, "Run 'plexm8-sync --help' for the commands.")
		}
	}
	return code
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("plexm8-sync", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	globalFlags(fs, a)
	// --version and -v are the habit of other tools; before a command only,
	// where they cannot be mistaken for a command's own flag.
	var showVersion bool
	fs.BoolVar(&showVersion, "version", false, "")
	fs.BoolVar(&showVersion, "v", false, "")
	rest, _, err := parseFlags(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.mainUsage(a.Stdout)
			return flag.ErrHelp
		}
		return usageErrorf("%s", flagError(err))
	}
	if showVersion {
		if len(rest) > 0 {
			return usageErrorf("--version takes no command (did you mean 'plexm8-sync %s --help'?)", rest[0])
		}
		rest = []string{"version"}
	}
	if len(rest) == 0 || rest[0] == "help" {
		if len(rest) > 1 {
			return a.dispatch(ctx, append(rest[1:], "--help"))
		}
		a.mainUsage(a.Stdout)
		if len(rest) == 0 {
			return usageErrorf("no command given")
		}
		return nil
	}
	if err := a.checkLogLevel(); err != nil {
		return err
	}
	commands := commandsByName()
	words := rest
	c, rest, err := lookup(commands, words)
	if err != nil {
		if g := groupOf(words[0]); len(g) > 0 && wantsHelp(words[1:]) {
			groupUsage(a.Stdout, words[0], g)
			return flag.ErrHelp
		}
		return err
	}
	cfs := flag.NewFlagSet("plexm8-sync "+c.name, flag.ContinueOnError)
	cfs.SetOutput(io.Discard)
	globalFlags(cfs, a)
	run := c.run
	if c.setup != nil {
		run = c.setup(cfs)
	}
	rest, ended, err := parseFlags(cfs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(a.Stdout, c, cfs)
			return flag.ErrHelp
		}
		return &inCommand{c.name, synopsis(c), usageErrorf("%s: %s", c.name, flagError(err))}
	}
	if err := a.checkLogLevel(); err != nil {
		return err
	}
	// A command run from within another (the demo's tour) must not
	// inherit the outer one's "--".
	defer func(outer bool) { a.flagsEnded = outer }(a.flagsEnded)
	a.flagsEnded = ended
	if err := run(ctx, a, rest); err != nil {
		if errors.Is(err, errUsage) {
			return &inCommand{c.name, synopsis(c), err}
		}
		return err
	}
	return nil
}

// checkLogLevel refuses a --log-level that is not a level, rather than
// logging at another level than asked.
func (a *app) checkLogLevel() error {
	if a.logLevel == "" {
		return nil
	}
	if _, err := logging.ParseLevel(a.logLevel); err != nil {
		return usageErrorf("--log-level %q is not a level: use one of debug, info, warn, error", a.logLevel)
	}
	return nil
}

// synopsis is the command's one-line usage, after "plexm8-sync ".
func synopsis(c *command) string {
	return strings.TrimSpace(c.name + " " + c.args)
}

// lookup finds the command named by the first one or two words.
func lookup(commands map[string]*command, args []string) (*command, []string, error) {
	if len(args) > 1 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:], nil
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:], nil
	}
	if group := groupOf(args[0]); len(group) > 0 {
		in := func(err error) error {
			return &inCommand{args[0], args[0] + " " + strings.Join(group, "|") + " [flags]", err}
		}
		if len(args) == 1 || strings.HasPrefix(args[1], "-") {
			return nil, nil, in(usageErrorf("%s needs one of: %s", args[0], strings.Join(group, ", ")))
		}
		hint := ""
		if best := config.Closest(args[1], group); best != "" {
			hint = fmt.Sprintf(" (did you mean '%s %s'?)", args[0], best)
		}
		return nil, nil, in(usageErrorf("unknown command %q%s; %s takes: %s", args[0]+" "+args[1], hint, args[0], strings.Join(group, ", ")))
	}
	// The names a first word can be: commands and groups alike.
	var words []string
	for name := range commands {
		first, _, _ := strings.Cut(name, " ")
		if !slices.Contains(words, first) {
			words = append(words, first)
		}
	}
	sort.Strings(words)
	// Two guesses at most: "stauts" is as near to stats as to status.
	var guesses []string
	for range 2 {
		best := config.Closest(args[0], words)
		if best == "" {
			break
		}
		words = slices.DeleteFunc(words, func(w string) bool { return w == best })
		if len(args) > 1 && commands[best+" "+args[1]] != nil {
			best += " " + args[1]
		}
		guesses = append(guesses, "'"+best+"'")
	}
	if len(guesses) == 0 {
		return nil, nil, usageErrorf("unknown command %q", args[0])
	}
	return nil, nil, usageErrorf("unknown command %q (did you mean %s?)", args[0], strings.Join(guesses, " or "))
}

// groupOf returns the verbs of the group a word names ("service": install,
// uninstall, ...) in the order of the command list; none when it names no
// group.
func groupOf(word string) []string {
	var verbs []string
	for _, g := range commandGroups() {
		for _, c := range g.commands {
			if v, ok := strings.CutPrefix(c.name, word+" "); ok {
				verbs = append(verbs, v)
			}
		}
	}
	return verbs
}

// wantsHelp reports whether args ask for help rather than name a verb.
func wantsHelp(args []string) bool {
	for _, s := range args {
		switch s {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}

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
