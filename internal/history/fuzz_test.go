package history

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// asJSON is what encoding/json makes of s: each byte that is not UTF-8
// becomes one U+FFFD.
func asJSON(s string) string { return string([]rune(s)) }

// asXML is what encoding/xml makes of s: also every rune XML 1.0 does not
// allow (most controls, U+FFFE, U+FFFF) becomes U+FFFD.
func asXML(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			return r
		}
		return utf8.RuneError
	}, asJSON(s))
}

// fuzzExport builds a two-item export from fuzzed fields, each used in
// more than one place so that every field meets every kind of input.
func fuzzExport(title, artist, album, file, key string, dur int64) *Export {
	return &Export{
		Server: artist, ServerID: key, RatingKey: key,
		Version: Version{Number: 1, Title: title, Summary: album, State: StatePresent},
		Items: []Item{
			{Position: 0, RatingKey: key, PlaylistItemID: dur, GUID: "plex://track/" + key, Guids: []string{file, title},
				Title: title, Artist: artist, Album: album, TrackNumber: dur, DiscNumber: 1, DurationMS: dur, File: file},
			{Position: 1, RatingKey: title, GUID: album, Title: file, Artist: album, Album: artist, DurationMS: -dur, File: title},
		},
	}
}

// FuzzExportWriters writes arbitrary names in every format and reads each
// file back with the matching standard reader: it must parse, hold valid
// UTF-8, carry every item, and give back the names as that format's
// encoder defines them (JSON and XML turn bytes that are not UTF-8 into
// U+FFFD; CSV keeps the text exactly, except that a CRLF inside a field
// reads back as LF, which is encoding/csv's rule). M3U8 lines never hold a
// raw line break or control character.
func FuzzExportWriters(f *testing.F) {
	a := awkward()
	f.Add(a.Version.Title, a.Items[0].Artist, a.Items[1].Album, a.Items[1].File, a.RatingKey, int64(241500))
	f.Add("'; DROP TABLE tracks; --", `"quoted" %_\`, "a\x00b", "#EXTINF:1,x\r\n#PLEXM8:{}", "../../etc", int64(-1))
	f.Add("\xff\xfe\xed\xa0\x80", "\u2028\u2029\u0085", "\r\n\r", "\\\\nas\\share\\x.flac", "1/2", int64(0))
	f.Add(strings.Repeat("é", 300), "]]><!--", "<&>", "C:\\Music\\a\x7f.mp3", "", int64(1<<62))
	f.Fuzz(func(t *testing.T, title, artist, album, file, key string, dur int64) {
		e := fuzzExport(title, artist, album, file, key, dur)
		out := map[string][]byte{}
		for _, format := range Formats {
			var buf bytes.Buffer
			if err := Write(&buf, format, e); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if !utf8.Valid(buf.Bytes()) {
				t.Fatalf("%s export is not valid UTF-8:\n%q", format, buf.Bytes())
			}
			out[format] = buf.Bytes()
		}

		// JSON: everything, as encoding/json defines it.
		var back Export
		if err := json.Unmarshal(out["json"], &back); err != nil {
			t.Fatalf("json export does not parse: %v", err)
		}
		for i, it := range back.Items {
			want := e.Items[i]
			if it.Title != asJSON(want.Title) || it.Artist != asJSON(want.Artist) || it.File != asJSON(want.File) || it.DurationMS != want.DurationMS {
				t.Fatalf("json item %d: %+v, want %+v", i, it, want)
			}
		}
		if back.Version.Title != asJSON(title) || len(back.Items) != 2 {
			t.Fatalf("json: title %q, %d items", back.Version.Title, len(back.Items))
		}

		// CSV: a header and one row per item, names as written.
		rows, err := csv.NewReader(bytes.NewReader(out["csv"])).ReadAll()
		if err != nil {
			t.Fatalf("csv export does not parse: %v\n%q", err, out["csv"])
		}
		if len(rows) != 3 || !reflect.DeepEqual(rows[0], CSVHeader) {
			t.Fatalf("csv: %d rows, header %q", len(rows), rows[0])
		}
		crlf := func(s string) string { return strings.ReplaceAll(asJSON(s), "\r\n", "\n") }
		for i, r := range rows[1:] {
			it := e.Items[i]
			if r[0] != strconv.Itoa(i) || r[1] != crlf(it.Artist) || r[2] != crlf(it.Album) || r[3] != crlf(it.Title) || r[7] != crlf(it.File) || r[8] != crlf(it.RatingKey) {
				t.Fatalf("csv row %d: %q, want %+v", i, r, it)
			}
		}

		// XSPF: well-formed, names as encoding/xml defines them, and a
		// location that is a file: URI.
		var x xspfPlaylist
		if err := xml.Unmarshal(out["xspf"], &x); err != nil {
			t.Fatalf("xspf export does not parse: %v\n%s", err, out["xspf"])
		}
		if x.Title != asXML(title) || len(x.Tracks) != 2 {
			t.Fatalf("xspf: title %q, %d tracks", x.Title, len(x.Tracks))
		}
		for i, tr := range x.Tracks {
			it := e.Items[i]
			if tr.Title != asXML(it.Title) || tr.Creator != asXML(it.Artist) || tr.Album != asXML(it.Album) {
				t.Fatalf("xspf track %d: %+v, want %+v", i, tr, it)
			}
			if (it.File != "") != (len(tr.Location) == 1) {
				t.Fatalf("xspf track %d: location %q for file %q", i, tr.Location, it.File)
			}
			if len(tr.Location) == 1 {
				u, err := url.Parse(tr.Location[0])
				abs := strings.HasPrefix(it.File, "/") || strings.HasPrefix(it.File, `\\`) || len(it.File) >= 2 && it.File[1] == ':'
				if err != nil || abs != (u.Scheme == "file") || u.Host != "" {
					t.Fatalf("xspf track %d: location %q is not a file URI: %v", i, tr.Location[0], err)
				}
				if !strings.Contains(it.File, `\`) && strings.TrimPrefix(u.Path, "./") != strings.TrimPrefix(it.File, "./") && (!abs || it.File[0] == '/') {
					t.Fatalf("xspf track %d: location %q names %q, not %q", i, tr.Location[0], u.Path, it.File)
				}
			}
		}

		// M3U8: #EXTM3U, #PLAYLIST, then three lines per item, none
		// broken by what the names hold; the #PLEXM8 lines give back
		// the exact (JSON) names.
		m3u := strings.TrimSuffix(string(out["m3u8"]), "\n")
		lines := strings.Split(m3u, "\n")
		if len(lines) != 2+3*len(e.Items) {
			t.Fatalf("m3u8: %d lines for %d items:\n%q", len(lines), len(e.Items), m3u)
		}
		for n, l := range lines {
			if strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == '\u2028' || r == '\u2029' }) {
				t.Fatalf("m3u8 line %d holds a control character: %q", n+1, l)
			}
		}
		items, err := ReadM3U8(bytes.NewReader(out["m3u8"]))
		if err != nil {
			t.Fatalf("m3u8 export does not read back: %v", err)
		}
		if len(items) != len(e.Items) {
			t.Fatalf("m3u8: read %d items, wrote %d:\n%q", len(items), len(e.Items), m3u)
		}
		for i, it := range items {
			want := e.Items[i]
			if it.Position != i || it.Title != asJSON(want.Title) || it.Artist != asJSON(want.Artist) || it.File != asJSON(want.File) || it.RatingKey != asJSON(want.RatingKey) {
				t.Fatalf("m3u8 item %d: %+v, want %+v", i, it, want)
			}
		}
	})
}

// windowsReserved are the device names Windows refuses as a file name
// stem, whatever the extension.
var windowsReserved = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM¹": true, "COM²": true, "COM³": true, "LPT¹": true, "LPT²": true, "LPT³": true}

func init() {
	for d := '0'; d <= '9'; d++ {
		windowsReserved["COM"+string(d)] = true
		windowsReserved["LPT"+string(d)] = true
	}
}

// FuzzFileName: whatever a playlist's title, rating key and server name,
// the path export --all derives from them is one plain name under one
// plain directory inside the target: no separator, no "." or "..", no
// control character, valid UTF-8, within the 255-byte limit of common
// file systems, and not a name Windows reserves.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"Road Trip 🚗", "../../etc/passwd", "..", ".", "a/b\\c", "x\x00y", "CON", "con .txt", "COM¹", "LPT0.m3u8", "\xff\xfe", strings.Repeat("é", 200), " . . ", "/"} {
		f.Add(s, "1234", s)
	}
	f.Add("ok", "../../x", "srv")
	f.Add("ok", "1/2\\3\x00", "..")
	f.Fuzz(func(t *testing.T, title, key, server string) {
		dir := SafeName(server)
		name := FileName(title, key) + Ext("m3u8")
		for _, n := range []string{dir, name} {
			if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") || !utf8.ValidString(n) || len(n) > 255 {
				t.Fatalf("unsafe name %q (title %q, key %q, server %q)", n, title, key, server)
			}
			if strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"|?*`, r) }) {
				t.Fatalf("name %q holds a character Windows forbids", n)
			}
			if stem := strings.ToUpper(strings.TrimRight(strings.SplitN(n, ".", 2)[0], " ")); windowsReserved[stem] {
				t.Fatalf("reserved name %q", n)
			}
		}
		p := filepath.Join("target", dir, name)
		if rel, err := filepath.Rel("target", p); err != nil || !filepath.IsLocal(rel) || filepath.Dir(filepath.Dir(p)) != "target" {
			t.Fatalf("%q leaves the target folder", p)
		}
		// Two playlists of one title stay apart when their keys are
		// digits, as real keys are.
		if FileName(title, "1") == FileName(title, "2") {
			t.Fatalf("%q: two rating keys give one file name", title)
		}
	})
}
