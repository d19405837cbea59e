package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
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
