package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/kardianos/service"

	"github.com/plexm8/plexm8-sync/internal/config"
)

// serviceName names the unit, launchd label and Windows service.
const serviceName = "plexm8-sync"

// serviceControl is the part of a kardianos service the commands drive.
type serviceControl interface {
	Install() error
	Uninstall() error
	Start() error
	Stop() error
	Restart() error
	Status() (service.Status, error)
}

// serviceHost is the machine the service commands act on. Tests replace it
// (see service_test.go) so that no test ever installs, starts or stops a
// real service, and so that they can play root, another OS or a missing
// service user.
type serviceHost struct {
	goos       string
	euid       func() int // -1 on Windows
	executable func() (string, error)
	lookupUser func(name string) error
	// platform names the service manager kardianos detected, such as
	// "linux-systemd", "unix-systemv", "darwin-launchd", "windows-service".
	platform func() string
	newSvc   func(*service.Config) (serviceControl, error)
}

var host = serviceHost{
	goos:       runtime.GOOS,
	euid:       os.Geteuid,
	executable: os.Executable,
	lookupUser: func(name string) error { _, err := user.Lookup(name); return err },
	platform: func() string {
		if s := service.ChosenSystem(); s != nil {
			return s.String()
		}
		return "none"
	},
	newSvc: func(c *service.Config) (serviceControl, error) { return service.New(controlOnly{}, c) },
}

// controlOnly is the program handed to kardianos for the control verbs,
// which never run it: the service itself runs `plexm8-sync run`.
type controlOnly struct{}

func (controlOnly) Start(service.Service) error { return nil }
func (controlOnly) Stop(service.Service) error  { return nil }

const serviceIntro = `The service runs 'plexm8-sync --config <absolute config path> run' and is
started at boot (system service) or with your session (--user).

A system service is the default: on Linux the hardened systemd unit the
.deb/.rpm install (packaging/systemd/plexm8-sync.service), running as the
user plexm8 with its state in /var/lib/plexm8; on macOS a LaunchDaemon; on
Windows a service started automatically. It needs root (Administrator).

--user installs a service of your own instead, without root: a systemd user
unit (~/.config/systemd/user, WantedBy=default.target; add
'loginctl enable-linger $USER' to run it while you are logged out) or a
LaunchAgent on macOS. Windows has no user services.`

// serviceCommands are the service verbs: one command each, sharing a flag
// and the plan that works out what the service manager needs.
func serviceCommands() []*command {
	verbs := []struct {
		name, summary, help, example string
	}{
		{"install", "install and enable the daemon as a system (or --user) service",
			serviceIntro + "\n\nThe config file must exist (an empty file means all defaults); install checks\nit before writing anything.",
			"  sudo plexm8-sync --config /etc/plexm8/config.yaml service install\n  plexm8-sync service install --user"},
		{"uninstall", "remove the service (the database and credentials stay)",
			"Stops the service if it runs, then removes the unit (plist, Windows service).\nThe database, backups, config and credentials are left as they are.",
			"  sudo plexm8-sync service uninstall\n  plexm8-sync service uninstall --user"},
		{"start", "start the installed service", "Starts the installed service now.",
			"  sudo plexm8-sync service start\n  plexm8-sync service start --user"},
		{"stop", "stop the running service", "Stops the service. The daemon finishes or rolls back its current write and\nrecords the interrupted run; the next start completes it.",
			"  sudo plexm8-sync service stop"},
		{"restart", "stop and start the service", "Restarts the service, e.g. after an upgrade of the binary.",
			"  sudo plexm8-sync service restart"},
		{"status", "say whether the service is installed and running",
			"Asks the service manager whether the service runs. Exit code 0 when it runs, 1\notherwise. What the daemon did is in 'plexm8-sync status'.",
			"  plexm8-sync service status\n  plexm8-sync service status --user"},
	}
	var cmds []*command
	for _, v := range verbs {
		cmds = append(cmds, &command{
			name:    "service " + v.name,
			args:    "[--user]",
			summary: v.summary,
			help:    v.help + "\n\nExamples:\n" + v.example,
			setup: func(fs *flag.FlagSet) runFunc {
				userSvc := fs.Bool("user", false, "a service of the current user instead of a system service")
				return func(ctx context.Context, a *app, args []string) error {
					if len(args) > 0 {
						return usageErrorf("service %s takes no arguments", v.name)
					}
					return a.serviceVerb(v.name, *userSvc)
				}
			},
		})
	}
	return cmds
}

