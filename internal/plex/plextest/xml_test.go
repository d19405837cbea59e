package plextest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

// TestXMLWhenJSONNotAsked checks that a client without Accept JSON gets
// PMS's XML, with tracks as <Track> and every title intact.
func TestXMLWhenJSONNotAsked(t *testing.T) {
	h := start(t, Options{Seed: 41})
	o := h.f.Owned()
	rep := h.do(req{url: o.URL("local") + "/library/sections/1/all?type=10&includeGuids=1&X-Plex-Container-Size=1000",
		token: o.AccessToken(), xml: true})
	if rep.status != http.StatusOK || !strings.HasPrefix(rep.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("XML listing: %d %q", rep.status, rep.header.Get("Content-Type"))
	}
	var mc struct {
		XMLName   xml.Name `xml:"MediaContainer"`
		Size      int      `xml:"size,attr"`
		TotalSize int      `xml:"totalSize,attr"`
		Tracks    []struct {
			RatingKey string `xml:"ratingKey,attr"`
			Title     string `xml:"title,attr"`
			Guids     []struct {
				ID string `xml:"id,attr"`
			} `xml:"Guid"`
			Media []struct {
				Parts []struct {
					File string `xml:"file,attr"`
				} `xml:"Part"`
			} `xml:"Media"`
		} `xml:"Track"`
	}
	if err := xml.Unmarshal(rep.body, &mc); err != nil {
		t.Fatalf("XML does not parse: %v", err)
	}
	if mc.Size != defaultTracks || mc.TotalSize != defaultTracks || len(mc.Tracks) != defaultTracks {
		t.Fatalf("XML size %d totalSize %d tracks %d", mc.Size, mc.TotalSize, len(mc.Tracks))
	}
	for _, tr := range mc.Tracks {
		m, _ := o.Track(tr.RatingKey)
		if tr.Title != m.Title || len(tr.Guids) != len(m.Guids) || len(tr.Media) != len(m.Media) {
			t.Errorf("XML track %s: %q vs %q", tr.RatingKey, tr.Title, m.Title)
		}
	}
	for _, path := range []string{"/identity", "/library/sections", "/playlists", "/library/sections/1/all?X-Plex-Container-Size=5"} {
		rep := h.do(req{url: o.URL("local") + path, token: o.AccessToken(), xml: true})
		var any struct {
			XMLName xml.Name
		}
		if err := xml.Unmarshal(rep.body, &any); err != nil || any.XMLName.Local != "MediaContainer" {
			t.Errorf("%s: XML %v %q", path, err, any.XMLName.Local)
		}
	}
	for _, path := range []string{"/resources", "/user"} {
		rep := h.do(req{url: h.f.TVURL() + path, token: h.f.AccountToken(), xml: true})
		if err := xml.Unmarshal(rep.body, new(struct{ XMLName xml.Name })); err != nil || !strings.Contains(rep.header.Get("Content-Type"), "xml") {
			t.Errorf("plex.tv %s XML: %v", path, err)
		}
	}
}

// TestSpecialTitlesRoundTrip decodes JSON with encoding/json and compares
// every title with the model byte for byte.
func TestSpecialTitlesRoundTrip(t *testing.T) {
	h := start(t, Options{Seed: 42})
	o := h.f.Owned()
	rep := h.pms("/library/sections/1/all?type=10&X-Plex-Container-Size=1000")
	if !json.Valid(rep.body) {
		t.Fatal("invalid JSON")
	}
	c := decodeContainer(t, rep.body)
	seen := 0
	for _, it := range c.Metadata {
		m, _ := o.Track(it.RatingKey)
		if it.Title != m.Title {
			t.Errorf("title %q came back as %q", m.Title, it.Title)
		}
		for _, sp := range specialTitles {
			if it.Title == sp {
				seen++
			}
		}
	}
	if seen < len(specialTitles)-1 {
		t.Errorf("only %d special titles served", seen)
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range specialTitles {
		f.Add(s)
	}
	f.Add("\x00\x1f\u2028\u2029\xff")
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q renders as invalid JSON %s: %v", s, b, err)
		}
		// Each invalid byte becomes one U+FFFD, as with encoding/json.
		if want := string([]rune(s)); got != want {
			t.Fatalf("%q came back as %q", s, got)
		}
		x := append([]byte(`<a b="`), appendXMLAttr(nil, s)...)
		x = append(x, `"/>`...)
		var v struct {
			B string `xml:"b,attr"`
		}
		if err := xml.Unmarshal(x, &v); err != nil {
			t.Fatalf("%q renders as invalid XML %s: %v", s, x, err)
		}
	})
}
