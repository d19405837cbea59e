package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Environment variables read by this package.
const (
	EnvConfig = "PLEXM8_CONFIG"
	EnvToken  = "PLEXM8_TOKEN"
	EnvDB     = "PLEXM8_DB"
)

// appName names the directories this program owns.
const appName = "plexm8"

// platform is everything about the host that changes a default. Tests build
// one by hand to cover the service and user layouts of every OS.
type platform struct {
	goos string
	// system is true for a root process on unix or a Windows service: the
	// defaults then point at machine-wide directories.
	system   bool
	getenv   func(string) string
	hostname func() (string, error)
}

func currentPlatform(getenv func(string) string) platform {
	if getenv == nil {
		getenv = os.Getenv
	}
	return platform{
		goos:     runtime.GOOS,
		system:   runningAsSystem(),
		getenv:   getenv,
		hostname: os.Hostname,
	}
}

// home mirrors os.UserHomeDir but reads the injected environment.
func (p platform) home() string {
	if p.goos == "windows" {
		return p.getenv("USERPROFILE")
	}
	return p.getenv("HOME")
}

// absEnv returns the variable only if it is an absolute path: the XDG spec
// says relative values must be ignored.
func (p platform) absEnv(name string) string {
	v := p.getenv(name)
	if v == "" || !filepath.IsAbs(v) {
		return ""
	}
	return v
}

// systemdDir returns the first directory systemd passed in name (set by
// StateDirectory= / ConfigurationDirectory= in the unit), so a packaged unit
// running as a dedicated user still gets the directories it was given.
func (p platform) systemdDir(name string) string {
	v := p.getenv(name)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[:i]
	}
	if v == "" || !filepath.IsAbs(v) {
		return ""
	}
	return v
}

// stateDir is the default state_dir, or "" when the host gives no clue
// (no HOME); Load then asks the user to set state_dir.
func (p platform) stateDir() string {
	if d := p.systemdDir("STATE_DIRECTORY"); d != "" {
		return d
	}
	if p.goos == "windows" {
		if p.system {
			return filepath.Join(p.programData(), appName)
		}
		// LocalAppData rather than the roaming AppData: a database does
		// not belong in a profile that is copied between machines.
		if d := p.absEnv("LocalAppData"); d != "" {
			return filepath.Join(d, appName)
		}
		if d := p.userConfigDir(); d != "" {
			return filepath.Join(d, appName)
		}
		return ""
	}
	if p.system {
		return "/var/lib/" + appName
	}
	if d := p.absEnv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, appName)
	}
	if h := p.home(); h != "" {
		return filepath.Join(h, ".local", "state", appName)
	}
	return ""
}

// configPath is the default config file, or "" when it cannot be known.
func (p platform) configPath() string {
	if d := p.systemdDir("CONFIGURATION_DIRECTORY"); d != "" {
		return filepath.Join(d, "config.yaml")
	}
	if p.system {
		if p.goos == "windows" {
			return filepath.Join(p.programData(), appName, "config.yaml")
		}
		return "/etc/" + appName + "/config.yaml"
	}
	if d := p.userConfigDir(); d != "" {
		return filepath.Join(d, appName, "config.yaml")
	}
	return ""
}

// userConfigDir mirrors os.UserConfigDir but reads the injected environment.
func (p platform) userConfigDir() string {
	switch p.goos {
	case "windows":
		return p.absEnv("AppData")
	case "darwin", "ios":
		if h := p.home(); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
		return ""
	}
	if d := p.absEnv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if h := p.home(); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

func (p platform) programData() string {
	if d := p.absEnv("ProgramData"); d != "" {
		return d
	}
	return `C:\ProgramData`
}

func (p platform) deviceName() string {
	if p.hostname != nil {
		if h, err := p.hostname(); err == nil && strings.TrimSpace(h) != "" {
			return strings.TrimSpace(h)
		}
	}
	return appName
}

// expandHome replaces a leading "~" or "~/" with the home directory. Other
// relative paths are kept as given, relative to the working directory.
// ok is false when the path needs a home directory that is unknown.
func (p platform) expandHome(path string) (expanded string, ok bool) {
	rest, found := strings.CutPrefix(path, "~")
	if !found || (rest != "" && rest[0] != '/' && !(p.goos == "windows" && rest[0] == '\\')) {
		// "~user/..." is left alone: resolving other users is the shell's job.
		return path, true
	}
	h := p.home()
	if h == "" {
		return path, false
	}
	return filepath.Join(h, filepath.FromSlash(rest)), true
}

// UserDefaults is the configuration with no file of an ordinary user (not
// root, not a service, no XDG variables) on Linux or macOS whose home is
// home. Help texts show its paths so that an example is the real default,
// and reads the same on every machine that renders it.
func UserDefaults(home string) *Config {
	c := baseDefaults(platform{goos: "linux", getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}})
	c.fillDerived()
	return c
}

// DefaultPath returns the config file used when neither --config nor
// PLEXM8_CONFIG names one: /etc/plexm8/config.yaml for root on unix,
// %ProgramData%\plexm8\config.yaml for a Windows service, and
// <user config dir>/plexm8/config.yaml otherwise ($XDG_CONFIG_HOME or
// ~/.config on Linux). It returns "" if the user's home is unknown.
func DefaultPath() string {
	return currentPlatform(nil).configPath()
}

// Resolve picks the config file: the --config flag value wins over
// PLEXM8_CONFIG, and either makes the path explicit, which means a missing
// file is an error. Otherwise it returns the default path with explicit
// false, where a missing file means defaults.
func Resolve(flagPath string, getenv func(string) string) (path string, explicit bool) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flagPath != "" {
		return flagPath, true
	}
	if v := getenv(EnvConfig); v != "" {
		return v, true
	}
	return currentPlatform(getenv).configPath(), false
}
