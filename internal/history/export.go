package history

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Export is what an export file holds: one version of a playlist.
type Export struct {
	Server     string  `json:"server"`    // server name
	ServerID   string  `json:"server_id"` // machine identifier
	RatingKey  string  `json:"rating_key"`
	Version    Version `json:"version"`
	Items      []Item  `json:"items"`
	ExportedBy string  `json:"exported_by,omitempty"`
}

// Formats lists the export formats, by their --format name.
var Formats = []string{"m3u8", "json", "csv", "xspf"}

// Ext returns the file extension of a format.
func Ext(format string) string { return "." + format }

// Write writes e in format.
func Write(w io.Writer, format string, e *Export) error {
	switch format {
	case "m3u8":
		return WriteM3U8(w, e)
	case "json":
		return WriteJSON(w, e)
	case "csv":
		return WriteCSV(w, e)
	case "xspf":
		return WriteXSPF(w, e)
	}
	return fmt.Errorf("unknown export format %q (use %s)", format, strings.Join(Formats, ", "))
}

// OneLine is s with line breaks, tabs and other control characters turned
// into spaces, for one line of a terminal or a line-based format.
func OneLine(s string) string { return oneLine(s) }

// oneLine makes s safe on one line of a line-based format: line breaks and
// other control characters become spaces. The exact text is kept in the
// JSON comment line beside it.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// validUTF8 replaces each byte that is not UTF-8 with U+FFFD, as the JSON
// and XML encoders do, so every format carries the same text. Names from a
// server are valid already (the client decodes them from JSON); this is for
// whatever else reaches a writer.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// m3uIDs is the comment line M3U8 exports carry per item so a file can be
// matched back to tracks: "#PLEXM8:" and this object as JSON.
type m3uIDs struct {
	RatingKey      string   `json:"rating_key"`
	PlaylistItemID int64    `json:"playlist_item_id,omitempty"`
	GUID           string   `json:"guid,omitempty"`
	Guids          []string `json:"guids,omitempty"`
	Title          string   `json:"title,omitempty"`
	Artist         string   `json:"artist,omitempty"`
	Album          string   `json:"album,omitempty"`
	DurationMS     int64    `json:"duration_ms,omitempty"`
	File           string   `json:"file,omitempty"`
}

// M3UPrefix starts the per-item comment line of an M3U8 export.
const M3UPrefix = "#PLEXM8:"

// WriteM3U8 writes an extended M3U playlist in UTF-8: #EXTINF with the
// duration in seconds and "artist - title", a #PLEXM8 comment with the
// item's Plex ids, guids and exact names, and the file path.
func WriteM3U8(w io.Writer, e *Export) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "#EXTM3U\n#PLAYLIST:%s\n", oneLine(e.Version.Title))
	for i := range e.Items {
		it := &e.Items[i]
		ids, err := json.Marshal(m3uIDs{RatingKey: it.RatingKey, PlaylistItemID: it.PlaylistItemID, GUID: it.GUID, Guids: it.Guids,
			Title: it.Title, Artist: it.Artist, Album: it.Album, DurationMS: it.DurationMS, File: it.File})
		if err != nil {
			return err
		}
		secs := int64(-1) // the M3U convention for "unknown"
		if it.DurationMS > 0 {
			secs = (it.DurationMS + 500) / 1000
		}
		fmt.Fprintf(bw, "%s%s\n#EXTINF:%d,%s - %s\n", M3UPrefix, ids, secs, oneLine(it.Artist), oneLine(it.Title))
		loc := oneLine(it.File)
		switch {
		case loc == "":
			// A path is what players need; without one, the line still
			// has to be there for the entry to count.
			loc = "plex://" + oneLine(e.ServerID) + "/track/" + oneLine(it.RatingKey)
		case loc[0] == '#':
			// A line starting with # is a comment to every reader, which
			// would lose the entry; ./ names the same relative path.
			loc = "./" + loc
		}
		fmt.Fprintf(bw, "%s\n", loc)
	}
	return bw.Flush()
}

