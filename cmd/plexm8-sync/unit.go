package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/plexm8/plexm8-sync/packaging"
)

// The paths packaging.SystemdUnit is written for. A system install with
// these paths writes the packaged unit byte for byte.
const (
	packagedBinary = "/usr/bin/plexm8-sync"
	packagedConfig = "/etc/plexm8/config.yaml"
)

// userUnitHeader replaces the packaged unit's opening comment in a user
// unit, which is not what the packages install.
const userUnitHeader = `# PlexM8 sync: keeps an offline SQLite mirror of a Plex account's music.
# This per-user unit was written by 'plexm8-sync service install --user': the
# packaged unit's sandbox, run as you, started with your session manager.
# Sign in before (or after) starting it; the daemon notices a new login:
#   %s --config %s login
# To keep it running while you are logged out: loginctl enable-linger
`

// systemdUnit renders the Linux unit `service install` writes: the packaged
// unit (read through its embed, never copied here, so the .deb and
// `service install` cannot drift apart) with ExecStart running exe with
// the absolute config path.
//
// For a user service it also drops User= and Group= (a user manager runs
// units as its user and refuses others), makes the home read-only instead
// of hidden (the config and the state live there), and is wanted by
// default.target, because multi-user.target does not exist in a user
// manager. Its state directory is stateDirs[0], the one the config
// resolves to, made writable with ReadWritePaths= (with the other
// directories the daemon writes) and pinned through $STATE_DIRECTORY:
// StateDirectory= would put it under ~/.config before systemd 254, where a
// 'login' typed in a shell would not find it.
func systemdUnit(exe, configPath string, user bool, stateDirs []string) (string, error) {
	execStart, err := systemdCommand(exe, "--config", configPath, "run")
	if err != nil {
		return "", err
	}
	var userState string
	if user {
		if len(stateDirs) == 0 {
			return "", errors.New("a user unit needs its state directory")
		}
		env, err := systemdList("STATE_DIRECTORY=" + stateDirs[0])
		if err != nil {
			return "", err
		}
		rw := make([]string, len(stateDirs))
		for i, d := range stateDirs {
			// "-": a directory removed later makes the daemon say so, rather
			// than the unit fail to start with a namespace error.
			if rw[i], err = systemdList("-" + d); err != nil {
				return "", err
			}
		}
		userState = "# The database, credentials and backups: the state directory of the config.\n" +
			"Environment=" + env + "\nReadWritePaths=" + strings.Join(rw, " ") + "\n"
	}
	src := packaging.SystemdUnit
	lines := strings.SplitAfter(src, "\n")
	var b strings.Builder
	b.Grow(len(src) + len(userUnitHeader))
	execs, header := 0, true
	for _, line := range lines {
		key, _, _ := strings.Cut(strings.TrimSpace(line), "=")
		if header && !strings.HasPrefix(line, "#") {
			header = false
			if user {
				fmt.Fprintf(&b, userUnitHeader, exe, configPath)
			}
		}
		switch {
		case header && user:
			continue
		case user && strings.HasPrefix(line, "#"):
			// The packaged unit's notes speak of the system service.
			continue
		case header:
			// The opening comment tells how to sign in with these paths.
			line = strings.ReplaceAll(line, packagedConfig, configPath)
			if exe != packagedBinary {
				line = strings.ReplaceAll(line, " plexm8-sync --config ", " "+exe+" --config ")
			}
		case key == "ExecStart":
			execs++
			line = "ExecStart=" + execStart + "\n"
		case user && (key == "User" || key == "Group"):
			continue
		case user && key == "StateDirectory":
			line = userState
		case user && (key == "StateDirectoryMode" || key == "ConfigurationDirectory"):
			continue
		case user && key == "ProtectHome":
			line = "ProtectHome=read-only\n"
		case user && key == "WantedBy":
			line = "WantedBy=default.target\n"
		}
		b.WriteString(line)
	}
	if user && !strings.Contains(b.String(), "ReadWritePaths=") {
		return "", errors.New("the packaged systemd unit has no StateDirectory= line to replace in a user unit")
	}
	if execs != 1 {
		return "", fmt.Errorf("the packaged systemd unit has %d ExecStart= lines, want exactly 1", execs)
	}
	out := b.String()
	// kardianos renders SystemdScript with its own template engine, in which
	// "{{" starts an action; the unit must pass through it unchanged.
	if strings.Contains(out, "{{") {
		return "", errors.New("the systemd unit contains \"{{\", which the service template engine would interpret")
	}
	return out, nil
}

// unitValue returns the value of the first key= line of a unit, "" if none.
func unitValue(unit, key string) string {
	for line := range strings.Lines(unit) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// systemdCommand renders a command line for ExecStart=. systemd splits it
// at whitespace, honours double quotes and C escapes, and expands
// specifiers (%) and variables ($) even inside quotes, so those are doubled.
func systemdCommand(words ...string) (string, error) { return systemdWords(true, words) }

// systemdList renders the words of a setting such as ReadWritePaths= or
// Environment=, which expand specifiers but not variables.
func systemdList(words ...string) (string, error) { return systemdWords(false, words) }

func systemdWords(vars bool, words []string) (string, error) {
	out := make([]string, len(words))
	for i, w := range words {
		if w == "" || strings.ContainsFunc(w, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", fmt.Errorf("cannot put %q in a systemd unit: use a path without control characters", w)
		}
		w = strings.ReplaceAll(w, "%", "%%")
		if vars {
			w = strings.ReplaceAll(w, "$", "$$")
		}
		if strings.ContainsAny(w, " \t\"'\\;") {
			w = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(w) + `"`
		}
		out[i] = w
	}
	return strings.Join(out, " "), nil
}
