package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Line is the 1-based line in the file, 0 when the problem does not come
	// from the file (an environment variable, a missing default).
	Line int
	// Key is the dotted path of the offending setting, such as
	// "plex.page_size", "plex.servers[1]" or `plex.connections["den"]`.
	Key string
	// Msg is the complete human message, naming the key itself.
	Msg string
}

// ValidationError lists every problem found in one configuration.
type ValidationError struct {
	// Path is the file as it was named, "" when there was none.
	Path     string
	Problems []Problem
}

// Error lists one problem per line as "path:line: message".
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case e.Path != "" && p.Line > 0:
			fmt.Fprintf(&b, "%s:%d: ", e.Path, p.Line)
		case e.Path != "":
			fmt.Fprintf(&b, "%s: ", e.Path)
		case p.Line > 0:
			fmt.Fprintf(&b, "line %d: ", p.Line)
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// problems collects Problems with the line of each key already decoded, so
// that checks after decoding can point at the line that set the value.
type problems struct {
	list  []Problem
	lines map[string]int
}

func newProblems() *problems { return &problems{lines: map[string]int{}} }

// add records a problem at an explicit line.
func (ps *problems) add(line int, key, format string, args ...any) {
	ps.list = append(ps.list, Problem{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// at records a problem about key at the line the file set it on, if any.
func (ps *problems) at(key, format string, args ...any) {
	ps.add(ps.lines[key], key, format, args...)
}

// err returns nil or a *ValidationError in file order, problems without a
// line last.
func (ps *problems) err(path string) error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].Line, list[j].Line
		if a == 0 || b == 0 {
			return a != 0 && b == 0
		}
		return a < b
	})
	return &ValidationError{Path: path, Problems: list}
}
