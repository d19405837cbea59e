package main

// What a service verb needs, worked out and checked before the service
// manager is asked to do anything.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kardianos/service"

	"github.com/plexm8/plexm8-sync/internal/config"
)

// svcPlan is everything a verb needs, worked out before anything is touched.
type svcPlan struct {
	user     bool
	exe      string // absolute, symlinks resolved
	cfgPath  string // absolute
	unit     string // the systemd unit, on Linux
	scope    string // "system service" or "user service"
	sudoArgs []string
	// mkdirs are the directories a user service writes, which install
	// creates (a sandboxed unit can open only directories that exist).
	mkdirs []string
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
// With dry set it creates nothing and warns nothing: printInstall says it.
func (a *app) checkInstall(p *svcPlan, dry bool) error {
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
		p.mkdirs = dirs
		if dry {
			return nil
		}
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
	if pl := host.platform(); pl != "linux-systemd" && !dry {
		fmt.Fprintf(a.Stderr, "warning: this machine's service manager is %s, not systemd: the hardened unit does not apply, and a plain %s script is installed instead\n", pl, pl)
	}
	return nil
}

// printInstall says what install would write, and where, for --dry-run.
// The paths are the service manager's, as kardianos writes them.
func (a *app) printInstall(p *svcPlan) {
	w := a.Stdout
	home := a.Getenv("HOME")
	if home == "" {
		home = "~"
	}
	run := shellJoin([]string{p.exe, "--config", p.cfgPath, "run"})
	fmt.Fprintf(w, "Dry run: nothing was written. 'service install%s' would install %s as a %s that runs:\n  %s\n\n",
		p.userFlag(), serviceName, p.scope, run)
	switch pl := host.platform(); {
	case host.goos == "linux" && pl == "linux-systemd":
		path := "/etc/systemd/system/" + serviceName + ".service"
		ctl := "systemctl"
		if p.user {
			path = filepath.Join(home, ".config", "systemd", "user", serviceName+".service")
			ctl = "systemctl --user"
		}
		for _, d := range p.mkdirs {
			fmt.Fprintf(w, "It would create the directory %s (mode 0700) for the daemon's files.\n", d)
		}
		fmt.Fprintf(w, "It would write %s (mode 0644):\n\n%s\nThen it would run: %s enable %s.service && %s daemon-reload\n", path, p.unit, ctl, serviceName, ctl)
	case host.goos == "linux":
		fmt.Fprintf(w, "This machine's service manager is %s, not systemd: the hardened unit does not apply, and install would write that manager's plain script (/etc/init.d/%s for SysV) instead.\n", pl, serviceName)
	case host.goos == "darwin":
		path, logs := "/Library/LaunchDaemons/"+serviceName+".plist", "/var/log"
		if p.user {
			path, logs = filepath.Join(home, "Library", "LaunchAgents", serviceName+".plist"), home
		}
		fmt.Fprintf(w, "It would write the launchd property list %s with:\n", path)
		fmt.Fprintf(w, "  Label             %s\n  ProgramArguments  %s\n  RunAtLoad         true\n  KeepAlive         true\n", serviceName, run)
		fmt.Fprintf(w, "  StandardOutPath   %s/%s.out.log\n  StandardErrorPath %s/%s.err.log\n", logs, serviceName, logs, serviceName)
		fmt.Fprintf(w, "Then it would load it with launchctl.\n")
	case host.goos == "windows":
		fmt.Fprintf(w, "It would register the Windows service %s (\"PlexM8 sync\") with the service control manager; no file is written:\n", serviceName)
		fmt.Fprintf(w, "  command line  %s\n  start type    automatic (delayed, after the network is up)\n  on failure    restart after 10s\n", run)
	default:
		fmt.Fprintf(w, "This machine's service manager is %s.\n", pl)
	}
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
