// Package table writes rows for people and for scripts: as columns aligned
// by their display width on a terminal (wide CJK and emoji take two cells,
// combining marks none), as a JSON array of objects, or as CSV.
package table

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/mattn/go-runewidth"
)

// Format is an output format.
type Format int

// The formats.
const (
	Text Format = iota // aligned columns
	JSON               // one array of objects, keys in column order
	CSV                // a header row of keys, then the rows (RFC 4180 quoting)
)

// Column describes one column of every row.
type Column struct {
	// Key names the value in JSON and CSV. Keys are part of the interface
	// scripts rely on: never rename one.
	Key string
	// Header is the column's title in text output; "" leaves the column
	// out of text output (JSON and CSV still carry it).
	Header string
	// Right aligns the column to the right (numbers, durations).
	Right bool
	// Flex lets text output shorten the column, with an ellipsis, to fit
	// the width.
	Flex bool
	// Show turns a value into text for people; nil uses Options.Null for
	// nil and the plain form of anything else.
	Show func(v any) string
}

// Options tune a Writer.
type Options struct {
	Format Format
	// Width is the number of cells a text line may take; 0 means no limit
	// (a pipe: nothing is cut).
	Width int
	// Null is how text output shows a nil value.
	Null string
}

// Writer takes rows one at a time. JSON and CSV stream; text output needs
// every row to know the widths, so it buffers until Close.
type Writer interface {
	// Row writes one row, a value per column: nil, string, []byte, bool,
	// any integer or float type.
	Row(vals ...any) error
	// Close writes what is buffered and ends the output.
	Close() error
}

// New returns a Writer of rows with the given columns to w.
func New(w io.Writer, cols []Column, o Options) Writer {
	switch o.Format {
	case JSON:
		return &jsonWriter{w: w, keys: jsonKeys(cols)}
	case CSV:
		cw := csv.NewWriter(w)
		keys := make([]string, len(cols))
		for i, c := range cols {
			keys[i] = c.Key
		}
		return &csvWriter{w: cw, header: keys}
	}
	return &textWriter{w: w, cols: cols, o: o}
}

// jsonKeys makes each key unique (a query may name two columns alike),
// keeping the first as it is.
func jsonKeys(cols []Column) []string {
	seen := map[string]int{}
	keys := make([]string, len(cols))
	for i, c := range cols {
		k := c.Key
		for seen[k] > 0 {
			seen[c.Key]++
			k = fmt.Sprintf("%s_%d", c.Key, seen[c.Key])
		}
		seen[k]++
		keys[i] = k
	}
	return keys
}

type jsonWriter struct {
	w    io.Writer
	keys []string
	n    int
	buf  bytes.Buffer
}

func (j *jsonWriter) Row(vals ...any) error {
	if len(vals) != len(j.keys) {
		return fmt.Errorf("table: row has %d values for %d columns", len(vals), len(j.keys))
	}
	j.buf.Reset()
	if j.n == 0 {
		j.buf.WriteString("[\n  {")
	} else {
		j.buf.WriteString(",\n  {")
	}
	for i, v := range vals {
		if i > 0 {
			j.buf.WriteString(", ")
		}
		if err := writeJSON(&j.buf, j.keys[i]); err != nil {
			return err
		}
		j.buf.WriteString(": ")
		if err := writeJSON(&j.buf, jsonValue(v)); err != nil {
			return fmt.Errorf("table: column %q: %w", j.keys[i], err)
		}
	}
	j.buf.WriteByte('}')
	j.n++
	_, err := j.w.Write(j.buf.Bytes())
	return err
}

func (j *jsonWriter) Close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

// writeJSON appends v without HTML escaping: titles keep their "<" and "&".
func writeJSON(b *bytes.Buffer, v any) error {
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// jsonValue maps what JSON cannot hold: SQLite can return infinities.
func jsonValue(v any) any {
	if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return nil
	}
	return v
}

type csvWriter struct {
	w      *csv.Writer
	header []string
	wrote  bool
	rec    []string
}

