package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// need skips the test when a tool is missing, saying which and why it matters.
func need(t *testing.T, why string, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: cannot %s here (install it to run this test)", tool, why)
		}
	}
}

// unitLines returns the directives of a unit as "Key=Value" lines, without
// comments and section headers.
func unitLines(unit string) []string {
	var out []string
	for _, l := range strings.Split(unit, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == ';' || l[0] == '[' {
			continue
		}
		out = append(out, l)
	}
	return out
}

// TestSystemdUnitHardening pins what the package and `service install` rely
// on: the command line, the user, the state directory and the sandbox.
func TestSystemdUnitHardening(t *testing.T) {
	lines := map[string]bool{}
	for _, l := range unitLines(SystemdUnit) {
		lines[l] = true
	}
	for _, want := range []string{
		"ExecStart=/usr/bin/plexm8-sync --config /etc/plexm8/config.yaml run",
		"User=plexm8",
		"Group=plexm8",
		"StateDirectory=plexm8",
		"StateDirectoryMode=0700",
		"UMask=0077",
		"ProtectSystem=strict",
		"ProtectHome=yes",
		"NoNewPrivileges=yes",
		"PrivateTmp=yes",
		"PrivateDevices=yes",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
		"SystemCallFilter=@system-service",
		"CapabilityBoundingSet=",
		"AmbientCapabilities=",
		"WantedBy=multi-user.target",
	} {
		if !lines[want] {
			t.Errorf("unit lacks %q", want)
		}
	}
	for _, l := range unitLines(SystemdUnit) {
		// DynamicUser would give the service a different uid from the one
		// `sudo -u plexm8 plexm8-sync login` writes the credentials as.
		if strings.HasPrefix(l, "DynamicUser=") || strings.HasPrefix(l, "ReadWritePaths=") {
			t.Errorf("unit has %q: the package relies on the static plexm8 user and StateDirectory alone", l)
		}
	}
	if !strings.Contains(SystemdUnit, "sudo -u plexm8 plexm8-sync --config /etc/plexm8/config.yaml login") {
		t.Error("the unit's header does not say how to sign in")
	}
}

// testUnitFile writes the unit with ExecStart pointing at an executable
// that exists here, since systemd-analyze verify checks it: the test binary
// stands in for /usr/bin/plexm8-sync when no package was built.
func testUnitFile(t *testing.T, unit, exe string) string {
	t.Helper()
	unit = strings.Replace(unit, "ExecStart=/usr/bin/plexm8-sync ", "ExecStart="+exe+" ", 1)
	path := filepath.Join(t.TempDir(), "plexm8-sync.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// verifyUnit runs systemd-analyze verify; it exits 0 even for unknown keys
// and bad values (it only warns), so any output counts as a failure.
func verifyUnit(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("systemd-analyze", "verify", "--man=no", path).CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil && s == "" {
		s = err.Error()
	}
	return s
}

func TestSystemdUnitVerify(t *testing.T) {
	need(t, "check the unit", "systemd-analyze")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if out := verifyUnit(t, testUnitFile(t, SystemdUnit, exe)); out != "" {
		t.Errorf("systemd-analyze verify complains about the unit:\n%s", out)
	}
	// The check must be able to fail: a typo and a bad value are reported.
	broken := strings.Replace(SystemdUnit, "ProtectSystem=strict", "ProtectSystem=stricter\nProtectSystm=strict", 1)
	if out := verifyUnit(t, testUnitFile(t, broken, exe)); !strings.Contains(out, "ProtectSystm") {
		t.Errorf("systemd-analyze verify did not notice a broken unit; output:\n%s", out)
	}
}

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+) (\S+)`)

// unitExposure is the `systemd-analyze security --offline=true` score.
func unitExposure(t *testing.T, path string) (float64, string) {
	t.Helper()
	cmd := exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager", path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A score above --threshold (default 100) fails; the score is what matters.
	_ = cmd.Run()
	m := exposureRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no exposure level in systemd-analyze security output:\n%s", out.String())
	}
	score, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return score, m[2]
}

func TestSystemdUnitExposure(t *testing.T) {
	need(t, "score the unit's sandbox", "systemd-analyze")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	score, verdict := unitExposure(t, testUnitFile(t, SystemdUnit, exe))
	t.Logf("systemd-analyze security --offline=true: %.1f %s", score, verdict)
	if score >= 2.0 || verdict != "OK" {
		t.Errorf("exposure %.1f %s, want below 2.0 and OK", score, verdict)
	}
	// Without the sandbox the same unit scores badly, so the number above
	// measures the hardening lines rather than systemd's defaults.
	var bare []string
	for _, l := range strings.Split(SystemdUnit, "\n") {
		if k, _, ok := strings.Cut(l, "="); ok && (strings.HasPrefix(k, "Protect") || strings.HasPrefix(k, "Private") ||
			strings.HasPrefix(k, "Restrict") || strings.HasPrefix(k, "SystemCall") || k == "CapabilityBoundingSet") {
			continue
		}
		bare = append(bare, l)
	}
	if bareScore, _ := unitExposure(t, testUnitFile(t, strings.Join(bare, "\n"), exe)); bareScore < score+3 {
		t.Errorf("the unit without its sandbox scores %.1f, barely worse than %.1f: is the score measuring anything?", bareScore, score)
	}
}
