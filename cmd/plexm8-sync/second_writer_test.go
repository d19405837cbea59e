package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// logLines is a Stderr that hands each JSON log line to a channel, so a
// test can wait for a line instead of sleeping.
type logLines struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	all   strings.Builder
	lines chan map[string]any
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadBytes('\n')
		if err != nil {
			l.buf.Write(line) // an incomplete line waits for the rest
			return len(p), nil
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			select {
			case l.lines <- m:
			default: // nobody waits for that many; the text keeps it
			}
		}
	}
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// testDaemon is `run` in this process against a fake of its own, for tests
// of what other commands see while a daemon runs and after it stopped.
type testDaemon struct {
	cfg    string
	env    map[string]string
	logs   *logLines
	stop   context.CancelFunc
	exited chan int
}

// startInProcessDaemon starts the daemon and returns once every job in jobs has
// logged a successful run.
func startInProcessDaemon(t *testing.T, tracks int, jobs ...string) *testDaemon {
	t.Helper()
	f, err := plextest.Start(plextest.Options{Seed: 3, Tracks: tracks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	dir := t.TempDir()
	d := &testDaemon{
		cfg:    writeRunConfig(t, dir, f, "  sync: \"@every 1h\"\n"),
		env:    map[string]string{"PLEXM8_TOKEN": f.AccountToken(), "HOME": dir},
		logs:   &logLines{lines: make(chan map[string]any, 1000)},
		exited: make(chan int, 1),
	}
	ctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	t.Cleanup(stop)
	getenv := func(k string) string { return d.env[k] }
	go func() {
		d.exited <- Main(ctx, []string{"--config", d.cfg, "run"}, Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: d.logs, Getenv: getenv})
	}()
	deadline := time.After(waitFor)
	for waiting := slices.Clone(jobs); len(waiting) > 0; {
		select {
		case m := <-d.logs.lines:
			waiting = slices.DeleteFunc(waiting, func(job string) bool { return jobLine(job, "ok")(m) })
		case code := <-d.exited:
			t.Fatalf("the daemon exited (%d) before a first ok run of %v:\n%s", code, waiting, d.logs)
		case <-deadline:
			t.Fatalf("no ok run of %v within %v:\n%s", waiting, waitFor, d.logs)
		}
	}
	return d
}

// Stop stops the daemon and waits for its clean exit.
func (d *testDaemon) Stop(t *testing.T) {
	t.Helper()
	d.stop()
	select {
	case code := <-d.exited:
		if code != 0 {
			t.Fatalf("the daemon exited %d:\n%s", code, d.logs)
		}
	case <-time.After(waitFor):
		t.Fatal("the daemon did not stop")
	}
}

// TestSecondWriterWhileDaemonRuns: while `run` holds the database, a second
// `run` and a `sync` are refused at once with a message that says who holds
// it and what to do, read-only queries still answer, and once the daemon
// stops a sync goes ahead. In-process (the lock is per open, not per
// process), so it runs under -short.
func TestSecondWriterWhileDaemonRuns(t *testing.T) {
	d := startInProcessDaemon(t, 100, "sync")
	env, cfg := d.env, d.cfg

	held := "is in use by process " + strconv.Itoa(os.Getpid())
	for _, args := range [][]string{{"run"}, {"sync"}, {"sync", "--full"}} {
		r := run(t, env, append([]string{"--config", cfg}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, held) || !strings.Contains(r.stderr, "stop it first, or use read-only commands") {
			t.Errorf("%q while the daemon runs: exit %d\n%s", args, r.code, r.stderr)
		}
		t.Logf("%q: exit %d: %s", args, r.code, strings.TrimSpace(r.stderr))
	}
	if r := run(t, env, "--config", cfg, "stats", "--json"); r.code != 0 {
		t.Errorf("a read-only query while the daemon runs: exit %d %s", r.code, r.stderr)
	}

	d.Stop(t)
	if r := run(t, env, "--config", cfg, "sync"); r.code != 0 {
		t.Fatalf("sync after the daemon stopped: exit %d\n%s", r.code, r.stderr)
	}
}