// svcPlan is everything a verb needs, worked out before anything is touched.
type svcPlan struct {
	user     bool
	exe      string // absolute, symlinks resolved
	cfgPath  string // absolute
	unit     string // the systemd unit, on Linux
	scope    string // "system service" or "user service"
	sudoArgs []string
}

func (a *app) planService(verb string, userSvc bool) (*svcPlan, error) {
	p := &svcPlan{user: userSvc, scope: "system service"}
	if userSvc {
		p.scope = "user service"
	}
	if userSvc && host.goos == "windows" {
		return nil, usageErrorf("--user: Windows has no user services; run 'plexm8-sync service %s' from an Administrator prompt for a system service", verb)
	}
	exe, err := host.executable()
	if err != nil {
		return nil, fmt.Errorf("find this program's path: %w", err)
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	if p.exe, err = filepath.Abs(exe); err != nil {
		return nil, fmt.Errorf("find this program's path: %w", err)
	}
	path, _ := config.Resolve(a.configPath, a.Getenv)
	if path == "" {
		return nil, errors.New("no config path is known (HOME is not set): pass --config PATH")
	}
	if p.cfgPath, err = filepath.Abs(path); err != nil {
		return nil, fmt.Errorf("config path %q: %w", path, err)
	}
	p.sudoArgs = []string{p.exe, "--config", p.cfgPath, "service", verb}
	return p, nil
}

// needsPrivilege refuses, before anything is attempted, a system-service
// verb that a normal user cannot do, and says what to run instead.
func (p *svcPlan) needsPrivilege(verb string) error {
	if p.user || host.goos == "windows" || host.euid() == 0 {
		return nil
	}
	msg := fmt.Sprintf("service %s: a system service needs root; run:\n  sudo %s", verb, shellJoin(p.sudoArgs))
	if verb == "install" {
		msg += "\nor, for a service of your own that needs no root:\n  " + shellJoin(append(p.sudoArgs[:len(p.sudoArgs)-2:len(p.sudoArgs)-2], "service", "install", "--user"))
	}
	return errors.New(msg)
}

func (p *svcPlan) kardianosConfig() *service.Config {
	c := &service.Config{
		Name:        serviceName,
		DisplayName: "PlexM8 sync",
		Description: "Keeps an offline SQLite mirror of your Plex music",
		Executable:  p.exe,
		Arguments:   []string{"--config", p.cfgPath, "run"},
		Option: service.KeyValue{
			"UserService": p.user,
		},
	}
	switch host.goos {
	case "linux":
		// Only Install reads it; the other verbs need the name alone.
		if p.unit != "" {
			c.Option["SystemdScript"] = p.unit
		}
	case "darwin":
		// launchd's defaults suit a login item, not a daemon: start at load
		// (boot or login), restart when it exits, and keep its stderr log.
		c.Option["RunAtLoad"] = true
		c.Option["KeepAlive"] = true
		c.Option["LogOutput"] = true
	case "windows":
		c.Option["StartType"] = "automatic"
		c.Option["DelayedAutoStart"] = true // after the network is up
		c.Option["OnFailure"] = "restart"
		c.Option["OnFailureDelayDuration"] = "10s"
	}
	return c
}

func (a *app) serviceVerb(verb string, userSvc bool) error {
	p, err := a.planService(verb, userSvc)
	if err != nil {
		return err
	}
	if verb != "status" {
		if err := p.needsPrivilege(verb); err != nil {
			return err
		}
	}
	if verb == "install" {
		if err := a.checkInstall(p); err != nil {
			return err
		}
	}
	svc, err := host.newSvc(p.kardianosConfig())
	if err != nil {
		return fmt.Errorf("service %s: %w (this platform's service manager is %s)", verb, err, host.platform())
	}
	var do func() error
	switch verb {
	case "install":
		do = svc.Install
	case "uninstall":
		do = func() error {
			// Removing the unit of a running service would leave a daemon
			// nothing can stop by name.
			st, err := svc.Status()
			if errors.Is(err, service.ErrNotInstalled) {
				return err
			}
			if err == nil && st == service.StatusRunning {
				if err := svc.Stop(); err != nil {
					return err
				}
			}
			return svc.Uninstall()
		}
	case "start":
		do = svc.Start
	case "stop":
		do = svc.Stop
	case "restart":
		do = svc.Restart
	case "status":
		return a.serviceStatus(p, svc)
	}
	if err := do(); err != nil {
		return p.explainServiceErr(verb, err)
	}
	a.afterService(verb, p)
	return nil
}

// writableDirs lists the directories the daemon writes, as the config
// resolves them: the state directory first, then the database's and the
// backups' when they lie outside it.
func writableDirs(cfg *config.Config) ([]string, error) {
	var dirs []string
	for _, f := range []struct{ key, dir string }{
		{"state_dir", cfg.StateDir},
		{"database.path", filepath.Dir(cfg.Database.Path)},
		{"backup.dir", cfg.Backup.Dir},
	} {
		if !filepath.IsAbs(f.dir) {
			return nil, fmt.Errorf("service install: %s is relative (%s), but a service does not start in this directory; make it absolute in %s", f.key, f.dir, cfg.Path)
		}
		d := filepath.Clean(f.dir)
		if !slices.ContainsFunc(dirs, func(have string) bool { return d == have || strings.HasPrefix(d, have+string(filepath.Separator)) }) {
			dirs = append(dirs, d)
		}
	}
	return dirs, nil
}

// checkInstall catches what would make an installed service fail at its
// first start, while the user is still at the terminal.
func (a *app) checkInstall(p *svcPlan) error {
	if tmp := os.TempDir(); strings.Contains(p.exe, string(filepath.Separator)+"go-build") || strings.HasPrefix(p.exe, tmp+string(filepath.Separator)) {
		return fmt.Errorf("service install: this plexm8-sync runs from a temporary directory (%s), which will be gone; install the binary first (e.g. 'sudo install -m 0755 plexm8-sync /usr/local/bin/') and run service install with it", p.exe)
	}
	if _, err := os.Stat(p.cfgPath); errors.Is(err, fs.ErrNotExist) {
		create := fmt.Sprintf("mkdir -p %s && touch %s", shellQuote(filepath.Dir(p.cfgPath)), shellQuote(p.cfgPath))
		if !p.user && host.goos != "windows" {
			create = "sudo install -D -m 0644 /dev/null " + shellQuote(p.cfgPath)
		}
		return fmt.Errorf("service install: the service will read %s, which does not exist; create it (an empty file means all defaults):\n  %s\nthen check it with: %s --config %s config check",
			p.cfgPath, create, shellQuote(p.exe), shellQuote(p.cfgPath))
	}
	a.configPath, a.cfg = p.cfgPath, nil
	cfg, err := a.Config()
	if err != nil {
		return fmt.Errorf("service install: the service would fail to start: %w", err)
	}
	dirs, err := writableDirs(cfg)
	if err != nil {
		return err
	}
	if host.goos != "linux" {
		return nil
	}
	if p.unit, err = systemdUnit(p.exe, p.cfgPath, p.user, dirs); err != nil {
		return err
	}
	if p.user {
		// The unit's sandbox leaves the home read-only but for these, and
		// ReadWritePaths= can only open what exists.
		for _, d := range dirs {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return fmt.Errorf("service install: create the service's directory: %w", err)
			}
		}
		return nil
	}
	// The system unit lets the daemon write only in its StateDirectory=.
	state := "/var/lib/" + strings.Fields(unitValue(p.unit, "StateDirectory") + " plexm8")[0]
	for _, d := range dirs {
		if d != state && !strings.HasPrefix(d, state+"/") {
			return fmt.Errorf("service install: the system service can write only in %s (ProtectSystem=strict), but the config puts files in %s; leave state_dir, database.path and backup.dir at their defaults or put them under %s",
				state, d, state)
		}
	}
	// The system unit hides /home, /root and /run/user (ProtectHome=yes) and
	// runs as its own user.
	for _, path := range []string{p.exe, p.cfgPath} {
		for _, hidden := range []string{"/home/", "/root/", "/run/user/"} {
			if strings.HasPrefix(path, hidden) {
				return fmt.Errorf("service install: the system service cannot see %s (its unit hides %s); put the binary in /usr/local/bin and the config in %s, or install a service of your own with --user",
					path, strings.TrimSuffix(hidden, "/"), packagedConfig)
			}
		}
	}
	if name := unitValue(p.unit, "User"); name != "" {
		if err := host.lookupUser(name); err != nil {
			return fmt.Errorf("service install: the unit runs as user %q, which does not exist here (the .deb and .rpm create it); create it with:\n  sudo useradd --system --user-group --home-dir /var/lib/plexm8 --shell /usr/sbin/nologin %s\nthen run service install again", name, name)
		}
	}
	if pl := host.platform(); pl != "linux-systemd" {
		fmt.Fprintf(a.Stderr, "warning: this machine's service manager is %s, not systemd: the hardened unit does not apply, and a plain %s script is installed instead\n", pl, pl)
	}
	return nil
}

