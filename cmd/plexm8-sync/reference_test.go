package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// referencePath is the generated command reference, from this package's
// directory.
var referencePath = filepath.Join("..", "..", "docs", "commands.md")

// writeReference renders every command's --help, as the CLI prints it, into
// one Markdown page in the order of the command table.
func writeReference(w io.Writer) {
	fmt.Fprint(w, "# Command reference\n\n")
	fmt.Fprint(w, "Every command's `--help`, as `plexm8-sync` prints it. This page is generated from the\n"+
		"help texts by `go generate ./cmd/plexm8-sync`, and a test fails when it is out of date:\n"+
		"edit the help text in `cmd/plexm8-sync`, not this page. The [user guide](guide.md) explains\n"+
		"how the commands fit together.\n\n")
	var top bytes.Buffer
	(&app{}).mainUsage(&top)
	fmt.Fprintf(w, "## plexm8-sync\n\n```text\n%s```\n", top.String())
	fmt.Fprint(w, "\n## Exit codes\n\nEvery command exits with one of these codes. Where a command gives a code a meaning of\n"+
		"its own, it is named; a test runs each of these cases.\n\n")
	writeExitCodes(w)
	for _, g := range commandGroups() {
		fmt.Fprintf(w, "\n## %s\n", g.title)
		for _, c := range g.commands {
			fs := flag.NewFlagSet("plexm8-sync "+c.name, flag.ContinueOnError)
			globalFlags(fs, &app{})
			if c.setup != nil {
				c.setup(fs)
			}
			var help bytes.Buffer
			commandUsage(&help, c, fs)
			fmt.Fprintf(w, "\n### plexm8-sync %s\n\n```text\n%s```\n", c.name, help.String())
		}
	}
}

// TestCommandReference fails when docs/commands.md is not what the help
// texts render; go generate (or -update) rewrites it.
func TestCommandReference(t *testing.T) {
	var b bytes.Buffer
	writeReference(&b)
	if *update {
		if err := os.WriteFile(referencePath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("%v: run 'go generate ./cmd/plexm8-sync' to write it", err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(b.String(), "\n")
		line := 0
		for line < min(len(gl), len(wl)) && gl[line] == wl[line] {
			line++
		}
		t.Fatalf("docs/commands.md is out of date with the help texts (first difference at line %d): run 'go generate ./cmd/plexm8-sync'", line+1)
	}
}
