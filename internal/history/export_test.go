package history

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// awkward is a playlist whose names hold everything that breaks naive
// writers: unicode, commas, quotes, tabs, newlines, XML and CSV syntax.
func awkward() *Export {
	return &Export{
		Server: "Home, \"Sweet\" Server", ServerID: "abc123", RatingKey: "4242",
		Version: Version{Number: 3, RecordedAt: time.Date(2026, 5, 1, 18, 30, 0, 0, time.UTC), State: StatePresent,
			Title: "Road Trip 🚗, \"the\" sequel\tpart\n2 <&>", Summary: "Songs, for the road", ItemCount: 3, DurationMS: 600000},
		Items: []Item{
			{Position: 0, RatingKey: "1001", PlaylistItemID: 501, GUID: "plex://track/5d07cb", Guids: []string{"mbid://6f3e1d2c-aaaa-4bbb-8ccc-1234567890ab"},
				Title: "Café del Mar, \"Live\"", Artist: "Sigur Rós", Album: "Ágætis byrjun", TrackNumber: 1, DiscNumber: 1, DurationMS: 241500,
				File: "/music/Sigur Rós/Ágætis byrjun/01 - Café del Mar, \"Live\".flac"},
			{Position: 1, RatingKey: "1002", PlaylistItemID: 502, GUID: "plex://track/5d07cc",
				Title: "Tab\there, newline\nthere", Artist: "坂本龍一", Album: "async", TrackNumber: 2, DiscNumber: 1, DurationMS: 1000,
				File: "C:\\Music\\坂本龍一\\async\\02 - Tab here.mp3"},
			{Position: 2, RatingKey: "1001", PlaylistItemID: 503, GUID: "plex://track/5d07cb", Guids: []string{"mbid://6f3e1d2c-aaaa-4bbb-8ccc-1234567890ab"},
				Title: "Café del Mar, \"Live\"", Artist: "Sigur Rós", Album: "Ágætis byrjun", TrackNumber: 1, DiscNumber: 1, DurationMS: 241500,
				File: "/music/Sigur Rós/Ágætis byrjun/01 - Café del Mar, \"Live\".flac"},
		},
	}
}

func TestExportGolden(t *testing.T) {
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, awkward()); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "awkward."+format)
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update once to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("%s export differs from %s:\n%s", format, golden, buf.String())
			}
		})
	}
}

func TestXSPFValidAgainstSchema(t *testing.T) {
	xsd, err := loadXSD(filepath.Join("testdata", "xspf-1_0.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]*Export{"awkward": awkward(), "empty": {Version: Version{Title: "Empty"}, Items: []Item{}}} {
		var buf bytes.Buffer
		if err := WriteXSPF(&buf, e); err != nil {
			t.Fatal(err)
		}
		if err := xsd.validate(buf.Bytes()); err != nil {
			t.Errorf("%s: %v\n%s", name, err, buf.String())
		}
	}
	// The checker is not a rubber stamp.
	for name, doc := range map[string]string{
		"no trackList":   `<playlist version="1" xmlns="http://xspf.org/ns/0/"><title>x</title></playlist>`,
		"bad version":    `<playlist version="2" xmlns="http://xspf.org/ns/0/"><trackList/></playlist>`,
		"order":          `<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList><track><title>a</title><location>file:///a</location></track></trackList></playlist>`,
		"negative dur":   `<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList><track><duration>-1</duration></track></trackList></playlist>`,
		"raw space uri":  `<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList><track><location>file:///a b.mp3</location></track></trackList></playlist>`,
		"wrong ns":       `<playlist version="1"><trackList/></playlist>`,
		"meta no rel":    `<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList><track><meta>x</meta></track></trackList></playlist>`,
		"two titles":     `<playlist version="1" xmlns="http://xspf.org/ns/0/"><title>a</title><title>b</title><trackList/></playlist>`,
		"unknown in trk": `<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList><track><rating>5</rating></track></trackList></playlist>`,
	} {
		if err := xsd.validate([]byte(doc)); err == nil {
			t.Errorf("%s: invalid document passed the checker", name)
		}
	}
}

// TestXSPFXmllint validates with libxml2's xmllint against the same XSD when
// it is installed (apt-get install libxml2-utils); the Go checker above runs
// everywhere.
func TestXSPFXmllint(t *testing.T) {
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (libxml2-utils); TestXSPFValidAgainstSchema checks the schema's rules in Go")
	}
	path := filepath.Join(t.TempDir(), "awkward.xspf")
	var buf bytes.Buffer
	if err := WriteXSPF(&buf, awkward()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lint, "--noout", "--schema", filepath.Join("testdata", "xspf-1_0.xsd"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

// catalogOf is an in-memory Catalog.
type catalogOf []Track

func (c catalogOf) ByKey(k string) (Track, bool, error) {
	for _, t := range c {
		if t.RatingKey == k {
			return t, true, nil
		}
	}
	return Track{}, false, nil
}

func (c catalogOf) ByGUID(g string) ([]Track, error) {
	var out []Track
	for _, t := range c {
		if t.GUID == g {
			out = append(out, t)
		}
	}
	return out, nil
}

func (c catalogOf) ByMBIDs(ids []string) (map[string][]Track, error) {
	out := map[string][]Track{}
	for _, t := range c {
		for _, g := range t.Guids {
			for _, id := range ids {
				if g == "mbid://"+id {
					out[id] = append(out[id], t)
				}
			}
		}
	}
	return out, nil
}

func (c catalogOf) ByTitle(title string) ([]Track, error) {
	var out []Track
	for _, t := range c {
		if strings.EqualFold(t.Title, title) {
			out = append(out, t)
		}
	}
	return out, nil
}

func TestM3U8RoundTrip(t *testing.T) {
	e := awkward()
	var buf bytes.Buffer
	if err := WriteM3U8(&buf, e); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"#EXTM3U\n", "#EXTINF:242,Sigur Rós - Café del Mar, \"Live\"\n", "#EXTINF:1,坂本龍一 - Tab here, newline there\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("M3U8 lacks %q:\n%s", want, s)
		}
	}
	back, err := ReadM3U8(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	for i := range back {
		want := e.Items[i]
		want.TrackNumber, want.DiscNumber = 0, 0 // not carried by M3U8
		if !reflect.DeepEqual(back[i], want) {
			t.Errorf("item %d read back as %+v, want %+v", i, back[i], want)
		}
	}
	// The ids in the file re-match to the same tracks, even after the
	// server re-keyed one of them.
	cat := catalogOf{
		{RatingKey: "1001", GUID: "plex://track/5d07cb", Title: "Café del Mar, \"Live\"", Artist: "Sigur Rós", Album: "Ágætis byrjun", DurationMS: 241500},
		{RatingKey: "7777", GUID: "plex://track/5d07cc", Title: "Tab\there, newline\nthere", Artist: "坂本龍一", Album: "async", DurationMS: 1000},
		{RatingKey: "1002", GUID: "plex://track/unrelated", Title: "Other"},
	}
	ms, err := Resolve(back, cat)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Track.RatingKey+" "+m.By)
	}
	if want := []string{"1001 rating key", "7777 guid", "1001 rating key"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("re-matched %v, want %v", got, want)
	}
	// A plain M3U (no PLEXM8 comments) reads names and paths.
	plain, err := ReadM3U8(strings.NewReader("#EXTM3U\n#EXTINF:241,Sigur Rós - Café del Mar, \"Live\"\n/music/a.flac\n"))
	if err != nil || len(plain) != 1 || plain[0].Artist != "Sigur Rós" || plain[0].DurationMS != 241000 || plain[0].File != "/music/a.flac" {
		t.Fatalf("plain M3U: %v %+v", err, plain)
	}
}

