package plextest

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestPagingWindowsAndHeaders(t *testing.T) {
	h := start(t, Options{Seed: 2, Tracks: 95, MaxPageSize: 40})
	o := h.f.Owned()
	const base = "/library/sections/1/all?type=10"

	var all []string
	for startAt := 0; startAt < 95; startAt += 30 {
		rep := h.pms(base + "&X-Plex-Container-Start=" + strconv.Itoa(startAt) + "&X-Plex-Container-Size=30")
		c := decodeContainer(t, rep.body)
		wantSize := min(30, 95-startAt)
		if c.Size != wantSize || len(c.Metadata) != wantSize || deref(c.TotalSize) != 95 || c.Offset != startAt {
			t.Errorf("start %d: size %d (%d items), totalSize %d, offset %d", startAt, c.Size, len(c.Metadata), deref(c.TotalSize), c.Offset)
		}
		if got := rep.header.Get("X-Plex-Container-Start"); got != strconv.Itoa(startAt) {
			t.Errorf("X-Plex-Container-Start = %q", got)
		}
		if got := rep.header.Get("X-Plex-Container-Total-Size"); got != "95" {
			t.Errorf("X-Plex-Container-Total-Size = %q", got)
		}
		all = append(all, keysOf(c.Metadata)...)
	}
	want := keysFrom(o.Tracks("1"), func(t Track) string { return t.RatingKey })
	got := slices.Clone(all)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages do not cover the section exactly once: %d keys vs %d", len(all), len(want))
	}

	// Stable order: titleSort (case-insensitive), then rating key.
	titles := map[string]string{}
	for _, tr := range o.Tracks("1") {
		titles[tr.RatingKey] = tr.TitleSort
	}
	for i := 1; i < len(all); i++ {
		a, b := titles[all[i-1]], titles[all[i]]
		if c := compareFold(a, b); c > 0 || c == 0 && numLess(all[i], all[i-1]) {
			t.Fatalf("order broken at %d: %q (%s) before %q (%s)", i, a, all[i-1], b, all[i])
		}
	}

	// Headers work as well as query parameters and give the same page.
	byQuery := h.pms(base + "&X-Plex-Container-Start=10&X-Plex-Container-Size=5")
	byHeader := h.do(req{url: o.URL("local") + base, token: o.AccessToken(),
		header: map[string]string{"X-Plex-Container-Start": "10", "X-Plex-Container-Size": "5"}})
	if !bytes.Equal(byQuery.body, byHeader.body) {
		t.Error("paging by header and by query differ")
	}

	// The cap: asking for more than MaxPageSize gets MaxPageSize.
	c := decodeContainer(t, h.pms(base+"&X-Plex-Container-Size=500").body)
	if c.Size != 40 || len(c.Metadata) != 40 || deref(c.TotalSize) != 95 {
		t.Errorf("capped page: size %d, items %d, totalSize %d", c.Size, len(c.Metadata), deref(c.TotalSize))
	}

	// Size 0 counts only: totalSize, no Metadata key at all.
	rep := h.pms(base + "&X-Plex-Container-Start=0&X-Plex-Container-Size=0")
	c = decodeContainer(t, rep.body)
	if c.Size != 0 || deref(c.TotalSize) != 95 || bytes.Contains(rep.body, []byte(`"Metadata"`)) {
		t.Errorf("size 0: %s", rep.body)
	}

	// Past the end: an empty page that still tells the total.
	c = decodeContainer(t, h.pms(base+"&X-Plex-Container-Start=500&X-Plex-Container-Size=10").body)
	if c.Size != 0 || len(c.Metadata) != 0 || deref(c.TotalSize) != 95 {
		t.Errorf("past the end: %+v", c)
	}

	// limit caps totalSize.
	c = decodeContainer(t, h.pms(base+"&limit=12&X-Plex-Container-Size=10&X-Plex-Container-Start=10").body)
	if deref(c.TotalSize) != 12 || c.Size != 2 {
		t.Errorf("limit=12: totalSize %d size %d", deref(c.TotalSize), c.Size)
	}
}

func numLess(a, b string) bool {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return x < y
}

func TestPagingErrors(t *testing.T) {
	h := start(t, Options{Seed: 2})
	for _, tc := range []struct {
		path, body string
		status     int
	}{
		{"/library/sections/1/all?type=10", "Missing X-Plex-Container-Size header.", 400},
		{"/library/sections/1/all?type=10&X-Plex-Container-Start=5", "Missing X-Plex-Container-Size header.", 400},
		{"/library/sections/1/all?type=10&X-Plex-Container-Size=abc", "Invalid X-Plex-Container-Size", 400},
		{"/library/sections/1/all?type=10&X-Plex-Container-Size=-1", "Invalid X-Plex-Container-Size", 400},
		{"/library/sections/1/all?type=10&X-Plex-Container-Size=5&X-Plex-Container-Start=x", "Invalid X-Plex-Container-Start", 400},
		{"/library/sections/9/all?type=10&X-Plex-Container-Size=5", "404 Not Found", 404},
		{"/library/sections/1/all?type=ten&X-Plex-Container-Size=5", "Invalid type", 400},
		{"/no/such/path", "404 Not Found", 404},
	} {
		rep := h.pms(tc.path)
		if rep.status != tc.status || !strings.Contains(string(rep.body), tc.body) ||
			!strings.HasPrefix(rep.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %q %s, want %d containing %q (text/html)", tc.path, rep.status,
				rep.header.Get("Content-Type"), rep.body, tc.status, tc.body)
		}
	}
}

func TestSortAndFilters(t *testing.T) {
	h := start(t, Options{Seed: 8})
	o := h.f.Owned()
	items := h.listAll(o, "/library/sections/1/all?type=10&sort=updatedAt:desc", 50)
	for i := 1; i < len(items); i++ {
		if items[i-1].UpdatedAt < items[i].UpdatedAt {
			t.Fatalf("sort=updatedAt:desc broken at %d", i)
		}
	}
	items = h.listAll(o, "/library/sections/1/all?type=9&sort=addedAt", 50)
	for i := 1; i < len(items); i++ {
		if items[i-1].AddedAt > items[i].AddedAt {
			t.Fatalf("sort=addedAt broken at %d", i)
		}
	}

	tracks := o.Tracks("1")
	mid := tracks[len(tracks)/2].AddedAt
	after := h.listAll(o, "/library/sections/1/all?type=10&addedAt%3E%3E="+strconv.FormatInt(mid, 10), 50)
	want := 0
	for _, tr := range tracks {
		if tr.AddedAt > mid {
			want++
		}
	}
	if len(after) != want || want == 0 {
		t.Errorf("addedAt>>=%d: %d items, want %d", mid, len(after), want)
	}
	for _, it := range after {
		if it.AddedAt <= mid {
			t.Errorf("addedAt>>= let through %d", it.AddedAt)
		}
	}
	withA := h.listAll(o, "/library/sections/1/all?type=10&title=a", 50)
	for _, it := range withA {
		if !strings.ContainsAny(it.Title, "aA") {
			t.Errorf("title=a let through %q", it.Title)
		}
	}
	// updatedAt is not a documented filter field: it is ignored, so a
	// client relying on it sees everything (docs/plex-api.md, "Media queries").
	all := h.listAll(o, "/library/sections/1/all?type=10&updatedAt%3E%3E=9999999999", 50)
	if len(all) != len(tracks) {
		t.Errorf("updatedAt>>= filtered: %d of %d", len(all), len(tracks))
	}
}
