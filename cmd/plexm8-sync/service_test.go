package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kardianos/service"

	"github.com/plexm8/plexm8-sync/packaging"
)

var update = flag.Bool("update", false, "rewrite the golden files: testdata, and docs/commands.md")

func TestSystemUnitIsThePackagedUnit(t *testing.T) {
	got, err := systemdUnit(packagedBinary, packagedConfig, false, []string{"/var/lib/plexm8"})
	if err != nil {
		t.Fatal(err)
	}
	if got != packaging.SystemdUnit {
		t.Errorf("the system unit for %s + %s differs from packaging/systemd/plexm8-sync.service:\n%s", packagedBinary, packagedConfig, got)
	}
}

// The user unit is compared with a golden file. When the packaged unit
// changes, review the difference and rewrite it with:
//
//	go test ./cmd/plexm8-sync -run TestUserUnitGolden -update
func TestUserUnitGolden(t *testing.T) {
	got, err := systemdUnit("/home/alice/bin/plexm8-sync", "/home/alice/.config/plexm8/config.yaml", true,
		[]string{"/home/alice/.local/state/plexm8", "/home/alice/Backups/plex m8"})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plexm8-sync-user.service")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("user unit differs from %s (rerun with -update after checking):\n%s", golden, got)
	}
	for _, bad := range []string{"\nUser=", "\nGroup=", "multi-user.target", "ProtectHome=yes", "sudo", "StateDirectory=", "ConfigurationDirectory=", "/var/lib"} {
		if strings.Contains(got, bad) {
			t.Errorf("user unit contains %q", bad)
		}
	}
	for _, want := range []string{"\nWantedBy=default.target\n", "\nProtectHome=read-only\n",
		"\nExecStart=/home/alice/bin/plexm8-sync --config /home/alice/.config/plexm8/config.yaml run\n", "\nNoNewPrivileges=yes\n",
		"\nEnvironment=STATE_DIRECTORY=/home/alice/.local/state/plexm8\n",
		"\nReadWritePaths=-/home/alice/.local/state/plexm8 \"-/home/alice/Backups/plex m8\"\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("user unit lacks %q", strings.TrimSpace(want))
		}
	}
}

func TestSystemUnitWithOtherPaths(t *testing.T) {
	got, err := systemdUnit("/opt/plex m8/plexm8-sync", "/etc/plexm8/100%/$conf.yaml", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nExecStart=\"/opt/plex m8/plexm8-sync\" --config /etc/plexm8/100%%/$$conf.yaml run\n"; !strings.Contains(got, want) {
		t.Errorf("ExecStart not quoted for systemd; want %q in:\n%s", want, got)
	}
	// Everything but ExecStart and the comment naming the paths is the
	// packaged unit.
	var diff []string
	pk := strings.Split(packaging.SystemdUnit, "\n")
	for i, line := range strings.Split(got, "\n") {
		if i < len(pk) && line != pk[i] {
			diff = append(diff, line)
		}
	}
	if len(diff) != 2 || !strings.HasPrefix(diff[0], "#") || !strings.Contains(diff[0], "/etc/plexm8/100%/$conf.yaml login") ||
		!strings.HasPrefix(diff[1], "ExecStart=") {
		t.Errorf("changed lines %q", diff)
	}
	if _, err := systemdUnit("/usr/bin/plexm8-sync", "/etc/plexm8/a\nb.yaml", false, nil); err == nil {
		t.Error("a newline in the config path was accepted")
	}
}

// systemd-analyze checks the rendered units the way systemd would load
// them. The paths must exist for it, so the units run this test binary.
func TestUnitsPassSystemdAnalyze(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the rendered units are not verified here (the golden tests still run)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, user := range []bool{false, true} {
		unit, err := systemdUnit(exe, cfg, user, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, map[bool]string{false: "system", true: "user"}[user])
		if err := os.MkdirAll(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(sub, serviceName+".service")
		if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"verify", path}
		cmd := exec.Command(tool, args...)
		if user {
			// A user manager needs a runtime directory even to verify.
			rt := filepath.Join(dir, "runtime")
			if err := os.MkdirAll(rt, 0o700); err != nil {
				t.Fatal(err)
			}
			cmd = exec.Command(tool, append([]string{"--user"}, args...)...)
			cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+rt)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "Failed to initialize manager") {
				t.Skipf("systemd-analyze cannot start a manager here: %s", out)
			}
			t.Errorf("systemd-analyze %s (user %v): %v\n%s\n%s", strings.Join(args, " "), user, err, out, unit)
		} else if len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("systemd-analyze warns (user %v):\n%s", user, out)
		}
	}
}

func TestSystemdCommandQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/plexm8-sync": "/usr/bin/plexm8-sync",
		"/a b/c":               `"/a b/c"`,
		`/a"b\c`:               `"/a\"b\\c"`,
		"/x%i":                 "/x%%i",
		"/x$HOME":              "/x$$HOME",
		"/x;y":                 `"/x;y"`,
	} {
		got, err := systemdCommand(in)
		if err != nil || got != want {
			t.Errorf("systemdCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := systemdList("-/x$y 100%"); err != nil || got != `"-/x$y 100%%"` {
		t.Errorf("systemdList = %q, %v", got, err)
	}
	for _, bad := range []string{"", "/a\tb", "/a\x7fb"} {
		if _, err := systemdCommand(bad); err == nil {
			t.Errorf("systemdCommand(%q) accepted", bad)
		}
	}
}

// fakeService records what the commands ask of the service manager.
type fakeService struct {
	cfg    *service.Config
	calls  []string
	err    error
	status service.Status
}

func (f *fakeService) call(name string) error { f.calls = append(f.calls, name); return f.err }
func (f *fakeService) Install() error         { return f.call("install") }
func (f *fakeService) Uninstall() error       { return f.call("uninstall") }
func (f *fakeService) Start() error           { return f.call("start") }
func (f *fakeService) Stop() error            { return f.call("stop") }
func (f *fakeService) Restart() error         { return f.call("restart") }
func (f *fakeService) Status() (service.Status, error) {
	return f.status, f.call("status")
}

// fakeHost replaces the machine for one test: root on a systemd Linux with
// the service user present, unless the test changes that.
func fakeHost(t *testing.T, exe string) (*serviceHost, *fakeService) {
	t.Helper()
	saved := host
	t.Cleanup(func() { host = saved })
	fs := &fakeService{}
	host = serviceHost{
		goos:       "linux",
		euid:       func() int { return 0 },
		executable: func() (string, error) { return exe, nil },
		lookupUser: func(string) error { return nil },
		platform:   func() string { return "linux-systemd" },
		manager:    func() error { return nil },
		newSvc: func(c *service.Config) (serviceControl, error) {
			fs.cfg = c
			return fs, nil
		},
	}
	return &host, fs
}

// installEnv writes a config with the given state_dir ("" for a temporary
// one); a system service's must be under /var/lib/plexm8.
func installEnv(t *testing.T, state string) (cfg string, env map[string]string) {
	dir := t.TempDir()
	if state == "" {
		state = filepath.Join(dir, "state")
	}
	cfg = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("state_dir: "+state+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, map[string]string{"HOME": dir}
}

const systemState = "/var/lib/plexm8"

func TestServiceInstall(t *testing.T) {
	cfg, env := installEnv(t, systemState)
	_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
	r := run(t, env, "--config", cfg, "service", "install")
	if r.code != 0 {
		t.Fatalf("install: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Join(fs.calls, ",") != "install" {
		t.Fatalf("calls %q", fs.calls)
	}
	c := fs.cfg
	want, _ := systemdUnit("/usr/local/bin/plexm8-sync", cfg, false, []string{systemState})
	if c.Name != serviceName || c.Executable != "/usr/local/bin/plexm8-sync" || strings.Join(c.Arguments, " ") != "--config "+cfg+" run" ||
		c.Option["SystemdScript"] != want || c.Option["UserService"] != false {
		t.Errorf("service config %+v", c)
	}
	for _, s := range []string{"Installed plexm8-sync as a system service", "/usr/local/bin/plexm8-sync --config " + cfg + " run",
		"sudo -u plexm8 env STATE_DIRECTORY=/var/lib/plexm8 /usr/local/bin/plexm8-sync --config " + cfg + " login", "journalctl -u plexm8-sync"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("install output lacks %q:\n%s", s, r.stdout)
		}
	}

	// A relative --config is installed as an absolute path. A user unit
	// gets the config's directories, which install creates for it.
	cfg, env = installEnv(t, "")
	backups := filepath.Join(filepath.Dir(cfg), "elsewhere", "backups")
	if err := os.WriteFile(cfg, []byte("state_dir: "+filepath.Join(filepath.Dir(cfg), "state")+"\nbackup:\n  dir: "+backups+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, fs = fakeHost(t, "/usr/local/bin/plexm8-sync")
	t.Chdir(filepath.Dir(cfg))
	if r := run(t, env, "--config", "config.yaml", "service", "install", "--user"); r.code != 0 {
		t.Fatalf("install --user: %d %s", r.code, r.stderr)
	}
	dirs := []string{filepath.Join(filepath.Dir(cfg), "state"), backups}
	want, _ = systemdUnit("/usr/local/bin/plexm8-sync", cfg, true, dirs)
	if fs.cfg.Arguments[1] != cfg || fs.cfg.Option["UserService"] != true || fs.cfg.Option["SystemdScript"] != want {
		t.Errorf("user service config %+v", fs.cfg)
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
			t.Errorf("%s not created 0700: %v %v", d, st, err)
		}
	}
}

func TestServiceInstallRefusals(t *testing.T) {
	cfg, env := installEnv(t, systemState)
	for _, tc := range []struct {
		name  string
		setup func(h *serviceHost)
		exe   string
		args  []string
		code  int
		want  []string
	}{
		{"not root", func(h *serviceHost) { h.euid = func() int { return 1000 } }, "/usr/local/bin/plexm8-sync", nil, 1,
			[]string{"needs root", "sudo /usr/local/bin/plexm8-sync --config " + cfg + " service install", "/usr/local/bin/plexm8-sync --config " + cfg + " service install --user"}},
		{"no service user", func(h *serviceHost) { h.lookupUser = func(string) error { return errors.New("unknown user") } }, "/usr/local/bin/plexm8-sync", nil, 1,
			[]string{`user "plexm8"`, "sudo useradd --system"}},
		{"binary from go run", nil, filepath.Join(os.TempDir(), "go-build123", "b001", "exe", "plexm8-sync"), nil, 1,
			[]string{"temporary directory", "install -m 0755"}},
		{"binary in a home", nil, "/home/alice/bin/plexm8-sync", nil, 1,
			[]string{"cannot see /home/alice/bin/plexm8-sync", "--user"}},
		{"no user services on windows", func(h *serviceHost) { h.goos = "windows" }, `C:\plexm8\plexm8-sync.exe`, []string{"--user"}, 2,
			[]string{"Windows has no user services", "Administrator"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, fs := fakeHost(t, tc.exe)
			if tc.setup != nil {
				tc.setup(h)
			}
			r := run(t, env, append([]string{"--config", cfg, "service", "install"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if len(fs.calls) != 0 {
				t.Errorf("the service manager was asked to %q", fs.calls)
			}
		})
	}

	t.Run("missing config", func(t *testing.T) {
		_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		missing := filepath.Join(filepath.Dir(cfg), "nope", "config.yaml")
		r := run(t, env, "--config", missing, "service", "install")
		if r.code != 1 || !strings.Contains(r.stderr, "does not exist") || !strings.Contains(r.stderr, "sudo install -D -m 0644 /dev/null "+missing) || len(fs.calls) != 0 {
			t.Errorf("exit %d, calls %q:\n%s", r.code, fs.calls, r.stderr)
		}
	})
	t.Run("invalid config", func(t *testing.T) {
		_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		bad := filepath.Join(filepath.Dir(cfg), "bad.yaml")
		if err := os.WriteFile(bad, []byte("plex:\n  tokn: x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := run(t, env, "--config", bad, "service", "install", "--user")
		if r.code != 1 || !strings.Contains(r.stderr, "would fail to start") || !strings.Contains(r.stderr, "bad.yaml:2") || len(fs.calls) != 0 {
			t.Errorf("exit %d, calls %q:\n%s", r.code, fs.calls, r.stderr)
		}
	})
	t.Run("state outside the system unit's directory", func(t *testing.T) {
		_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		other, _ := installEnv(t, "/srv/plexm8")
		r := run(t, env, "--config", other, "service", "install")
		if r.code != 1 || !strings.Contains(r.stderr, "can write only in /var/lib/plexm8") || !strings.Contains(r.stderr, "/srv/plexm8") || len(fs.calls) != 0 {
			t.Errorf("exit %d, calls %q:\n%s", r.code, fs.calls, r.stderr)
		}
	})
	t.Run("relative state_dir", func(t *testing.T) {
		_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		rel, _ := installEnv(t, "data")
		r := run(t, env, "--config", rel, "service", "install", "--user")
		if r.code != 1 || !strings.Contains(r.stderr, "state_dir is relative") || len(fs.calls) != 0 {
			t.Errorf("exit %d, calls %q:\n%s", r.code, fs.calls, r.stderr)
		}
	})
	t.Run("already installed", func(t *testing.T) {
		_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		fs.err = errors.New("Init already exists: /etc/systemd/system/plexm8-sync.service")
		r := run(t, env, "--config", cfg, "service", "install")
		if r.code != 1 || !strings.Contains(r.stderr, "already installed") || !strings.Contains(r.stderr, "service uninstall' first") {
			t.Errorf("exit %d:\n%s", r.code, r.stderr)
		}
	})
}

func TestServiceVerbs(t *testing.T) {
	cfg, env := installEnv(t, systemState)
	for _, verb := range []string{"uninstall", "start", "stop", "restart"} {
		_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		if r := run(t, env, "--config", cfg, "service", verb); r.code != 0 || !strings.Contains(r.stdout, verb+" done") {
			t.Errorf("%s: %d %s%s", verb, r.code, r.stdout, r.stderr)
		}
		want := verb
		if verb == "uninstall" {
			want = "status,uninstall" // not running: nothing to stop
		}
		if strings.Join(fs.calls, ",") != want {
			t.Errorf("%s called %q", verb, fs.calls)
		}
		h, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		h.euid = func() int { return 1000 }
		if r := run(t, env, "--config", cfg, "service", verb); r.code != 1 || !strings.Contains(r.stderr, "sudo /usr/local/bin/plexm8-sync --config "+cfg+" service "+verb) || len(fs.calls) != 0 {
			t.Errorf("%s as a user: %d %q, calls %q", verb, r.code, r.stderr, fs.calls)
		}
		// A user service needs no root.
		if r := run(t, env, "--config", cfg, "service", verb, "--user"); r.code != 0 || strings.Join(fs.calls, ",") != want || fs.cfg.Option["UserService"] != true {
			t.Errorf("%s --user: %d %q, calls %q", verb, r.code, r.stderr, fs.calls)
		}
	}

	// A running service is stopped before its unit is removed.
	_, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
	fs.status = service.StatusRunning
	if r := run(t, env, "--config", cfg, "service", "uninstall"); r.code != 0 || strings.Join(fs.calls, ",") != "status,stop,uninstall" {
		t.Errorf("uninstall of a running service: %d %q, calls %q", r.code, r.stderr, fs.calls)
	}

	_, fs = fakeHost(t, "/usr/local/bin/plexm8-sync")
	fs.err = service.ErrNotInstalled
	if r := run(t, env, "--config", cfg, "service", "uninstall", "--user"); r.code != 1 || !strings.Contains(r.stderr, "not installed as a user service: nothing to remove") ||
		strings.Join(fs.calls, ",") != "status" {
		t.Errorf("uninstall of nothing: %d %q, calls %q", r.code, r.stderr, fs.calls)
	}

	h, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
	h.euid = func() int { return 1000 } // status needs no root
	fs.status = service.StatusRunning
	if r := run(t, env, "--config", cfg, "service", "status"); r.code != 0 || !strings.Contains(r.stdout, "running") {
		t.Errorf("running: %d %q %q", r.code, r.stdout, r.stderr)
	}
	fs.status = service.StatusStopped
	if r := run(t, env, "--config", cfg, "service", "status", "--user"); r.code != 1 || !strings.Contains(r.stderr, "stopped; start it with: plexm8-sync service start --user") {
		t.Errorf("stopped: %d %q", r.code, r.stderr)
	}
	fs.status, fs.err = service.StatusUnknown, service.ErrNotInstalled
	if r := run(t, env, "--config", cfg, "service", "status"); r.code != 1 || !strings.Contains(r.stderr, "not installed") ||
		!strings.Contains(r.stderr, "sudo /usr/local/bin/plexm8-sync --config "+cfg+" service install") {
		t.Errorf("not installed: %d %q", r.code, r.stderr)
	}
	fs.err = os.ErrPermission
	if r := run(t, env, "--config", cfg, "service", "status"); r.code != 1 || !strings.Contains(r.stderr, "run: sudo") {
		t.Errorf("permission: %d %q", r.code, r.stderr)
	}
}

// The options kardianos reads on the other platforms: a launchd daemon
// that starts at load and restarts, and an automatic Windows service.
func TestServiceOptionsPerPlatform(t *testing.T) {
	cfg, env := installEnv(t, systemState)
	for goos, want := range map[string]map[string]any{
		"darwin":  {"RunAtLoad": true, "KeepAlive": true, "LogOutput": true, "UserService": false},
		"windows": {"StartType": "automatic", "OnFailure": "restart", "DelayedAutoStart": true},
	} {
		h, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		h.goos = goos
		if r := run(t, env, "--config", cfg, "service", "install"); r.code != 0 {
			t.Fatalf("%s: %d %s", goos, r.code, r.stderr)
		}
		for k, v := range want {
			if fs.cfg.Option[k] != v {
				t.Errorf("%s: option %s = %v, want %v", goos, k, fs.cfg.Option[k], v)
			}
		}
		if _, ok := fs.cfg.Option["SystemdScript"]; ok {
			t.Errorf("%s: got a systemd unit", goos)
		}
		// The Windows service manager starts services in System32: only an
		// absolute config path finds the file.
		if !filepath.IsAbs(fs.cfg.Arguments[1]) {
			t.Errorf("%s: config path %q is not absolute", goos, fs.cfg.Arguments[1])
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"/usr/bin/x": "/usr/bin/x", "a b": "'a b'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

// install --dry-run prints what install would write, and where, and writes
// nothing: no service manager call, no directory, no root needed.
func TestServiceInstallDryRun(t *testing.T) {
	cfg, env := installEnv(t, systemState)
	sysCfg := cfg
	h, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
	h.euid = func() int { return 1000 }
	r := run(t, env, "--config", cfg, "service", "install", "--dry-run")
	unit, _ := systemdUnit("/usr/local/bin/plexm8-sync", cfg, false, []string{systemState})
	if r.code != 0 || !strings.Contains(r.stdout, "Dry run: nothing was written") ||
		!strings.Contains(r.stdout, "It would write /etc/systemd/system/plexm8-sync.service (mode 0644):\n\n"+unit+"\n") ||
		!strings.Contains(r.stdout, "systemctl enable plexm8-sync.service") || len(fs.calls) != 0 || fs.cfg != nil {
		t.Errorf("system dry run: exit %d, calls %q\n%s%s", r.code, fs.calls, r.stdout, r.stderr)
	}

	// A user unit names its path in the home and the directories install
	// would create, and creates none.
	cfg, env = installEnv(t, "")
	_, fs = fakeHost(t, "/usr/local/bin/plexm8-sync")
	state := filepath.Join(filepath.Dir(cfg), "state")
	r = run(t, env, "--config", cfg, "service", "install", "--user", "--dry-run")
	unit, _ = systemdUnit("/usr/local/bin/plexm8-sync", cfg, true, []string{state})
	if r.code != 0 || !strings.Contains(r.stdout, "It would create the directory "+state+" (mode 0700)") ||
		!strings.Contains(r.stdout, "It would write "+filepath.Join(env["HOME"], ".config/systemd/user/plexm8-sync.service")+" (mode 0644):\n\n"+unit) ||
		!strings.Contains(r.stdout, "systemctl --user enable") || len(fs.calls) != 0 {
		t.Errorf("user dry run: exit %d, calls %q\n%s%s", r.code, fs.calls, r.stdout, r.stderr)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dry run created %s: %v", state, err)
	}

	for goos, want := range map[string][]string{
		"darwin":  {"/Library/LaunchDaemons/plexm8-sync.plist", "ProgramArguments  /usr/local/bin/plexm8-sync --config " + cfg + " run", "KeepAlive         true"},
		"windows": {"register the Windows service plexm8-sync", "start type    automatic"},
	} {
		h, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		h.goos = goos
		r := run(t, env, "--config", cfg, "service", "install", "--dry-run")
		for _, w := range want {
			if r.code != 0 || !strings.Contains(r.stdout, w) || len(fs.calls) != 0 {
				t.Errorf("%s: exit %d, lacks %q\n%s%s", goos, r.code, w, r.stdout, r.stderr)
			}
		}
	}

	// The checks still run: a dry run of an install that would fail says why.
	_, fs = fakeHost(t, "/home/alice/bin/plexm8-sync")
	if r := run(t, env, "--config", sysCfg, "service", "install", "--dry-run"); r.code != 1 || !strings.Contains(r.stderr, "cannot see /home/alice/bin/plexm8-sync") || len(fs.calls) != 0 {
		t.Errorf("dry run of a failing install: exit %d %q", r.code, r.stderr)
	}
}

// Without a service manager (a container whose PID 1 is no init), the
// verbs say so and what to do instead, rather than "exit status 1".
func TestServiceWithoutManager(t *testing.T) {
	cfg, env := installEnv(t, systemState)
	for _, verb := range []string{"status", "start", "install"} {
		h, fs := fakeHost(t, "/usr/local/bin/plexm8-sync")
		h.platform = func() string { return "unix-systemv" }
		h.manager = func() error {
			return errors.New("systemd is not running (no /run/systemd/system) and the first process (PID 1: sh) is not an init system")
		}
		fs.err = errors.New("exit status 1")
		r := run(t, env, "--config", cfg, "service", verb)
		if r.code != 1 || strings.Contains(r.stderr, "exit status") || !strings.Contains(r.stderr, "service "+verb+": no service manager to ask on this machine: systemd is not running") ||
			!strings.Contains(r.stderr, "run the daemon yourself: /usr/local/bin/plexm8-sync --config "+cfg+" run") || len(fs.calls) != 0 {
			t.Errorf("%s: exit %d, calls %q\n%s", verb, r.code, fs.calls, r.stderr)
		}
	}
}

// linuxManager believes the SysV fallback only with an init as PID 1; this
// is checked against the machine the test runs on.
func TestLinuxManagerOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	comm, err := os.ReadFile("/proc/1/comm")
	if err != nil {
		t.Skip(err)
	}
	chosen := service.ChosenSystem().String()
	err = linuxManager()
	switch {
	case chosen != "unix-systemv" && err != nil:
		t.Errorf("%s was detected, yet linuxManager says: %v", chosen, err)
	case chosen == "unix-systemv" && (err == nil) != (strings.TrimSpace(string(comm)) == "init"):
		t.Errorf("SysV fallback with PID 1 %q: linuxManager says %v", comm, err)
	}
}