func TestFileNamesSafeAndStable(t *testing.T) {
	for in, want := range map[string]string{
		"Road Trip 🚗":           "Road Trip 🚗 [1]",
		"a/b\\c:d*e?f\"g<h>i|j": "a_b_c_d_e_f_g_h_i_j [1]",
		"tab\there\nnl":         "tab here nl [1]",
		"CON":                   "_CON [1]",
		"dots...":               "dots [1]",
		"":                      "playlist [1]",
		"..":                    "playlist [1]",
		"../../etc/passwd":      ".._.._etc_passwd [1]",
		"nul\x00byte":           "nul byte [1]",
		"\x00lead\x00":          "lead [1]",
		"con .txt":              "_con .txt [1]",
		"COM0":                  "_COM0 [1]",
		"LPT¹.m3u8":             "_LPT¹.m3u8 [1]",
		"CONOUT$":               "_CONOUT$ [1]",
		"bad \xff utf8":         "bad � utf8 [1]",
	} {
		if got := FileName(in, "1"); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
	// The rating key is the server's text too.
	for key, want := range map[string]string{"4242": "x [4242]", "../../x": "x [______x]", "a/b\\c\x00": "x [a_b_c_]"} {
		if got := FileName("x", key); got != want {
			t.Errorf("FileName(x, %q) = %q, want %q", key, got, want)
		}
	}
	long := strings.Repeat("é", 80)
	if got := SafeName(long); len(got) > 100 || !strings.HasPrefix(long, got) {
		t.Errorf("long name cut badly: %q", got)
	}
}

// TestLineFormatsKeepEveryEntry: a path that starts with "#" would read as
// an M3U comment and drop its entry, and a relative one would become the
// host of a file: URI in XSPF.
func TestLineFormatsKeepEveryEntry(t *testing.T) {
	e := &Export{ServerID: "abc", Version: Version{Title: "x"}, Items: []Item{
		{RatingKey: "1", Title: "a", File: "#EXTINF:1,fake"},
		{RatingKey: "2", Title: "b", File: "Music/b.flac"},
		{RatingKey: "3", Title: "c", File: "/music/c.flac"},
	}}
	var m3u bytes.Buffer
	if err := WriteM3U8(&m3u, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m3u.String(), "\n./#EXTINF:1,fake\n") {
		t.Errorf("a # path is not made a relative path:\n%s", m3u.String())
	}
	// A reader that knows nothing of #PLEXM8 still sees three entries.
	var plain []string
	for _, l := range strings.Split(m3u.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			plain = append(plain, l)
		}
	}
	if len(plain) != 3 {
		t.Errorf("a plain M3U reader sees %d entries: %q", len(plain), plain)
	}
	back, err := ReadM3U8(&m3u)
	if err != nil || len(back) != 3 || back[0].File != "#EXTINF:1,fake" {
		t.Fatalf("read back %v %+v", err, back)
	}
	var x bytes.Buffer
	if err := WriteXSPF(&x, e); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<location>./%23EXTINF:1,fake</location>", "<location>Music/b.flac</location>", "<location>file:///music/c.flac</location>"} {
		if !strings.Contains(x.String(), want) {
			t.Errorf("XSPF lacks %s:\n%s", want, x.String())
		}
	}
}
