package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// infoLogLines are the log lines below warnings (the log of a test is JSON:
// its Stderr is no terminal).
func infoLogLines(stderr string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, `"level":"INFO"`) || strings.Contains(line, `"level":"DEBUG"`) {
			out = append(out, line)
		}
	}
	return out
}

// whatNext is the end of the story, from its "What next" heading.
func whatNext(t *testing.T, stdout string) string {
	t.Helper()
	i := strings.Index(stdout, "== What next")
	if i < 0 {
		t.Fatalf("the demo does not end with what to do next:\n%s", stdout)
	}
	return stdout[i:]
}

// The story reads without log lines between its steps (they are there when
// asked for), and ends pointing only at what still exists after the demo:
// without --keep nothing in its removed directory, with --keep files that
// are there and a restore command that works. Both endings name --serve and
// --keep as the next steps.
func TestDemoStoryEndsWithWhatStillExists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := mustRun(t, nil, "demo", "--tracks", "50", "--dir", dir)
	if lines := infoLogLines(r.stderr); len(lines) > 0 {
		t.Errorf("the demo logs between the steps of its story:\n%s", strings.Join(lines, "\n"))
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the demo directory is still there: %v", err)
	}
	end := whatNext(t, r.stdout)
	for _, want := range []string{"demo --serve", "demo --keep", "demo change"} {
		if !strings.Contains(end, want) {
			t.Errorf("the ending does not mention %q:\n%s", want, end)
		}
	}
	if strings.Contains(r.stdout, "-o "+dir) || strings.Contains(end, dir) {
		t.Errorf("the demo points at files in the directory it removed:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "--dry-run\n") || !strings.Contains(r.stdout, "Dry run: nothing was sent to Plex.") {
		t.Errorf("restore is not shown while the demo's files exist:\n%s", r.stdout)
	}

	// --log-level still shows the whole log.
	if r := mustRun(t, nil, "demo", "--tracks", "20", "--log-level", "info"); len(infoLogLines(r.stderr)) == 0 {
		t.Errorf("--log-level info shows no log:\n%s", r.stderr)
	}

	kept := filepath.Join(t.TempDir(), "kept")
	r = mustRun(t, nil, "demo", "--tracks", "50", "--dir", kept, "--keep")
	end = whatNext(t, r.stdout)
	if !strings.Contains(end, "demo --serve") {
		t.Errorf("the ending does not mention --serve:\n%s", end)
	}
	paths := regexp.MustCompile(regexp.QuoteMeta(kept)+`[^\s"',;]*`).FindAllString(r.stdout, -1)
	if len(paths) == 0 {
		t.Fatalf("the kept demo does not say where its files are:\n%s", r.stdout)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the demo points at %s, which is gone: %v", p, err)
		}
	}
	m := regexp.MustCompile(`plexm8-sync restore "([^"]+)" --at 1 --dry-run`).FindStringSubmatch(end)
	if m == nil {
		t.Fatalf("no restore command at the end:\n%s", end)
	}
	env := map[string]string{"PLEXM8_CONFIG": filepath.Join(kept, "config.yaml")}
	if r := run(t, env, "restore", m[1], "--at", "1", "--dry-run"); !strings.Contains(r.stdout, "Dry run") {
		t.Errorf("the restore the demo suggests does not work after it: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
