package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestResolvePrecedence(t *testing.T) {
	env := hostEnv(map[string]string{EnvConfig: "/env/config.yaml"})
	noEnv := hostEnv(nil)

	if p, explicit := Resolve("/flag/config.yaml", env); p != "/flag/config.yaml" || !explicit {
		t.Errorf("flag should win over PLEXM8_CONFIG: %q %v", p, explicit)
	}
	if p, explicit := Resolve("", env); p != "/env/config.yaml" || !explicit {
		t.Errorf("PLEXM8_CONFIG should be used without a flag: %q %v", p, explicit)
	}
	if p, explicit := Resolve("", noEnv); p != DefaultPath() || explicit {
		t.Errorf("default: got %q %v, want %q false", p, explicit, DefaultPath())
	}
	if !strings.HasSuffix(DefaultPath(), filepath.Join("plexm8", "config.yaml")) {
		t.Errorf("DefaultPath() = %q", DefaultPath())
	}
}

// The flag, PLEXM8_CONFIG and PLEXM8_DB combine as documented: the flag's
// file is read, and PLEXM8_DB still overrides its database.path.
func TestFlagFileWithEnvOverrides(t *testing.T) {
	flagFile := writeFile(t, "flag.yaml", "database:\n  path: /file.db\nlog:\n  level: warn\n")
	envFile := writeFile(t, "env.yaml", "log:\n  level: error\n")
	env := hostEnv(map[string]string{EnvConfig: envFile, EnvDB: "/env.db", EnvToken: "t0k"})

	path, explicit := Resolve(flagFile, env)
	c, err := Load(path, explicit, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != flagFile || c.Log.Level != "warn" || c.Database.Path != "/env.db" || c.Token.Reveal() != "t0k" {
		t.Errorf("got path %q level %q db %q", c.Path, c.Log.Level, c.Database.Path)
	}
}

func TestPlatformDefaults(t *testing.T) {
	tests := map[string]struct {
		goos   string
		system bool
		env    map[string]string
		state  string
		config string
	}{
		"linux user with XDG": {
			goos: "linux", env: map[string]string{"HOME": "/h", "XDG_STATE_HOME": "/xs", "XDG_CONFIG_HOME": "/xc"},
			state: "/xs/plexm8", config: "/xc/plexm8/config.yaml",
		},
		"linux user without XDG": {
			goos: "linux", env: map[string]string{"HOME": "/h"},
			state: "/h/.local/state/plexm8", config: "/h/.config/plexm8/config.yaml",
		},
		"relative XDG values are ignored": {
			goos: "linux", env: map[string]string{"HOME": "/h", "XDG_STATE_HOME": "rel", "XDG_CONFIG_HOME": "rel"},
			state: "/h/.local/state/plexm8", config: "/h/.config/plexm8/config.yaml",
		},
		"linux root": {
			goos: "linux", system: true, env: map[string]string{"HOME": "/root", "XDG_CONFIG_HOME": "/xc"},
			state: "/var/lib/plexm8", config: "/etc/plexm8/config.yaml",
		},
		"systemd directories": {
			goos: "linux", env: map[string]string{"HOME": "/h", "STATE_DIRECTORY": "/var/lib/plexm8:/var/lib/other", "CONFIGURATION_DIRECTORY": "/etc/plexm8"},
			state: "/var/lib/plexm8", config: "/etc/plexm8/config.yaml",
		},
		"darwin user": {
			goos: "darwin", env: map[string]string{"HOME": "/Users/u"},
			state: "/Users/u/.local/state/plexm8", config: "/Users/u/Library/Application Support/plexm8/config.yaml",
		},
		"no home": {
			goos: "linux", env: map[string]string{},
			state: "", config: "",
		},
		"windows user": {
			goos: "windows", env: map[string]string{"USERPROFILE": "/u", "AppData": "/u/roaming", "LocalAppData": "/u/local"},
			state: filepath.Join("/u/local", "plexm8"), config: filepath.Join("/u/roaming", "plexm8", "config.yaml"),
		},
		"windows service": {
			goos: "windows", system: true, env: map[string]string{"ProgramData": "/pd"},
			state: filepath.Join("/pd", "plexm8"), config: filepath.Join("/pd", "plexm8", "config.yaml"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := platform{goos: tc.goos, system: tc.system, getenv: envMap(tc.env)}
			if got := p.stateDir(); got != tc.state {
				t.Errorf("stateDir = %q, want %q", got, tc.state)
			}
			if got := p.configPath(); got != tc.config {
				t.Errorf("configPath = %q, want %q", got, tc.config)
			}
		})
	}
}

func TestDeviceNameFallback(t *testing.T) {
	p := platform{hostname: func() (string, error) { return " ", nil }}
	if got := p.deviceName(); got != "plexm8" {
		t.Errorf("deviceName = %q", got)
	}
}
