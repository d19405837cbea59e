//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris

package db

import (
	"os"

	"golang.org/x/sys/unix"
)

func tryLockShared(f *os.File) error {
	return flock(f, unix.LOCK_SH|unix.LOCK_NB)
}
