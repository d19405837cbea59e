package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// demoMarker names the file that makes a directory a demo directory: a
// later demo may then replace its own files there (demoFiles), and nothing
// else.
const demoMarker = ".plexm8-demo"

const demoMarkerText = `This directory was made by 'plexm8-sync demo'. A later demo run with
--dir pointing here replaces the files the demo writes (config.yaml,
credentials.json, client-id, plexm8.db and its companions (the daemon's lock file too), playlist.m3u8,
demo-control.json) and leaves every other file alone.
`

// demoFiles are the names the demo and the commands it runs write into its
// directory. They are the only files it ever replaces or removes in a
// directory it did not create.
var demoFiles = []string{
	demoMarker, "config.yaml", "credentials.json", "client-id",
	"plexm8.db", "plexm8.db-wal", "plexm8.db-shm", "plexm8.db-journal", "plexm8.db.lock", "plexm8.db.daemon",
	"playlist.m3u8", demoControlFile,
}

// demoDir is the directory a demo runs in and what it may remove after.
type demoDir struct {
	path string
	// created lists the directories the demo made, deepest first: they
	// and everything in them are the demo's. Empty when the directory was
	// there before, and then only demoFiles are removed.
	created []string
}

// prepareDemoDir makes dir ready for the demo: a fresh temporary directory
// when dir is "", else dir as given, created if missing. An existing dir
// must be empty or a previous demo's; anything else is refused, so that
// neither the demo's writes nor its clean-up can touch a file it did not
// create ("--dir ." in a home directory must be harmless).
func prepareDemoDir(dir string) (*demoDir, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "plexm8-demo-")
		if err != nil {
			return nil, fmt.Errorf("create a temporary directory for the demo: %w (name one with --dir)", err)
		}
		return &demoDir{path: d, created: []string{d}}, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("--dir %s: %w", dir, err)
	}
	var created []string
	for p := abs; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil || !errors.Is(err, fs.ErrNotExist) || filepath.Dir(p) == p {
			break
		}
		created = append(created, p)
	}
	if len(created) > 0 {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("create the demo directory: %w", err)
		}
		return &demoDir{path: abs, created: created}, nil
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("--dir %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return &demoDir{path: abs}, nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, demoMarker) {
		shown := names[:min(len(names), 3)]
		more := ""
		if len(names) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		return nil, fmt.Errorf("--dir %s already holds files the demo did not create (%s%s); the demo never replaces or removes those: "+
			"name a new or empty directory instead, such as --dir %s",
			dir, strings.Join(shown, ", "), more, filepath.Join(dir, "plexm8-demo"))
	}
	if running, err := demoServeRunning(abs); running {
		return nil, fmt.Errorf("--dir %s is in use by a running 'plexm8-sync demo --serve' (%v); stop that one (Ctrl-C in its terminal) or name another directory", dir, err)
	}
	// A previous demo's files are replaced, not reused: its database
	// mirrored another run of the fake, and the tour starts from nothing.
	d := &demoDir{path: abs}
	if err := d.removeOwnFiles(false); err != nil {
		return nil, err
	}
	return d, nil
}

// write writes one of the demo's files, marking the directory as the
// demo's first.
func (d *demoDir) write(name string, data []byte) error {
	if err := os.WriteFile(filepath.Join(d.path, demoMarker), []byte(demoMarkerText), 0o600); err != nil {
		return fmt.Errorf("write the demo's files into %s: %w", d.path, err)
	}
	if err := os.WriteFile(filepath.Join(d.path, name), data, 0o600); err != nil {
		return fmt.Errorf("write the demo's files into %s: %w", d.path, err)
	}
	return nil
}

// cleanUp removes what the demo made: the directories it created, or else
// only its own files in the directory that was there before.
func (d *demoDir) cleanUp() error {
	if len(d.created) > 0 {
		if err := os.RemoveAll(d.path); err != nil {
			return fmt.Errorf("remove the demo directory: %w", err)
		}
		// Parents made for --dir go too, but only while empty: a file
		// put there meanwhile is not the demo's.
		for _, p := range d.created[1:] {
			if os.Remove(p) != nil {
				break
			}
		}
		return nil
	}
	return d.removeOwnFiles(true)
}

// removeOwnFiles removes demoFiles from the directory; the marker goes too
// when marker is true.
func (d *demoDir) removeOwnFiles(marker bool) error {
	for _, name := range demoFiles {
		if name == demoMarker && !marker {
			continue
		}
		if err := os.Remove(filepath.Join(d.path, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the demo's file: %w", err)
		}
	}
	return nil
}
