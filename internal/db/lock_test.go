package db

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	helperModeEnv = "PLEXM8_DB_TEST_HELPER"
	helperPathEnv = "PLEXM8_DB_TEST_PATH"
)

// TestHelperProcess is not a test: the lock tests re-run the test binary with
// it to get a second process opening the same database.
//
//	open: try to Open, print the outcome, exit.
//	hold: Open, print "holding", then wait on stdin until killed.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		t.Skip("helper process for the lock tests")
	}
	db, err := Open(context.Background(), os.Getenv(helperPathEnv), Options{})
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			fmt.Printf("locked pid=%d\n", le.PID)
		}
		fmt.Println(err)
		os.Exit(3)
	}
	switch mode {
	case "open":
		fmt.Println("opened")
		if err := db.Close(); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	case "hold":
		fmt.Println("holding")
		_, _ = io.Copy(io.Discard, os.Stdin)
	}
	os.Exit(0)
}

func helperCommand(t *testing.T, mode, path string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperPathEnv+"="+path,
		// A -race binary otherwise lingers 1 s at exit.
		"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	return cmd
}

func TestSecondWriterProcessIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	db := openTest(t, path, Options{})

	out, err := helperCommand(t, "open", path).Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("helper: err = %v, output:\n%s", err, out)
	}
	got := string(out)
	wantLines := []string{
		fmt.Sprintf("locked pid=%d", os.Getpid()),
		fmt.Sprintf("database %s is in use by process %d (%s ", db.Path(), os.Getpid(), filepath.Base(os.Args[0])),
		"; stop it first, or use read-only commands",
	}
	for _, want := range wantLines {
		if !strings.Contains(got, want) {
			t.Errorf("helper output %q does not contain %q", got, want)
		}
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, err = helperCommand(t, "open", path).Output()
	if err != nil || strings.TrimSpace(string(out)) != "opened" {
		t.Errorf("helper after the writer closed: err = %v, output %q; want opened", err, out)
	}
}

func TestSecondOpenInProcessIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}

	_, err = Open(t.Context(), path, Options{})
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open error = %v, want *LockedError", err)
	}
	if le.PID != os.Getpid() || le.Path != path || !strings.HasPrefix(le.Command, filepath.Base(os.Args[0])) {
		t.Errorf("LockedError = %+v, want PID %d, Path %q and this test binary as command", le, os.Getpid(), path)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A stale note could make the next refused process name a dead pid.
	if note := mustRead(t, path+".lock"); len(note) != 0 {
		t.Errorf("lock file after Close holds %q, want it empty", note)
	}
	openTest(t, path, Options{})
}

func TestLockDiesWithItsProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	cmd := helperCommand(t, "hold", path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper said %q, %v; want holding", line, err)
	}

	_, err = Open(t.Context(), path, Options{})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Errorf("Open while the helper holds the lock: err = %v, want *LockedError naming pid %d", err, cmd.Process.Pid)
	}

	// SIGKILL: no deferred cleanup runs in the helper, as in a crash.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	openTest(t, path, Options{})
}

func TestLockedErrorMessage(t *testing.T) {
	cases := []struct {
		err  LockedError
		want string
	}{
		{LockedError{Path: "/x/plexm8.db", PID: 1234, Command: "plexm8-sync run"},
			"database /x/plexm8.db is in use by process 1234 (plexm8-sync run); stop it first, or use read-only commands"},
		{LockedError{Path: "/x/plexm8.db", PID: 1234},
			"database /x/plexm8.db is in use by process 1234; stop it first, or use read-only commands"},
		{LockedError{Path: "/x/plexm8.db"},
			"database /x/plexm8.db is in use by another process; stop it first, or use read-only commands"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

func TestReadHolder(t *testing.T) {
	cases := map[string]struct {
		content string
		pid     int
		command string
	}{
		"complete":      {"42\nplexm8-sync run\n", 42, "plexm8-sync run"},
		"empty":         {"", 0, ""},
		"pid only":      {"42\n", 42, ""},
		"partial pid":   {"4", 0, ""},
		"garbage":       {"hello\nworld\n", 0, ""},
		"negative":      {"-1\nx\n", 0, ""},
		"not yet wrote": {"\n", 0, ""},
	}
	for name, c := range cases {
		f, err := os.Create(filepath.Join(t.TempDir(), "x.lock"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(c.content); err != nil {
			t.Fatal(err)
		}
		pid, command := readHolder(f)
		f.Close()
		if pid != c.pid || command != c.command {
			t.Errorf("%s: readHolder = %d, %q; want %d, %q", name, pid, command, c.pid, c.command)
		}
	}
}

func TestCommandLineRedactsCredentials(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"/usr/bin/plexm8-sync", "run"}, "plexm8-sync run"},
		{[]string{"plexm8-sync", "--config", "/etc/plexm8/config.yaml", "sync"}, "plexm8-sync --config /etc/plexm8/config.yaml sync"},
		{[]string{"plexm8-sync", "--token=abc123", "sync"}, "plexm8-sync --token=[redacted] sync"},
		{[]string{"plexm8-sync", "-plex-token", "abc123", "sync"}, "plexm8-sync -plex-token [redacted] sync"},
		{[]string{"plexm8-sync", "--Password", "hunter2"}, "plexm8-sync --Password [redacted]"},
		{nil, ""},
	}
	for _, c := range cases {
		if got := commandLine(c.args); got != c.want {
			t.Errorf("commandLine(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