// ReadM3U8 reads the items back from an M3U8 export: from the #PLEXM8
// comments where present, else from #EXTINF and the path alone.
func ReadM3U8(r io.Reader) ([]Item, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var out []Item
	var cur *Item
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		switch {
		case s == "" || s == "#EXTM3U" || strings.HasPrefix(s, "#PLAYLIST:"):
		case strings.HasPrefix(s, M3UPrefix):
			var ids m3uIDs
			if err := json.Unmarshal([]byte(s[len(M3UPrefix):]), &ids); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			cur = &Item{RatingKey: ids.RatingKey, PlaylistItemID: ids.PlaylistItemID, GUID: ids.GUID, Guids: ids.Guids,
				Title: ids.Title, Artist: ids.Artist, Album: ids.Album, DurationMS: ids.DurationMS, File: ids.File}
		case strings.HasPrefix(s, "#EXTINF:"):
			if cur == nil {
				cur = &Item{}
				secs, name, _ := strings.Cut(s[len("#EXTINF:"):], ",")
				if n, err := strconv.ParseInt(strings.TrimSpace(secs), 10, 64); err == nil && n > 0 {
					cur.DurationMS = n * 1000
				}
				if a, t, ok := strings.Cut(name, " - "); ok {
					cur.Artist, cur.Title = a, t
				} else {
					cur.Title = name
				}
			}
		case strings.HasPrefix(s, "#"):
		default:
			if cur == nil {
				cur = &Item{}
			}
			if cur.File == "" && !strings.HasPrefix(s, "plex://") {
				cur.File = s
			}
			cur.Position = len(out)
			out = append(out, *cur)
			cur = nil
		}
	}
	return out, sc.Err()
}

// WriteJSON writes everything stored about the version, indented.
func WriteJSON(w io.Writer, e *Export) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(e)
}

// CSVHeader is the header row of CSV exports.
var CSVHeader = []string{"position", "artist", "album", "title", "track_number", "disc_number", "duration_ms",
	"file", "rating_key", "playlist_item_id", "guid", "guids"}

