package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportMessages(t *testing.T) {
	_, env := fakeConfig(t, 40)
	if r := run(t, env, "sync"); r.code != 0 {
		t.Fatalf("sync: %d %s", r.code, r.stderr)
	}
	pl := firstPlaylist(t, env)

	if r := run(t, env, "export", pl, "--format", "M3U8"); r.code != 0 || !strings.HasPrefix(r.stdout, "#EXTM3U") {
		t.Errorf("--format M3U8: exit %d\n%s", r.code, r.stderr)
	}
	r := run(t, env, "export", pl, "--format", "wav")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown --format "wav"`) || !strings.Contains(r.stderr, "m3u8, json, csv, xspf") {
		t.Errorf("--format wav: exit %d\n%s", r.code, r.stderr)
	}

	// -o naming a directory writes into it, under the name --all uses.
	dir := t.TempDir()
	r = run(t, env, "export", pl, "--format", "xspf", "-o", dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.xspf"))
	if r.code != 0 || len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), pl) || !strings.Contains(r.stderr, files[0]) {
		t.Fatalf("-o DIR: exit %d, files %v\n%s", r.code, files, r.stderr)
	}

	// A path that cannot be written is named as the user gave it, never
	// by the temporary file the export goes through.
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(notDir, "x.m3u8"), filepath.Join(notDir, "sub", "x.m3u8")} {
		r = run(t, env, "export", pl, "--format", "m3u8", "-o", out)
		if r.code != 1 || !strings.Contains(r.stderr, "cannot write "+out+": ") || strings.Contains(r.stderr, ".export-") {
			t.Errorf("-o %s: exit %d\n%s", out, r.code, r.stderr)
		}
	}
}
