package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"strings"

	"github.com/kardianos/service"
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
	// manager says why no service manager can be asked here (nil: one
	// can), such as in a container whose first process is not an init.
	manager func() error
	newSvc  func(*service.Config) (serviceControl, error)
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
	manager: linuxManager,
	newSvc:  func(c *service.Config) (serviceControl, error) { return service.New(controlOnly{}, c) },
}

// linuxManager tells a Linux machine without a service manager. kardianos
// falls back to SysV init scripts when it finds no other manager, so that
// choice is believed only when PID 1 is an init; a container's first
// process usually is not, and then every verb would fail with "exit status 1".
func linuxManager() error {
	if runtime.GOOS != "linux" {
		return nil
	}
	if s := service.ChosenSystem(); s != nil && s.String() != "unix-systemv" {
		return nil
	}
	comm, err := os.ReadFile("/proc/1/comm")
	pid1 := strings.TrimSpace(string(comm))
	if err == nil && pid1 == "init" {
		return nil
	}
	if pid1 == "" {
		pid1 = "unknown"
	}
	return fmt.Errorf("systemd is not running (no /run/systemd/system) and the first process (PID 1: %s) is not an init system, as in a container", pid1)
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
			serviceIntro + "\n\nThe config file must exist (an empty file means all defaults); install checks\nit before writing anything. --dry-run prints the unit (plist, service\ndefinition) and the paths install would write, and writes nothing; it needs no\nroot.",
			"  sudo plexm8-sync --config /etc/plexm8/config.yaml service install\n  plexm8-sync service install --user\n  plexm8-sync --config /etc/plexm8/config.yaml service install --dry-run"},
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
			"Asks the service manager whether the service runs. Exit code 0 when it runs, 1\notherwise (also when no service manager runs on this machine, as in most\ncontainers). What the daemon did is in 'plexm8-sync status'.",
			"  plexm8-sync service status\n  plexm8-sync service status --user"},
	}
	var cmds []*command
	for _, v := range verbs {
		args := "[--user]"
		if v.name == "install" {
			args = "[--user] [--dry-run]"
		}
		cmds = append(cmds, &command{
			name:    "service " + v.name,
			args:    args,
			summary: v.summary,
			help:    v.help + "\n\nExamples:\n" + v.example,
			setup: func(fs *flag.FlagSet) runFunc {
				userSvc := fs.Bool("user", false, "a service of the current user instead of a system service")
				dry := new(bool)
				if v.name == "install" {
					fs.BoolVar(dry, "dry-run", false, "print what install would write, and where; write nothing")
				}
				return func(ctx context.Context, a *app, args []string) error {
					if len(args) > 0 {
						return usageErrorf("service %s takes no arguments", v.name)
					}
					return a.serviceVerb(v.name, *userSvc, *dry)
				}
			},
		})
	}
	return cmds
}

// serviceVerb does one verb; dry (install only) prints what it would write
// instead.
func (a *app) serviceVerb(verb string, userSvc, dry bool) error {
	p, err := a.planService(verb, userSvc)
	if err != nil {
		return err
	}
	if host.manager != nil && !dry {
		if err := host.manager(); err != nil {
			return fmt.Errorf("service %s: no service manager to ask on this machine: %w\nwithout one, run the daemon yourself: %s\n(in a container, as its command: see docs/operations.md, 'Run it in a container')",
				verb, err, shellJoin([]string{p.exe, "--config", p.cfgPath, "run"}))
		}
	}
	if verb != "status" && !dry {
		if err := p.needsPrivilege(verb); err != nil {
			return err
		}
	}
	if verb == "install" {
		if err := a.checkInstall(p, dry); err != nil {
			return err
		}
	}
	if dry {
		a.printInstall(p)
		return nil
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