func (p *svcPlan) explainServiceErr(verb string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, service.ErrNotInstalled) && verb == "uninstall":
		return fmt.Errorf("service uninstall: plexm8-sync is not installed as a %s: nothing to remove", p.scope)
	case errors.Is(err, service.ErrNotInstalled):
		return fmt.Errorf("service %s: plexm8-sync is not installed as a %s; install it with: %s", verb, p.scope, shellJoin(p.installArgs()))
	case verb == "install" && strings.Contains(msg, "already exists"):
		return fmt.Errorf("service install: a %s is already installed (%v); to reinstall, run 'plexm8-sync service uninstall%s' first", p.scope, err, p.userFlag())
	case errors.Is(err, fs.ErrPermission) || strings.Contains(strings.ToLower(msg), "access is denied") || strings.Contains(msg, "permission denied"):
		if host.goos == "windows" {
			return fmt.Errorf("service %s: %w\nrun it from an Administrator prompt (right-click the terminal, 'Run as administrator')", verb, err)
		}
		return fmt.Errorf("service %s: %w\nrun: sudo %s", verb, err, shellJoin(p.sudoArgs))
	}
	return fmt.Errorf("service %s (%s): %w", verb, host.platform(), err)
}

func (p *svcPlan) userFlag() string {
	if p.user {
		return " --user"
	}
	return ""
}

