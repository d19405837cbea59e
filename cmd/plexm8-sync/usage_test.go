package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// migratedEnv is an empty, migrated mirror for offline commands.
func migratedEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"PLEXM8_DB": filepath.Join(dir, "m.db"), "PLEXM8_CONFIG": filepath.Join(dir, "config.yaml")}
	if err := os.WriteFile(env["PLEXM8_CONFIG"], nil, 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, "migrate")
	return env
}

func TestSQLRunsExactlyOneStatement(t *testing.T) {
	env := migratedEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sql", ""}, "the query is empty"},
		{[]string{"sql", "   \n"}, "the query is empty"},
		{[]string{"sql", "-- just a comment"}, "the query is only a comment"},
		{[]string{"sql", "/* ; */ -- ;"}, "the query is only a comment"},
		{[]string{"sql", "SELECT 1; SELECT 2"}, `the query holds 2 statements, and sql runs exactly one: run each with its own 'plexm8-sync sql' (the second begins "SELECT 2")`},
		{[]string{"sql", "SELECT 1;\n-- two\nSELECT 2; SELECT 'x;y';"}, "the query holds 3 statements"},
		// After "--" every word is an argument, also one that looks like a flag.
		{[]string{"sql", "--", "--x"}, "the query is only a comment"},
		{[]string{"sql", "--", "SELECT 1", "--json"}, "sql takes exactly one argument"},
	} {
		r := run(t, env, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" ||
			!strings.HasSuffix(r.stderr, "Run 'plexm8-sync sql --help' for more.\n") {
			t.Errorf("%q: exit %d, want 2 and %q; stdout %q, stderr:\n%s", tc.args, r.code, tc.want, r.stdout, r.stderr)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sql", "SELECT 'a;b' AS s;"}, "a;b\n(1 rows)"},
		{[]string{"sql", "SELECT 'it''s; fine' AS s ; -- the end"}, "it's; fine\n"},
		{[]string{"sql", "-- newest first; by title\nSELECT 7 AS n"}, "n\n7\n"},
		{[]string{"sql", "SELECT 8 AS n /* ; */"}, "n\n8\n"},
		{[]string{"sql", `SELECT 1 AS "a;b", 2 AS [c;d], 3 AS ` + "`e;f`"}, "a;b  c;d  e;f"},
		{[]string{"sql", "--json", "--", "-- comment\nSELECT 9 AS n"}, `{"n": 9}`},
		{[]string{"sql", "-- comment\nSELECT 10 AS n", "--json"}, `{"n": 10}`},
	} {
		r := run(t, env, tc.args...)
		if r.code != exitOK || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%q: exit %d, want %q in stdout %q; stderr %q", tc.args, r.code, tc.want, r.stdout, r.stderr)
		}
	}
	// A trigger's body holds ";": it is one statement, which SQLite refuses.
	r := run(t, env, "sql", "CREATE TEMP TRIGGER t AFTER INSERT ON tracks BEGIN SELECT 1; SELECT 2; END;")
	if r.code != exitFailed || !strings.Contains(r.stderr, "only reads") {
		t.Errorf("trigger: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestSQLStatements(t *testing.T) {
	for q, want := range map[string][]string{
		"":                            nil,
		";;":                          nil,
		"-- a; b":                     nil,
		"/* unterminated; comment":    nil,
		"SELECT 1":                    {"SELECT 1"},
		"SELECT 1;":                   {"SELECT 1"},
		" SELECT 1 ; ; SELECT 2 ":     {"SELECT 1", "SELECT 2"},
		"SELECT 'a'';b'; SELECT 2":    {"SELECT 'a'';b'", "SELECT 2"},
		`SELECT "x"";y"`:              {`SELECT "x"";y"`},
		"SELECT [a;b]":                {"SELECT [a;b]"},
		"SELECT 'unterminated; x":     {"SELECT 'unterminated; x"},
		"SELECT 1 -- c;\n; SELECT 2":  {"SELECT 1 -- c;", "SELECT 2"},
		"SELECT 1 /* ; */; SELECT 2":  {"SELECT 1 /* ; */", "SELECT 2"},
		"SELECT x'00'; SELECT 2":      {"SELECT x'00'", "SELECT 2"},
		"SELECT 1 AS \"é;\"":          {"SELECT 1 AS \"é;\""},
		"create trigger t ...; x; y;": {"create trigger t ...; x; y;"},
	} {
		if got := sqlStatements(q); !slices.Equal(got, want) {
			t.Errorf("sqlStatements(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestFlagAndHelpUsage(t *testing.T) {
	// A level that is not one is refused, wherever the flag stands.
	for _, args := range [][]string{{"--log-level", "loud", "version"}, {"version", "--log-level=verbose"}} {
		r := run(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "is not a level: use one of debug, info, warn, error") || r.stdout != "" {
			t.Errorf("%q: exit %d %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := run(t, nil, "--log-level", "WARN", "version"); r.code != exitOK {
		t.Errorf("--log-level WARN: exit %d %q", r.code, r.stderr)
	}

	// A group's name shows its verbs.
	for _, args := range [][]string{{"service", "--help"}, {"service", "-h"}, {"help", "service"}, {"config", "--help"}, {"service", "--user", "--help"}} {
		group := args[0]
		if group == "help" {
			group = args[1]
		}
		r := run(t, nil, args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "Usage: plexm8-sync "+group+" <verb> [flags]\n") || r.stderr != "" {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	r := run(t, nil, "service", "--help")
	for _, want := range []string{"  install     install and enable the daemon", "  status      say whether the service", "Run 'plexm8-sync service <verb> --help'"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("service --help lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := run(t, nil, "config", "--help"); !strings.Contains(r.stdout, "  check   validate the config") {
		t.Errorf("config --help:\n%s", r.stdout)
	}
	if r := run(t, nil, "service"); r.code != exitUsage || !strings.Contains(r.stderr, "service needs one of: install, uninstall, start, stop, restart, status") ||
		!strings.HasSuffix(r.stderr, "Run 'plexm8-sync service --help' for more.\n") {
		t.Errorf("service alone: exit %d %q", r.code, r.stderr)
	}

	// Did you mean.
	for typo, want := range map[string]string{"sycn": "sync", "stauts": "stats' or 'status", "stat": "stats", "service strat": "service start", "confg check": "config check", "config chek": "config check", "histroy": "history"} {
		r := run(t, nil, strings.Fields(typo)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "(did you mean '"+want+"'?)") {
			t.Errorf("%q: exit %d %q", typo, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "xyzzy"); r.code != exitUsage || strings.Contains(r.stderr, "did you mean") {
		t.Errorf("xyzzy: exit %d %q", r.code, r.stderr)
	}

	// --version and -v are version.
	want := run(t, nil, "version")
	for _, flag := range []string{"--version", "-v", "-version"} {
		if r := run(t, nil, flag); r.code != exitOK || r.stdout != want.stdout {
			t.Errorf("%s: exit %d %q %q", flag, r.code, r.stdout, r.stderr)
		}
	}

	// A bad flag: the error, the synopsis and where to read more, not the
	// whole help.
	r = run(t, nil, "sync", "--bogus")
	if r.code != exitUsage || r.stderr != "plexm8-sync: sync: unknown flag --bogus\nUsage: plexm8-sync sync [--full] [--server NAME]...\nRun 'plexm8-sync sync --help' for more.\n" || r.stdout != "" {
		t.Errorf("sync --bogus: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "history", "one", "two")
	if r.code != exitUsage || !strings.HasSuffix(r.stderr, "\nUsage: plexm8-sync history [PLAYLIST] [--server S] [--json]\nRun 'plexm8-sync history --help' for more.\n") {
		t.Errorf("history one two: exit %d:\n%s", r.code, r.stderr)
	}
	// A failure is not a usage error: no hint to read the help.
	r = run(t, nil, "--config", filepath.Join(t.TempDir(), "missing.yaml"), "config", "check")
	if r.code != exitFailed || strings.Contains(r.stderr, "--help") || strings.Contains(r.stderr, "Usage:") {
		t.Errorf("missing config: exit %d:\n%s", r.code, r.stderr)
	}
}
