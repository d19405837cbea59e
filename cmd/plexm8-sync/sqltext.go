package main

import (
	"strings"
	"unicode"
)

// sqlStatements cuts SQL text into its statements the way SQLite's
// tokenizer sees them: a ";" ends a statement, except inside a string
// ('...'), a quoted name ("...", `...`, [...]) or a comment (-- to the end
// of the line, /* ... */). Statements holding only whitespace and comments
// are left out, so a trailing ";" or comment adds none. A CREATE TRIGGER,
// whose body holds ";", is returned whole with whatever follows it; the
// sql command refuses it anyway.
func sqlStatements(q string) []string {
	var out []string
	start, words := 0, []string(nil)
	// content is whether the current statement has more than comments.
	content := false
	flush := func(end int) {
		if content {
			out = append(out, strings.TrimSpace(q[start:end]))
		}
		start, words, content = end+1, nil, false
	}
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(q)
			}
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			if j := strings.Index(q[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(q)
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			content = true
			// A doubled quote is the quote itself; a bracketed name has no
			// escape. Unterminated, it runs to the end, as SQLite reads it.
			i++
			for i < len(q) && (q[i] != end || (end != ']' && i+1 < len(q) && q[i+1] == end)) {
				if q[i] == end {
					i++
				}
				i++
			}
		case c == ';':
			if isCreateTrigger(words) {
				i = len(q)
				continue
			}
			flush(i)
		case isWordByte(c):
			content = true
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			if len(words) < 4 {
				words = append(words, strings.ToUpper(q[i:j]))
			}
			i = j - 1
		case !unicode.IsSpace(rune(c)):
			content = true
		}
	}
	flush(len(q))
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// isCreateTrigger reports whether a statement's first words are CREATE
// [TEMP|TEMPORARY] TRIGGER.
func isCreateTrigger(words []string) bool {
	if len(words) > 1 && (words[1] == "TEMP" || words[1] == "TEMPORARY") {
		words = append(words[:1:1], words[2:]...)
	}
	return len(words) > 1 && words[0] == "CREATE" && words[1] == "TRIGGER"
}