func (p *svcPlan) installArgs() []string {
	args := []string{p.exe, "--config", p.cfgPath, "service", "install"}
	if p.user {
		return append(args, "--user")
	}
	return append([]string{"sudo"}, args...)
}

func (a *app) serviceStatus(p *svcPlan, svc serviceControl) error {
	st, err := svc.Status()
	switch {
	case err != nil:
		return p.explainServiceErr("status", err)
	case st == service.StatusRunning:
		fmt.Fprintf(a.Stdout, "%s (%s): running\n", serviceName, p.scope)
		return nil
	case st == service.StatusStopped:
		return fmt.Errorf("%s (%s): installed, stopped; start it with: plexm8-sync service start%s", serviceName, p.scope, p.userFlag())
	}
	return fmt.Errorf("%s (%s): the service manager does not say whether it runs", serviceName, p.scope)
}

// afterService says what happened and what to do next.
func (a *app) afterService(verb string, p *svcPlan) {
	w := a.Stdout
	if verb != "install" {
		fmt.Fprintf(w, "%s (%s): %s done.\n", serviceName, p.scope, verb)
		return
	}
	run := shellJoin([]string{p.exe, "--config", p.cfgPath, "run"})
	fmt.Fprintf(w, "Installed %s as a %s, started at %s. It runs:\n  %s\n\nNext:\n",
		serviceName, p.scope, map[bool]string{false: "boot", true: "login"}[p.user], run)
	login := shellJoin([]string{p.exe, "--config", p.cfgPath, "login"})
	sudo := "sudo "
	if p.user || host.goos == "windows" {
		sudo = ""
	}
	if host.goos == "linux" && !p.user {
		// The daemon's state directory exists once systemd has started it;
		// a login as the service user then lands where the daemon looks.
		state := "/var/lib/" + strings.Fields(unitValue(p.unit, "StateDirectory") + " plexm8")[0]
		fmt.Fprintf(w, "  start it:        sudo %s\n", shellJoin([]string{p.exe, "service", "start"}))
		fmt.Fprintf(w, "  sign in:         sudo -u %s env STATE_DIRECTORY=%s %s\n", unitValue(p.unit, "User"), state, login)
		fmt.Fprintf(w, "                   (the running daemon notices the new credentials by itself)\n")
		fmt.Fprintf(w, "  follow its log:  journalctl -u %s -f\n", serviceName)
	} else {
		fmt.Fprintf(w, "  sign in:         %s\n", login)
		fmt.Fprintf(w, "  start it:        %s%s\n", sudo, shellJoin([]string{p.exe, "service", "start" + p.userFlag()}))
		if host.goos == "linux" {
			fmt.Fprintf(w, "  follow its log:  journalctl --user -u %s -f\n", serviceName)
			fmt.Fprintf(w, "  keep it running while you are logged out:  loginctl enable-linger\n")
		}
	}
	fmt.Fprintf(w, "  see what it did: %s\n", shellJoin([]string{p.exe, "--config", p.cfgPath, "status"}))
}

// shellQuote quotes s for a POSIX shell when it needs it, so a printed
// command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@%", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, s := range args {
		q[i] = shellQuote(s)
	}
	return strings.Join(q, " ")
}
