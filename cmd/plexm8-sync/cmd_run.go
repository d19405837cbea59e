package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/daemon"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/logging"
)

func runCommand() *command {
	return &command{
		name:    "run",
		args:    "[--http ADDR [--http-allow-remote]]",
		summary: "run the daemon in the foreground: scheduled syncs, token checks, backups",
		help: `Runs the daemon in the foreground until Ctrl-C or SIGTERM. This is what the
service runs. It syncs once at start-up, then follows the schedule in the
config (schedule.sync, schedule.full_sync, schedule.validate_token,
schedule.refresh_resources, schedule.backup; an empty one disables the job),
plus a daily database maintenance (PRAGMA optimize and a WAL checkpoint).
Each run logs one line with its duration, result and counts, and is recorded
for 'plexm8-sync status'. Writing jobs take turns; a full sync that is due
while an incremental one runs waits for it.

If plex.tv rejects the token, the jobs that need it pause and one error says
so; they resume by themselves as soon as the token works again: on the next
token check, or at once when 'plexm8-sync login' (in another terminal)
rewrites the credentials file. Network trouble never pauses them.

Signals: SIGINT/SIGTERM stop it within 10 seconds (the interrupted run is
recorded and the next start finishes the job). SIGHUP re-reads the config:
the schedule, the log level and the plex settings take effect at once;
database.path and state_dir need a restart.

--http serves GET /healthz (200, or 503 with a JSON reason) and GET /metrics
(Prometheus). It is off by default, and only a loopback address is accepted
unless --http-allow-remote is given: the endpoints have no authentication.

Examples:
  plexm8-sync run
  plexm8-sync run --http 127.0.0.1:9090
  kill -HUP $(pgrep -f 'plexm8-sync.* run')   # after editing the schedule`,
		setup: func(fs *flag.FlagSet) runFunc {
			addr := fs.String("http", "", "serve /healthz and /metrics on `host:port` (loopback unless --http-allow-remote)")
			remote := fs.Bool("http-allow-remote", false, "allow --http on an address other machines can reach")
			poll := fs.Duration("credentials-poll", defaultCredentialsPoll, "how often to look for a new credentials file (a login elsewhere)")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("run takes no arguments")
				}
				if *addr != "" {
					if err := daemon.CheckHTTPAddr(*addr, *remote); err != nil {
						return usageErrorf("%v", err)
					}
				}
				if *poll < 100*time.Millisecond {
					return usageErrorf("--credentials-poll must be at least 100ms")
				}
				o := runOptions{http: *addr, poll: *poll}
				if handled, err := a.runUnderSCM(ctx, o); handled {
					return err
				}
				return a.runDaemon(ctx, o)
			}
		},
	}
}

const defaultCredentialsPoll = 2 * time.Second

type runOptions struct {
	http string
	poll time.Duration
	// observe, when set, is told of every finished run (the demo).
	observe func(job db.JobName, status db.RunStatus, details map[string]any)
}

// levelHandler lets SIGHUP change the level of a handler built for the
// lowest one.
type levelHandler struct {
	slog.Handler
	level *slog.LevelVar
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.Handler.Enabled(ctx, l)
}
func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return levelHandler{h.Handler.WithAttrs(as), h.level}
}
func (h levelHandler) WithGroup(n string) slog.Handler {
	return levelHandler{h.Handler.WithGroup(n), h.level}
}

func (a *app) runDaemon(ctx context.Context, o runOptions) error {
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	lv := new(slog.LevelVar)
	lv.Set(a.level(cfg))
	a.log = slog.New(levelHandler{logging.NewHandler(logging.Options{Level: slog.LevelDebug, Format: cfg.Log.Format, Service: a.service, W: a.Stderr}), lv})
	log := a.log

	client, d, err := a.plexAndWriter(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()

	var ln net.Listener
	if o.http != "" {
		ln, err = net.Listen("tcp", o.http)
		if err != nil {
			return fmt.Errorf("--http %s: %w", o.http, err)
		}
	}
	httpAddr := ""
	if ln != nil {
		httpAddr = ln.Addr().String()
	}
	dm, err := daemon.New(ctx, daemon.Options{
		Config: cfg, DB: d, Client: client, Logger: log, Version: version,
		HTTPAddr: httpAddr, CredentialsPoll: o.poll, Observe: o.observe,
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	if ln != nil {
		srv := &http.Server{Handler: dm.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server stopped", "err", err)
			}
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		log.Info("serving /healthz and /metrics", "addr", httpAddr)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				a.reload(dm, lv)
			}
		}
	}()
	return dm.Run(ctx)
}

// reload re-reads the config file on SIGHUP; a bad file keeps the old
// config running.
func (a *app) reload(dm *daemon.Daemon, lv *slog.LevelVar) {
	log := a.log
	path, explicit := config.Resolve(a.configPath, a.Getenv)
	cfg, err := config.Load(path, explicit, a.Getenv)
	if err != nil {
		log.Error("SIGHUP: the config has errors; keeping the running one", "err", err)
		return
	}
	if err := dm.Reload(cfg); err != nil {
		log.Error("SIGHUP: the new schedule was refused; keeping the running one", "err", err)
		return
	}
	lv.Set(a.level(cfg))
	log.Info("SIGHUP: log level set", "level", lv.Level().String())
}
