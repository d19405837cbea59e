package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
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
// and exit code 2.
var errUsage = errors.New("usage")

// errInterrupted marks a command the user stopped (Ctrl-C): exit code 130,
// as a shell reports a process ended by SIGINT.
var errInterrupted = errors.New("interrupted")

func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// app carries what every command shares: the environment, the global flags,
// and the config and logger built from them on first use.
type app struct {
	Env
	configPath string
	logLevel   string
	cfg        *config.Config
	log        *slog.Logger
	service    bool // running under a service manager
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

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	a := &app{Env: env}
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	err := a.dispatch(ctx, args)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errInterrupted):
		fmt.Fprintf(a.Stderr, "plexm8-sync: %v\n", err)
		return 130
	case errors.Is(err, errUsage):
		fmt.Fprintf(a.Stderr, "plexm8-sync: %s\n", strings.TrimPrefix(err.Error(), "usage: "))
		fmt.Fprintln(a.Stderr, "Run 'plexm8-sync --help' for the commands.")
		return 2
	default:
		fmt.Fprintf(a.Stderr, "plexm8-sync: %v\n", explainDamaged(err))
		return 1
	}
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("plexm8-sync", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	globalFlags(fs, a)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.mainUsage(a.Stdout)
			return flag.ErrHelp
		}
		return usageErrorf("%v", err)
	}
	rest := fs.Args()
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
	c, rest, err := lookup(commandsByName(), rest)
	if err != nil {
		return err
	}
	cfs := flag.NewFlagSet("plexm8-sync "+c.name, flag.ContinueOnError)
	cfs.SetOutput(io.Discard)
	globalFlags(cfs, a)
	run := c.run
	if c.setup != nil {
		run = c.setup(cfs)
	}
	if err := cfs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(a.Stdout, c, cfs)
			return flag.ErrHelp
		}
		commandUsage(a.Stderr, c, cfs)
		return usageErrorf("%s: %v", c.name, err)
	}
	return run(ctx, a, cfs.Args())
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
	var group []string
	for name := range commands {
		if strings.HasPrefix(name, args[0]+" ") {
			group = append(group, strings.TrimPrefix(name, args[0]+" "))
		}
	}
	if len(group) > 0 {
		sort.Strings(group)
		if len(args) > 1 {
			return nil, nil, usageErrorf("unknown command %q %q; %s takes: %s", args[0], args[1], args[0], strings.Join(group, ", "))
		}
		return nil, nil, usageErrorf("%s needs one of: %s", args[0], strings.Join(group, ", "))
	}
	return nil, nil, usageErrorf("unknown command %q", args[0])
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

Environment:
  PLEXM8_CONFIG   config file path (--config wins)
  PLEXM8_TOKEN    a Plex token to use instead of the stored credentials
  PLEXM8_DB       database path (overrides database.path)

Start with:
  plexm8-sync demo        try everything against a built-in fake Plex server
  plexm8-sync login       sign in to plex.tv

Run 'plexm8-sync <command> --help' for a command's flags and examples.
`)
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: plexm8-sync %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.help))
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
