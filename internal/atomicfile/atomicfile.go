// Package atomicfile replaces files whole: a reader or a crash sees the old
// content or the new, never half of it, and errors name the file the user
// asked for, never the temporary one beside it.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with b, mode perm, through a temporary file in the
// same directory that is synced and renamed over it. The directory must
// exist.
func Write(path string, b []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: Cause(err)}
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(b)
	if err := errors.Join(f.Chmod(perm), werr, f.Sync(), f.Close()); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: Cause(err)}
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: Cause(err)}
	}
	return nil
}

// Cause is a file-system error without the file name it carries, for a
// message that names the user's file instead of a temporary one.
func Cause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
