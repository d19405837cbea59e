package plex

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// listing serves keys as a paged PMS listing, at most maxPage per page.
// before runs ahead of each page, under the lock, to change keys.
type listing struct {
	mu      sync.Mutex
	keys    []string
	maxPage int
	before  func(page int, keys []string) []string
	pages   int
}

func (l *listing) serve(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := r.URL.Query()
	if !q.Has("X-Plex-Container-Start") || !q.Has("X-Plex-Container-Size") {
		http.Error(w, "Missing X-Plex-Container-Size header.", http.StatusBadRequest)
		return
	}
	start, _ := strconv.Atoi(q.Get("X-Plex-Container-Start"))
	size, _ := strconv.Atoi(q.Get("X-Plex-Container-Size"))
	if l.before != nil {
		l.keys = l.before(l.pages, l.keys)
	}
	l.pages++
	if l.maxPage > 0 {
		size = min(size, l.maxPage)
	}
	end := min(start+size, len(l.keys))
	var items []string
	for _, k := range l.keys[min(start, end):end] {
		items = append(items, fmt.Sprintf(`{"ratingKey":%q,"title":"t%s"}`, k, k))
	}
	fmt.Fprintf(w, `{"MediaContainer":{"offset":%d,"size":%d,"totalSize":%d,"Metadata":[%s]}}`,
		start, len(items), len(l.keys), strings.Join(items, ","))
}

func keysN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i + 1)
	}
	return out
}

func TestPageAndCountParams(t *testing.T) {
	l := &listing{keys: keysN(7)}
	p := newPMS(t, l.serve)
	c, _ := testClient(t, nil)
	s := c.Server(p.resource(), "")
	n, err := s.Count(context.Background(), SectionItems("1", TypeTrack))
	if err != nil || n != 7 {
		t.Fatalf("count %d %v", n, err)
	}
	pg, err := s.Page(context.Background(), SectionItems("1", TypeTrack), 5, 5000)
	if err != nil || pg.Offset != 5 || pg.Size != 2 || len(pg.Items) != 2 {
		t.Fatalf("page %+v %v", pg, err)
	}
	reqs := p.requests()
	q0, q1 := reqs[0].URL.Query(), reqs[1].URL.Query()
	if q0.Get("X-Plex-Container-Start") != "0" || q0.Get("X-Plex-Container-Size") != "0" || q0.Get("type") != "10" || q0.Get("includeGuids") != "1" {
		t.Errorf("count query %v", q0)
	}
	if q1.Get("X-Plex-Container-Start") != "5" || q1.Get("X-Plex-Container-Size") != "1000" {
		t.Errorf("page query %v (size must be capped at 1000)", q1)
	}
	if reqs[0].URL.Path != "/library/sections/1/all" {
		t.Errorf("path %s", reqs[0].URL.Path)
	}
}

func TestQueries(t *testing.T) {
	cases := []struct {
		q      Query
		path   string
		params string
	}{
		{SectionItems("3", TypeArtist), "/library/sections/3/all", "includeGuids=1&type=8"},
		{SectionItems("a/b", TypeAlbum), "/library/sections/a%2Fb/all", "includeGuids=1&type=9"},
		{AllPlaylists(), "/playlists", "type=15"},
		{PlaylistItems("96"), "/playlists/96/items", "includeGuids=1"},
	}
	for _, c := range cases {
		if c.q.Path != c.path || c.q.Params.Encode() != c.params {
			t.Errorf("%+v, want %s?%s", c.q, c.path, c.params)
		}
	}
}
