//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris

package db

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLock uses flock, which belongs to the open file description: a second
// open of the same file, even in this process, is refused too.
func tryLock(f *os.File) error {
	return flock(f, unix.LOCK_EX|unix.LOCK_NB)
}

func unlock(f *os.File) error {
	return flock(f, unix.LOCK_UN)
}

func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = unix.Flock(int(fd), how)
			if !errors.Is(ferr, unix.EINTR) {
				return
			}
		}
	}); err != nil {
		return err
	}
	if errors.Is(ferr, unix.EWOULDBLOCK) {
		return errLockHeld
	}
	return ferr
}
