package table

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var cols = []Column{
	{Key: "id"}, // JSON and CSV only
	{Key: "title", Header: "TITLE", Flex: true},
	{Key: "artist", Header: "ARTIST", Flex: true},
	{Key: "n", Header: "N", Right: true},
}

// rows mix what misaligns a rune-counting table: wide CJK (2 cells each),
// emoji and a ZWJ family (one 2-cell glyph), combining marks (0 cells),
// full-width Latin, and control characters.
var rows = [][]any{
	{int64(1), "東京の夜 (Tokyo Night)", "坂本龍一", int64(12)},
	{int64(2), "The 🦄 Unicorns", "👨‍👩‍👧‍👦 Family", int64(3)},
	{int64(3), "Cre\u0300me bru\u0302le\u0301e", "Zoe\u0308 Keating", nil},
	{int64(4), "Line one\nLine two\ttab", "ＦＵＬＬ", int64(100)},
	{int64(5), "plain", nil, int64(7)},
}

func render(t *testing.T, o Options) string {
	t.Helper()
	var b bytes.Buffer
	w := New(&b, cols, o)
	for _, r := range rows {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextAlignsByDisplayWidth(t *testing.T) {
	// Each line's cells start at the same display column: counted in
	// terminal cells, not runes or bytes.
	want := "" +
		"TITLE                   ARTIST         N\n" +
		"東京の夜 (Tokyo Night)  坂本龍一      12\n" +
		"The 🦄 Unicorns         👨‍👩‍👧‍👦 Family      3\n" +
		"Cre\u0300me bru\u0302le\u0301e            Zoe\u0308 Keating\n" +
		"Line one Line two tab   ＦＵＬＬ     100\n" +
		"plain                                  7\n"
	got := render(t, Options{})
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if n := width.StringWidth(line); i != 3 && n != 40 {
			t.Errorf("line %d is %d cells wide: %q", i, n, line)
		}
	}
}

func TestTextTruncatesToWidth(t *testing.T) {
	got := render(t, Options{Width: 30})
	want := "" +
		"TITLE         ARTIST         N\n" +
		"東京の夜 (T…  坂本龍一      12\n" +
		"The 🦄 Unic…  👨‍👩‍👧‍👦 Family      3\n" +
		"Cre\u0300me bru\u0302le\u0301e  Zoe\u0308 Keating\n" +
		"Line one Li…  ＦＵＬＬ     100\n" +
		"plain                        7\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if n := width.StringWidth(line); n > 30 {
			t.Errorf("line %d is %d cells, over the width: %q", i, n, line)
		}
	}
}

// fits checks that out is one header line and n rows, none wider than limit
// cells: a line that wraps on a terminal breaks every column below it.
func fits(t *testing.T, out string, n, limit int) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines for %d rows and a header:\n%s", len(lines), n, out)
	}
	for i, line := range lines {
		if w := width.StringWidth(line); w > limit {
			t.Errorf("width %d: line %d is %d cells: %q", limit, i, w, line)
		}
	}
	return lines
}

func TestTextFitsEveryWidth(t *testing.T) {
	for limit := 1; limit <= 45; limit++ {
		fits(t, render(t, Options{Width: limit}), len(rows), limit)
	}
}

func TestTextCutsHeadersBeforeValues(t *testing.T) {
	// A playlist listing on a narrow terminal: once the title is down to
	// minFlex, the headers wider than their values give way; the values
	// stay whole.
	cols := []Column{
		{Key: "title", Header: "PLAYLIST", Flex: true},
		{Key: "smart", Header: "SMART"},
		{Key: "items", Header: "ITEMS", Right: true},
		{Key: "versions", Header: "VERSIONS", Right: true},
	}
	table := func(limit int) string {
		var b bytes.Buffer
		w := New(&b, cols, Options{Width: limit})
		_ = w.Row("Road Trip 🚗 with a long name", "yes", int64(1200), int64(3))
		_ = w.Row("東京の夜", nil, int64(7), int64(12))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, c := range []struct {
		width int
		want  string
	}{
		{30, "" + // the title gives first, then the header wider than its values
			"PLAYLIST  SMART  ITEMS  VERSI…\n" +
			"Road Tr…  yes     1200       3\n" +
			"東京の夜             7      12\n"},
		{24, "" + // narrower, every header is down to its values
			"PLAYLIST  SM…  ITE…  VE…\n" +
			"Road Tr…  yes  1200    3\n" +
			"東京の夜          7   12\n"},
		{20, "" + // narrower still, the title gives more, down to minCut
			"PLA…  SM…  ITE…  VE…\n" +
			"Roa…  yes  1200    3\n" +
			"東…           7   12\n"},
		{12, "" + // then the lines end at the edge rather than wrap
			"PL…  SM…  I…\n" +
			"Ro…  yes  1…\n" +
			"東…        …\n"},
	} {
		got := table(c.width)
		if got != c.want {
			t.Fatalf("width %d, got:\n%s\nwant:\n%s", c.width, got, c.want)
		}
		fits(t, got, 2, c.width)
	}
}

func TestJSONIsAnArrayOfObjects(t *testing.T) {
	var got []map[string]any
	if err := json.Unmarshal([]byte(render(t, Options{Format: JSON})), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("%d objects, want %d", len(got), len(rows))
	}
	for i, obj := range got {
		for j, c := range cols {
			v, ok := obj[c.Key]
			if !ok {
				t.Fatalf("row %d lacks key %q", i, c.Key)
			}
			want := rows[i][j]
			if n, isInt := want.(int64); isInt {
				want = float64(n)
			}
			if !reflect.DeepEqual(v, want) {
				t.Errorf("row %d %s = %#v, want %#v", i, c.Key, v, want)
			}
		}
	}
	// No rows is an empty array, not null.
	var b bytes.Buffer
	w := New(&b, cols, Options{Format: JSON})
	if err := w.Close(); err != nil || b.String() != "[]\n" {
		t.Fatalf("empty JSON: %q %v", b.String(), err)
	}
	// Titles keep their HTML characters.
	b.Reset()
	w = New(&b, cols[:2], Options{Format: JSON})
	_ = w.Row(int64(1), "<b>&amp;</b>")
	_ = w.Close()
	if !strings.Contains(b.String(), `"<b>&amp;</b>"`) {
		t.Fatalf("HTML escaped: %s", b.String())
	}
}

func TestJSONKeysUnique(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, []Column{{Key: "title"}, {Key: "title"}, {Key: "title_2"}}, Options{Format: JSON})
	_ = w.Row("a", "b", "c")
	_ = w.Close()
	var got []map[string]string
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got[0]) != 3 || got[0]["title"] != "a" {
		t.Fatalf("keys not made unique: %s", b.String())
	}
}

func TestCSVReadsBack(t *testing.T) {
	out := render(t, Options{Format: CSV})
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs[0], []string{"id", "title", "artist", "n"}) {
		t.Fatalf("header %q", recs[0])
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range rows {
		for j, v := range r {
			if got, want := recs[i+1][j], plain(v, ""); got != want {
				t.Errorf("record %d field %d = %q, want %q", i+1, j, got, want)
			}
		}
	}
	// A header alone when there are no rows.
	var b bytes.Buffer
	w := New(&b, cols, Options{Format: CSV})
	if err := w.Close(); err != nil || b.String() != "id,title,artist,n\n" {
		t.Fatalf("empty CSV: %q %v", b.String(), err)
	}
}
