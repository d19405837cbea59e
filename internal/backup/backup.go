// Package backup takes, verifies, lists and rotates the database backups in
// backup.dir, and records the backup job's runs. A backup is an online copy
// (VACUUM INTO through the read-only pool, so the writer is never held) that
// counts only once PRAGMA integrity_check passed on the copy itself: until
// then it lives under a name that List and Rotate ignore.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
)

const (
	prefix = "plexm8-"
	suffix = ".db"
	// stamp sorts as text in time order, and has no ':' (Windows).
	stamp = "20060102T150405Z"
	// pending is the suffix of a copy not yet verified.
	pending = ".unverified"
)

// Info describes one good backup.
type Info struct {
	Path  string
	Time  time.Time // when it was taken (from its name), UTC
	Bytes int64
}

// Name is the file name of a backup taken at t.
func Name(t time.Time) string { return prefix + t.UTC().Format(stamp) + suffix }

// parse returns the time in a backup's file name and its sequence number
// within that second (1 unless a -N suffix says otherwise).
func parse(name string) (t time.Time, seq int, ok bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return time.Time{}, 0, false
	}
	s, ok = strings.CutSuffix(s, suffix)
	if !ok {
		return time.Time{}, 0, false
	}
	// Two backups in the same second get a -N suffix (see freeName).
	base, n, hasN := strings.Cut(s, "-")
	seq = 1
	if hasN {
		if _, err := fmt.Sscanf(n, "%d", &seq); err != nil || seq < 2 {
			return time.Time{}, 0, false
		}
	}
	t, err := time.Parse(stamp, base)
	return t, seq, err == nil
}

// Options tune Take and Run.
type Options struct {
	// Keep is how many good backups to retain; < 1 means 1.
	Keep int
	// File, when set, is where the copy goes instead of a new file in the
	// backup directory, outside the rotation: a copy for another machine,
	// or before an upgrade. It is replaced only by a copy that passed the
	// check.
	File string
	// Overwrite lets the copy replace an existing File; without it Take
	// refuses (ErrExists), so a mistyped name cannot destroy a file.
	Overwrite bool
	// Now defaults to time.Now.
	Now func() time.Time
	// afterCopy, in tests, damages the copy before it is verified.
	afterCopy func(path string) error
}

// Result is what Take did.
type Result struct {
	Info
	Removed []string // older backups deleted by rotation
}

// Take writes a verified backup of d into dir, then deletes the oldest good
// backups beyond o.Keep (or writes it to o.File, rotating nothing). A copy
// that fails verification is deleted and the earlier backups are left
// alone. Take records nothing, so it works on a read-only d: Run is the
// backup job.
func Take(ctx context.Context, d *db.DB, dir string, o Options) (Result, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.File != "" {
		if !o.Overwrite {
			if err := refuseExisting(o.File); err != nil {
				return Result{}, err
			}
		}
		info, err := takeTo(ctx, d, o.File, o.Now(), o.afterCopy)
		return Result{Info: info}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Result{}, fmt.Errorf("backup: create %s: %w", dir, err)
	}
	now := o.Now()
	final, err := freeName(dir, now)
	if err != nil {
		return Result{}, err
	}
	info, err := takeTo(ctx, d, final, now, o.afterCopy)
	if err != nil {
		return Result{}, err
	}
	res := Result{Info: info}
	res.Removed, err = Rotate(dir, o.Keep)
	return res, err
}

// ErrExists is matched by Take's error when Options.File exists and
// Options.Overwrite is not set.
var ErrExists = errors.New("the file exists")

func refuseExisting(file string) error {
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("backup: %w: %s; nothing was written", ErrExists, file)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fileError(file, err)
	}
	return nil
}

// fileError words a file-system failure on the way to final (creating the
// unverified copy, renaming it) with final's name: the temporary names are
// ours, and a user who cannot write the directory knows only the one given.
func fileError(final string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("backup: cannot write %s: %w", final, pe.Err)
	case errors.As(err, &le):
		return fmt.Errorf("backup: cannot write %s: %w", final, le.Err)
	}
	return fmt.Errorf("backup: %w", err)
}

func takeTo(ctx context.Context, d *db.DB, final string, now time.Time, afterCopy func(string) error) (Info, error) {
	tmp := final + pending
	if err := d.Backup(ctx, tmp); err != nil {
		return Info{}, fileError(final, err)
	}
	defer os.Remove(tmp) // a no-op after the rename
	if afterCopy != nil {
		if err := afterCopy(tmp); err != nil {
			return Info{}, err
		}
	}
	if err := db.VerifyFile(ctx, tmp); err != nil {
		return Info{}, fmt.Errorf("backup: the copy was discarded and earlier backups kept: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Info{}, fileError(final, err)
	}
	fi, err := os.Stat(final)
	if err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	return Info{Path: final, Time: now.UTC().Truncate(time.Second), Bytes: fi.Size()}, nil
}

// freeName picks the backup name for now, adding -2, -3 ... when a backup
// of the same second exists (a manual one beside the scheduled one).
func freeName(dir string, now time.Time) (string, error) {
	base := strings.TrimSuffix(Name(now), suffix)
	for i := 1; i < 100; i++ {
		name := base + suffix
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, suffix)
		}
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("backup: too many backups named %s* in %s", base, dir)
}

// List returns the good backups in dir, newest first. A missing dir has
// none.
func List(dir string) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	type entry struct {
		Info
		seq int
	}
	var found []entry
	for _, e := range entries {
		t, seq, ok := parse(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		found = append(found, entry{Info{Path: filepath.Join(dir, e.Name()), Time: t, Bytes: fi.Size()}, seq})
	}
	slices.SortFunc(found, func(a, b entry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return b.seq - a.seq
	})
	out := make([]Info, len(found))
	for i, e := range found {
		out[i] = e.Info
	}
	return out, nil
}

// Rotate deletes the good backups beyond the keep newest and returns their
// paths. Files that are not backups are never touched.
func Rotate(dir string, keep int) ([]string, error) {
	if keep < 1 {
		keep = 1
	}
	all, err := List(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, b := range all[min(keep, len(all)):] {
		if err := os.Remove(b.Path); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, b.Path)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("rotate backups: %w", err)
	}
	return removed, nil
}
