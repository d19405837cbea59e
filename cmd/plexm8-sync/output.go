package main

import (
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/term"

	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/table"
)

// outputFlags are the format flags every list command takes.
type outputFlags struct{ json, csv bool }

func (o *outputFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print a JSON array of objects (stable keys, raw values) instead of a table")
	fs.BoolVar(&o.csv, "csv", false, "print CSV with a header row (RFC 4180 quoting) instead of a table")
}

func (o outputFlags) format() (table.Format, error) {
	switch {
	case o.json && o.csv:
		return 0, usageErrorf("--json and --csv exclude each other")
	case o.json:
		return table.JSON, nil
	case o.csv:
		return table.CSV, nil
	}
	return table.Text, nil
}

// newTable starts the output of a list command on stdout, fitted to
// a.terminalWidth.
func (a *app) newTable(o outputFlags, cols []table.Column) (table.Writer, error) {
	f, err := o.format()
	if err != nil {
		return nil, err
	}
	return table.New(a.Stdout, cols, table.Options{Format: f, Width: a.terminalWidth(a.Stdout)}), nil
}

// terminalWidth is the number of cells a table written to w may take:
// COLUMNS when it is set to a positive number, whatever w is (as ls and ps
// honour it, so "COLUMNS=100 plexm8-sync playlists | less" is cut as asked);
// else the terminal's width; else 0, no limit, for a pipe or a file.
func (a *app) terminalWidth(w io.Writer) int {
	if n, err := strconv.Atoi(strings.TrimSpace(a.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if !isTerminal(w) {
		return 0
	}
	if width, _, err := term.GetSize(int(w.(*os.File).Fd())); err == nil && width > 0 {
		return width
	}
	return 80
}

// limitFlag defines --limit with the command's default.
func limitFlag(fs *flag.FlagSet, p *int, def int, what string) {
	fs.IntVar(p, "limit", def, "show at most `N` "+what+" (0: all)")
}

// checkLimit refuses a negative --limit.
func checkLimit(n int) error {
	if n < 0 {
		return usageErrorf("--limit must be 0 (all) or more, not %d", n)
	}
	return nil
}

// moreThan asks for one row past the limit, to tell whether there were more.
func moreThan(limit int) int {
	if limit == 0 {
		return 0
	}
	return limit + 1
}

// noteCut tells, on stderr (stdout stays data), that rows were left out.
func (a *app) noteCut(n, limit int, what string) {
	if limit > 0 && n > limit {
		fmt.Fprintf(a.Stderr, "(showing the first %d %s; --limit 0 shows all)\n", limit, what)
	}
}

// Values of sql.Null* types as table values: nil when absent.

func nstr(v sql.NullString) any {
	if v.Valid {
		return v.String
	}
	return nil
}

func nint(v sql.NullInt64) any {
	if v.Valid {
		return v.Int64
	}
	return nil
}

func nbool(v sql.NullBool) any {
	if v.Valid {
		return v.Bool
	}
	return nil
}

// The show* functions are table cells' Show: a value as fetched (nil when
// absent) through the one formatter for its kind.

// showDuration shows milliseconds as a length.
func showDuration(v any) string {
	ms, ok := v.(int64)
	if !ok {
		return ""
	}
	return format.Length(ms)
}

// showDate shows an epoch time as a local date.
func showDate(v any) string {
	t, ok := v.(int64)
	if !ok {
		return ""
	}
	return format.Date(time.Unix(t, 0))
}

func showYesNo(v any) string {
	if b, ok := v.(bool); ok && b {
		return "yes"
	}
	return ""
}

func showInt(v any) string {
	if n, ok := v.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// showSize shows bytes in binary units.
func showSize(v any) string {
	n, ok := v.(int64)
	if !ok {
		return ""
	}
	return format.Bytes(n)
}

// serverHeader is the SERVER column's header: shown only when the rows come
// from more than one server.
func serverHeader(ids []string) string {
	for _, id := range ids[min(1, len(ids)):] {
		if id != ids[0] {
			return "SERVER"
		}
	}
	return ""
}

// positionals returns a command's positional arguments when flags may
// follow them too: "tracks sigur ros --limit 5" and "diff 'Road Trip' --from
// 2" mean what they say, where package flag alone stops at the first word.
// args is what flag left, so its first word is positional (flag stopped
// there, or just after "--"); a later "--" ends the flags as it would have
// before the words. After a "--" that dispatch already consumed, every
// argument is a word: "sql -- '--x'" and "tracks -- --limit" search for them.
func (a *app) positionals(fs *flag.FlagSet, args []string) ([]string, error) {
	if a.flagsEnded {
		return args, nil
	}
	var words []string
	for len(args) > 0 {
		words = append(words, args[0])
		rest, ended, err := parseFlags(fs, args[1:])
		if err != nil {
			return nil, usageErrorf("%s: %s", strings.TrimPrefix(fs.Name(), "plexm8-sync "), flagError(err))
		}
		if ended {
			return append(words, rest...), nil
		}
		args = rest
	}
	return words, nil
}

// parseFlags is fs.Parse, except that a word starting with "-" whose name
// holds whitespace is an argument, not a flag, as no flag's name can hold a
// space: an SQL comment ("-- newest first\nSELECT …") or a search for
// "- live -". It returns what is left and whether a "--" ended the flags.
func parseFlags(fs *flag.FlagSet, args []string) (rest []string, ended bool, err error) {
	err = fs.Parse(args)
	rest = fs.Args()
	if err != nil {
		// flag has consumed the word when it reports an unknown flag, and
		// not when it reports bad syntax ("--- x").
		n := len(args) - len(rest)
		switch {
		case strings.HasPrefix(err.Error(), "flag provided but not defined") && n > 0 && notAFlag(args[n-1]):
			return args[n-1:], false, nil
		case strings.HasPrefix(err.Error(), "bad flag syntax") && len(rest) > 0 && notAFlag(rest[0]):
			return rest, false, nil
		}
		return nil, false, err
	}
	n := len(args) - len(rest)
	return rest, n > 0 && args[n-1] == "--", nil
}

// notAFlag reports whether a word that starts with "-" cannot be a flag:
// its name, up to any "=", holds whitespace.
func notAFlag(word string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(word, "-"), "=")
	return strings.HasPrefix(word, "-") && strings.ContainsFunc(name, unicode.IsSpace)
}

// flagError rewords package flag's errors in the CLI's own spelling:
// "flag provided but not defined: -bogus" names the flag as typed.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	return strings.Replace(msg, "flag needs an argument: -", "flag needs a value: --", 1)
}