func (c *csvWriter) Row(vals ...any) error {
	if len(vals) != len(c.header) {
		return fmt.Errorf("table: row has %d values for %d columns", len(vals), len(c.header))
	}
	if !c.wrote {
		if err := c.w.Write(c.header); err != nil {
			return err
		}
		c.wrote = true
	}
	c.rec = c.rec[:0]
	for _, v := range vals {
		c.rec = append(c.rec, plain(v, ""))
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Close() error {
	if !c.wrote {
		if err := c.w.Write(c.header); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// plain is a value's text with nothing lost: CSV cells and default text.
func plain(v any, null string) string {
	switch v := v.(type) {
	case nil:
		return null
	case string:
		return v
	case []byte:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// width measures text as a terminal shows it. East Asian ambiguous
// characters count as one cell whatever the locale says, so output does
// not depend on the environment.
var width = &runewidth.Condition{EastAsianWidth: false}

type textWriter struct {
	w    io.Writer
	cols []Column
	o    Options
	rows [][]string
}

func (t *textWriter) Row(vals ...any) error {
	if len(vals) != len(t.cols) {
		return fmt.Errorf("table: row has %d values for %d columns", len(vals), len(t.cols))
	}
	cells := make([]string, len(vals))
	for i, v := range vals {
		c := t.cols[i]
		var s string
		if c.Show != nil {
			s = c.Show(v)
		} else {
			s = plain(v, t.o.Null)
		}
		cells[i] = clean(s)
	}
	t.rows = append(t.rows, cells)
	return nil
}

// clean puts each control character (newline, tab, ...) as a space: one
// row is one line.
func clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

const gap = 2

func (t *textWriter) Close() error {
	var shown []int
	for i, c := range t.cols {
		if c.Header != "" {
			shown = append(shown, i)
		}
	}
	if len(shown) == 0 {
		return nil
	}
	widths := make([]int, len(t.cols))
	cells := make([]int, len(t.cols)) // the widest cell below the header
	for _, i := range shown {
		for _, r := range t.rows {
			cells[i] = max(cells[i], width.StringWidth(r[i]))
		}
		widths[i] = max(cells[i], width.StringWidth(t.cols[i].Header))
	}
	if t.o.Width > 0 {
		fit(widths, cells, shown, t.cols, t.o.Width)
	}
	var b strings.Builder
	var werr error
	line := func(cells []string) {
		b.Reset()
		for n, i := range shown {
			s := cells[i]
			if width.StringWidth(s) > widths[i] {
				s = width.Truncate(s, widths[i], "…")
			}
			pad := strings.Repeat(" ", widths[i]-width.StringWidth(s))
			if n > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			if t.cols[i].Right {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		out := strings.TrimRight(b.String(), " ")
		if t.o.Width > 0 && width.StringWidth(out) > t.o.Width {
			// What fit could not narrow: the line ends at the edge
			// rather than wrap under the next one.
			out = width.Truncate(out, t.o.Width, "…")
		}
		if werr == nil {
			_, werr = io.WriteString(t.w, out+"\n")
		}
	}
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Header
	}
	line(header)
	for _, r := range t.rows {
		line(r)
	}
	return werr
}

// minFlex is the narrowest a flexible column is cut to while anything else
// can give: enough to recognise a name.
const minFlex = 8

// minCut is the narrowest any column is cut to: two cells and the
// ellipsis still hint at what was there.
const minCut = 3

// fit narrows columns until a line fits in limit cells, giving up first
// the cells that carry least:
//
//  1. flexible columns, widest first, down to minFlex;
//  2. headers wider than every cell below them ("VERSIONS" over "3"),
//     down to those cells but not below minCut: a value is never cut;
//  3. flexible columns further, down to minCut.
//
// A line that still does not fit is cut at the limit when written, so no
// line wraps whatever the terminal's width.
func fit(widths, cells, shown []int, cols []Column, limit int) {
	total := gap * (len(shown) - 1)
	for _, i := range shown {
		total += widths[i]
	}
	for _, floor := range []func(i int) int{
		func(i int) int {
			if cols[i].Flex {
				return minFlex
			}
			return widths[i]
		},
		func(i int) int { return max(cells[i], minCut) },
		func(i int) int {
			if cols[i].Flex {
				return minCut
			}
			return widths[i]
		},
	} {
		for total > limit {
			best := -1
			for _, i := range shown {
				if widths[i] > floor(i) && (best < 0 || widths[i] > widths[best]) {
					best = i
				}
			}
			if best < 0 {
				break
			}
			widths[best]--
			total--
		}
	}
}