// WriteCSV writes one row per item under a header row (RFC 4180 quoting).
func WriteCSV(w io.Writer, e *Export) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	for i := range e.Items {
		it := &e.Items[i]
		guids := ""
		if len(it.Guids) > 0 {
			b, _ := json.Marshal(it.Guids)
			guids = string(b)
		}
		row := []string{strconv.Itoa(it.Position), it.Artist, it.Album, it.Title, num(it.TrackNumber), num(it.DiscNumber),
			num(it.DurationMS), it.File, it.RatingKey, num(it.PlaylistItemID), it.GUID, guids}
		for i := range row {
			row[i] = validUTF8(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// XSPFNamespace is the namespace of XSPF version 1.
const XSPFNamespace = "http://xspf.org/ns/0/"

type xspfPlaylist struct {
	XMLName    xml.Name    `xml:"http://xspf.org/ns/0/ playlist"`
	Version    string      `xml:"version,attr"`
	Title      string      `xml:"title,omitempty"`
	Creator    string      `xml:"creator,omitempty"`
	Annotation string      `xml:"annotation,omitempty"`
	Identifier string      `xml:"identifier,omitempty"`
	Date       string      `xml:"date,omitempty"`
	Meta       []xspfMeta  `xml:"meta"`
	Tracks     []xspfTrack `xml:"trackList>track"`
}

type xspfTrack struct {
	Location   []string   `xml:"location"`
	Identifier []string   `xml:"identifier"`
	Title      string     `xml:"title,omitempty"`
	Creator    string     `xml:"creator,omitempty"`
	Album      string     `xml:"album,omitempty"`
	TrackNum   int64      `xml:"trackNum,omitempty"`
	Duration   int64      `xml:"duration,omitempty"`
	Meta       []xspfMeta `xml:"meta"`
}

type xspfMeta struct {
	Rel   string `xml:"rel,attr"`
	Value string `xml:",chardata"`
}

// XSPF meta rels carrying Plex ids.
const (
	xspfRelRatingKey = "https://plexm8.dev/xspf/rating-key"
	xspfRelItemID    = "https://plexm8.dev/xspf/playlist-item-id"
	xspfRelServer    = "https://plexm8.dev/xspf/server"
)

// fileURI turns a server-side path into a file: URI (anyURI), with every
// character that is not safe in a path percent-encoded; a relative path
// (no server reports one, but the text is the server's) stays a relative
// reference.
func fileURI(p string) string {
	if p == "" {
		return ""
	}
	slashed := filepath.ToSlash(p)
	windows := len(p) >= 2 && p[1] == ':' || strings.HasPrefix(p, `\\`)
	if windows {
		// A Plex server on Windows reports C:\Music\… or \\nas\share\….
		slashed = strings.ReplaceAll(p, `\`, "/")
		if p[1] == ':' {
			slashed = "/" + slashed
		}
	}
	if !strings.HasPrefix(slashed, "/") {
		// A relative path as file:rel would make its first segment the
		// host (file://rel/...); a relative reference keeps it a path.
		return (&url.URL{Path: slashed}).String()
	}
	return (&url.URL{Scheme: "file", Path: slashed}).String()
}

// WriteXSPF writes an XSPF version 1 playlist: title, creator (artist),
// album, trackNum, duration (ms), location (the file as a file: URI) and
// identifier (the guids), with the Plex ids as meta.
func WriteXSPF(w io.Writer, e *Export) error {
	p := xspfPlaylist{Version: "1", Title: e.Version.Title, Creator: "PlexM8 sync (" + e.Server + ")",
		Annotation: e.Version.Summary}
	if !e.Version.RecordedAt.IsZero() {
		p.Date = e.Version.RecordedAt.UTC().Format(time.RFC3339)
	}
	if e.ServerID != "" {
		p.Meta = append(p.Meta, xspfMeta{Rel: xspfRelServer, Value: e.ServerID})
	}
	if e.RatingKey != "" {
		p.Meta = append(p.Meta, xspfMeta{Rel: xspfRelRatingKey, Value: e.RatingKey})
	}
	for i := range e.Items {
		it := &e.Items[i]
		t := xspfTrack{Title: it.Title, Creator: it.Artist, Album: it.Album, TrackNum: it.TrackNumber, Duration: it.DurationMS}
		if u := fileURI(it.File); u != "" {
			t.Location = []string{u}
		}
		if it.GUID != "" {
			t.Identifier = append(t.Identifier, it.GUID)
		}
		t.Identifier = append(t.Identifier, it.Guids...)
		t.Meta = append(t.Meta, xspfMeta{Rel: xspfRelRatingKey, Value: it.RatingKey})
		if it.PlaylistItemID != 0 {
			t.Meta = append(t.Meta, xspfMeta{Rel: xspfRelItemID, Value: strconv.FormatInt(it.PlaylistItemID, 10)})
		}
		p.Tracks = append(p.Tracks, t)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(p); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// FileName turns a playlist title into a safe, stable file name stem: the
// same title always gives the same name, on every operating system. key
// (the rating key) keeps two playlists of one title apart.
func FileName(title, key string) string { return SafeName(title) + " [" + safeKey(key) + "]" }

// safeKey is a rating key fit for a file name. Real keys are digits; the
// key comes from the server all the same, so "../x" or "a/b" must not
// reach a path.
func safeKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// SafeName makes s usable as a file or directory name on every operating
// system: no separators, reserved characters, control characters, trailing
// dots or reserved device names, at most 100 bytes.
func SafeName(title string) string {
	var b strings.Builder
	for _, r := range title {
		switch {
		case r < 0x20 || r == 0x7f:
			b.WriteRune(' ')
		case strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	s = strings.TrimRight(s, ". ")
	if len(s) > 100 {
		cut := 100
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if s == "" {
		s = "playlist"
	}
	// Windows reserves these names with any extension, and ignores
	// trailing spaces before the dot ("CON .txt").
	switch strings.TrimRight(strings.ToUpper(strings.SplitN(s, ".", 2)[0]), " ") {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
		"COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
		"LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³":
		s = "_" + s
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
