package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/config"
)

func (a *app) dispatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("plexm8-sync", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	globalFlags(fs, a)
	// --version and -v are the habit of other tools; before a command only,
	// where they cannot be mistaken for a command's own flag.
	var showVersion bool
	fs.BoolVar(&showVersion, "version", false, "")
	fs.BoolVar(&showVersion, "v", false, "")
	rest, _, err := parseFlags(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.mainUsage(a.Stdout)
			return flag.ErrHelp
		}
		return usageErrorf("%s", flagError(err))
	}
	if showVersion {
		if len(rest) > 0 {
			return usageErrorf("--version takes no command (did you mean 'plexm8-sync %s --help'?)", rest[0])
		}
		rest = []string{"version"}
	}
	if len(rest) == 0 || rest[0] == "help" {
		if len(rest) > 1 {
			return a.dispatch(ctx, append(rest[1:], "--help"))
		}
		a.mainUsage(a.Stdout)
		if len(rest) == 0 {
			return usageErrorf("no command given")
		}
		return nil
	}
	if err := a.checkLogLevel(); err != nil {
		return err
	}
	commands := commandsByName()
	words := rest
	c, rest, err := lookup(commands, words)
	if err != nil {
		if g := groupOf(words[0]); len(g) > 0 && wantsHelp(words[1:]) {
			groupUsage(a.Stdout, words[0], g)
			return flag.ErrHelp
		}
		return err
	}
	cfs := flag.NewFlagSet("plexm8-sync "+c.name, flag.ContinueOnError)
	cfs.SetOutput(io.Discard)
	globalFlags(cfs, a)
	run := c.run
	if c.setup != nil {
		run = c.setup(cfs)
	}
	rest, ended, err := parseFlags(cfs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(a.Stdout, c, cfs)
			return flag.ErrHelp
		}
		return &inCommand{c.name, synopsis(c), usageErrorf("%s: %s", c.name, flagError(err))}
	}
	if err := a.checkLogLevel(); err != nil {
		return err
	}
	// A command run from within another (the demo's tour) must not
	// inherit the outer one's "--".
	defer func(outer bool) { a.flagsEnded = outer }(a.flagsEnded)
	a.flagsEnded = ended
	if err := run(ctx, a, rest); err != nil {
		if errors.Is(err, errUsage) {
			return &inCommand{c.name, synopsis(c), err}
		}
		return err
	}
	return nil
}

// synopsis is the command's one-line usage, after "plexm8-sync ".
func synopsis(c *command) string {
	return strings.TrimSpace(c.name + " " + c.args)
}

// lookup finds the command named by the first one or two words.
func lookup(commands map[string]*command, args []string) (*command, []string, error) {
	if len(args) > 1 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:], nil
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:], nil
	}
	if group := groupOf(args[0]); len(group) > 0 {
		in := func(err error) error {
			return &inCommand{args[0], args[0] + " " + strings.Join(group, "|") + " [flags]", err}
		}
		if len(args) == 1 || strings.HasPrefix(args[1], "-") {
			return nil, nil, in(usageErrorf("%s needs one of: %s", args[0], strings.Join(group, ", ")))
		}
		hint := ""
		if best := config.Closest(args[1], group); best != "" {
			hint = fmt.Sprintf(" (did you mean '%s %s'?)", args[0], best)
		}
		return nil, nil, in(usageErrorf("unknown command %q%s; %s takes: %s", args[0]+" "+args[1], hint, args[0], strings.Join(group, ", ")))
	}
	// The names a first word can be: commands and groups alike.
	var words []string
	for name := range commands {
		first, _, _ := strings.Cut(name, " ")
		if !slices.Contains(words, first) {
			words = append(words, first)
		}
	}
	sort.Strings(words)
	// Two guesses at most: "stauts" is as near to stats as to status.
	var guesses []string
	for range 2 {
		best := config.Closest(args[0], words)
		if best == "" {
			break
		}
		words = slices.DeleteFunc(words, func(w string) bool { return w == best })
		if len(args) > 1 && commands[best+" "+args[1]] != nil {
			best += " " + args[1]
		}
		guesses = append(guesses, "'"+best+"'")
	}
	if len(guesses) == 0 {
		return nil, nil, usageErrorf("unknown command %q", args[0])
	}
	return nil, nil, usageErrorf("unknown command %q (did you mean %s?)", args[0], strings.Join(guesses, " or "))
}

// groupOf returns the verbs of the group a word names ("service": install,
// uninstall, ...) in the order of the command list; none when it names no
// group.
func groupOf(word string) []string {
	var verbs []string
	for _, g := range commandGroups() {
		for _, c := range g.commands {
			if v, ok := strings.CutPrefix(c.name, word+" "); ok {
				verbs = append(verbs, v)
			}
		}
	}
	return verbs
}

// wantsHelp reports whether args ask for help rather than name a verb.
func wantsHelp(args []string) bool {
	for _, s := range args {
		switch s {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}
