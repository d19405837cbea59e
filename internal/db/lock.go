package db

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// errLockHeld is what the platform tryLock returns when someone else holds
// the lock; acquireLock turns it into a *LockedError naming the holder.
var errLockHeld = errors.New("lock held by another process")

// writerLock is the exclusive lock that makes this process the database's
// only writer. The OS drops it when the process dies, so a crash never
// leaves a stale lock behind.
type writerLock struct {
	f *os.File
}

// acquireLock takes the writer lock for dbPath without waiting. The lock file
// is never deleted: unlinking a locked file lets a process that already
// opened the old inode and a process that creates a new one both "win".
func acquireLock(dbPath string) (*writerLock, error) {
	name := dbPath + ".lock"
	// No O_TRUNC: the file may belong to a running holder whose pid we want
	// to read back.
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %q: %w", name, err)
	}
	if err := tryLock(f); err != nil {
		defer f.Close()
		if errors.Is(err, errLockHeld) {
			le := &LockedError{Path: dbPath}
			le.PID, le.Command = readHolder(f)
			return nil, le
		}
		return nil, fmt.Errorf("lock %q: %w", name, err)
	}
	// The note only lets the next process name us; failing to write it is no
	// reason to refuse to run.
	if f.Truncate(0) == nil {
		_, _ = fmt.Fprintf(f, "%d\n%s\n", os.Getpid(), commandLine(os.Args))
	}
	return &writerLock{f: f}, nil
}

// release clears the holder note and drops the lock.
func (l *writerLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("release database lock: %w", err)
	}
	return nil
}

// readHolder parses "pid\ncommand line\n". The holder may be between taking
// the lock and writing the note, so an empty or partial file yields zeros.
func readHolder(f *os.File) (pid int, command string) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil {
		return 0, ""
	}
	// Only a newline-terminated pid is complete: "4" may be half of "42".
	first, rest, ok := strings.Cut(string(b), "\n")
	pid, err = strconv.Atoi(first)
	if !ok || err != nil || pid <= 0 {
		return 0, ""
	}
	return pid, strings.TrimSpace(rest)
}

// commandLine renders args for the lock note, which ends up in another
// process's error message: values of anything that looks like a credential
// flag are redacted in case someone passed one on the command line.
func commandLine(args []string) string {
	if len(args) == 0 {
		return ""
	}
	out := make([]string, 0, len(args))
	out = append(out, filepath.Base(args[0]))
	redactNext := false
	for _, a := range args[1:] {
		switch {
		case redactNext:
			a, redactNext = "[redacted]", false
		case strings.HasPrefix(a, "-") && isSecretFlag(a):
			if name, _, ok := strings.Cut(a, "="); ok {
				a = name + "=[redacted]"
			} else {
				redactNext = true
			}
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}

func isSecretFlag(flag string) bool {
	name, _, _ := strings.Cut(strings.ToLower(strings.TrimLeft(flag, "-")), "=")
	for _, s := range []string{"token", "password", "secret"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}
