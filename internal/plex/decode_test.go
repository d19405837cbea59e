package plex

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func str(v string) OptString { return OptString{V: v, Valid: true} }
func num(v int64) OptInt     { return OptInt{V: v, Valid: true} }

func TestDecodeTrackPage(t *testing.T) {
	p, err := decodePage(readTestdata(t, "tracks.json"), http.Header{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Offset != 0 || p.Size != 1 || p.TotalSize != 5321 || len(p.Items) != 1 {
		t.Fatalf("page %d/%d/%d with %d items", p.Offset, p.Size, p.TotalSize, len(p.Items))
	}
	want := Metadata{
		RatingKey: str("684925"), Key: str("/library/metadata/684925"), Type: str("track"),
		ParentRatingKey: str("684924"), GrandparentRatingKey: str("684899"),
		GUID:       str("plex://track/5d07ce55403c640290040df6"),
		ParentGUID: str("plex://album/5d07c241403c6402908bae3e"), GrandparentGUID: str("plex://artist/5d07bc08403c6402904aed2b"),
		Title: str("Stymie's Theme"), TitleSort: str("Stymie's Theme"), OriginalTitle: str("Feat. Artist (only if differs)"),
		ParentTitle: str("The Cactus Album"), GrandparentTitle: str("3rd Bass"),
		Index: num(1), ParentIndex: num(1), ParentYear: num(1989), Duration: num(13360),
		AddedAt: num(1723508508), UpdatedAt: num(1768251359),
		UserRating: OptFloat{V: 8, Valid: true}, ViewCount: num(3), SkipCount: num(0), LastViewedAt: num(1731000000),
		Thumb: str("/library/metadata/684924/thumb/1768251359"),
		Guids: []Guid{{ID: "mbid://02c22765-7484-4120-823e-6b903a50f13e"}},
		Media: []Media{{ID: num(621630), Duration: num(13360), Bitrate: num(716), AudioCodec: str("flac"), Container: str("flac"),
			Part: []Part{{ID: num(653835), Key: str("/library/parts/653835/1723508508/file.flac"), Duration: num(13360),
				File: str("/music/3rd Bass/The Cactus Album/01 - Stymie's Theme.flac"), Size: num(1204003), Container: str("flac")}}}},
	}
	if !reflect.DeepEqual(p.Items[0], want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", p.Items[0], want)
	}
}

func TestDecodeLooseTypes(t *testing.T) {
	p, err := decodePage(readTestdata(t, "loose.json"), http.Header{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Size != 3 || p.TotalSize != 3 || len(p.Items) != 3 {
		t.Fatalf("page %+v", p)
	}
	a := p.Items[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"numeric ratingKey", a.RatingKey, str("101")},
		{"numeric parentRatingKey", a.ParentRatingKey, str("100")},
		{"index as string", a.Index, num(7)},
		{"parentIndex as string", a.ParentIndex, num(2)},
		{"duration as float string", a.Duration, num(215000)},
		{"addedAt with exponent", a.AddedAt, num(1700000000)},
		{"userRating as string", a.UserRating, OptFloat{V: 8.5, Valid: true}},
		{"empty string viewCount is absent", a.ViewCount, OptInt{}},
		{"null skipCount is absent", a.SkipCount, OptInt{}},
		{"missing lastViewedAt is absent", a.LastViewedAt, OptInt{}},
		{"smart as \"1\"", a.Smart, OptBool{V: true, Valid: true}},
		{"readOnly as 0", a.ReadOnly, OptBool{V: false, Valid: true}},
		{"missing Guid array is nil", a.Guids == nil, true},
		{"two Media", len(a.Media), 2},
		{"two Parts", len(a.Media[0].Part), 2},
		{"part size as string", a.Media[0].Part[0].Size, num(5000000)},
		{"big part size", a.Media[0].Part[1].Size, num(12345678901)},
		{"media id as string", a.Media[0].ID, num(1)},
		{"bitrate as string", a.Media[0].Bitrate, num(320)},
		{"second media part", a.Media[1].Part[0].File, str("/m/a.flac")},
		{"escaped title", p.Items[1].Title, str("Escapes \"quoted\" \\ back\nslash é🎵")},
		{"two guids", p.Items[1].Guids, []Guid{{ID: "mbid://a"}, {ID: "com.plexapp.agents.musicbrainz://b?lang=en"}}},
		{"unicode title", p.Items[2].Title, str("Ünïcödé 🎵 مرحبا שלום")},
		{"empty Guid array", len(p.Items[2].Guids), 0},
		{"bool year", p.Items[2].Year, num(1)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, c.want)
		}
	}
}

func TestDecodePlaylists(t *testing.T) {
	p, err := decodePage(readTestdata(t, "playlists.json"), http.Header{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 {
		t.Fatalf("%d playlists", len(p.Items))
	}
	dumb, smart := p.Items[0], p.Items[1]
	if dumb.Smart != (OptBool{V: false, Valid: true}) || dumb.PlaylistType != str("audio") || dumb.LeafCount != num(1) ||
		dumb.Composite != str("/playlists/96/composite/1705724593") || dumb.Summary != str("What a great playlist") ||
		dumb.Content.Valid {
		t.Errorf("dumb playlist %+v", dumb)
	}
	if smart.Smart != (OptBool{V: true, Valid: true}) || smart.GUID.Valid ||
		smart.Content != str("library://x/directory/%2Flibrary%2Fsections%2F3%2Fall%3Ftype%3D10%26...") {
		t.Errorf("smart playlist %+v", smart)
	}
}

func TestDecodeSectionsAndIdentity(t *testing.T) {
	mc, err := decodeContainer(readTestdata(t, "sections.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Section{{
		Key: str("3"), UUID: str("e35a54e6-79ff-4cde-98c6-c05c1a09c821"), Type: str("artist"), Title: str("Music"),
		Agent: str("tv.plex.agents.music"), Scanner: str("Plex Music"), Language: str("en-US"),
		CreatedAt: num(1384056048), UpdatedAt: num(1704818112), ScannedAt: num(1704818054), ContentChangedAt: num(41632394),
		Hidden: OptBool{V: false, Valid: true}, Refreshing: OptBool{V: false, Valid: true},
	}}
	if !reflect.DeepEqual(mc.Directory, want) {
		t.Errorf("sections %+v", mc.Directory)
	}
	mc, err = decodeContainer(readTestdata(t, "identity.json"))
	if err != nil {
		t.Fatal(err)
	}
	if mc.MachineIdentifier.V != "0123456789abcdef0123456789abcdef01234567" || !mc.Claimed.V || mc.Version.V != "1.41.3.9314-a0bfb8370" {
		t.Errorf("identity %+v", mc)
	}
}

func TestDecodePageFallbacks(t *testing.T) {
	h := http.Header{}
	h.Set("X-Plex-Container-Total-Size", "40")
	p, err := decodePage([]byte(`{"MediaContainer":{"Metadata":[{"ratingKey":"1"},{"ratingKey":"2"}]}}`), h, 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Offset != 10 || p.Size != 2 || p.TotalSize != 40 {
		t.Errorf("header fallback: %+v", p)
	}
	p, err = decodePage([]byte(`{"MediaContainer":{"size":2,"Metadata":[{"ratingKey":"1"},{"ratingKey":"2"}]}}`), http.Header{}, 0)
	if err != nil || p.TotalSize != 2 {
		t.Errorf("unpaged answer: %+v %v", p, err)
	}
	for _, bad := range []string{`{}`, `[]`, `{"MediaContainer":null}`, `{"MediaContainer":{"size":-1}}`, `{"MediaContainer":`, `<html>`} {
		if _, err := decodePage([]byte(bad), http.Header{}, 0); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}
