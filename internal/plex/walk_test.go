package plex

import (
	"context"
	"errors"
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

func walkAll(t *testing.T, l *listing, q Query, pageSize int) ([]string, []Page, error) {
	t.Helper()
	p := newPMS(t, l.serve)
	c, _ := testClient(t, nil)
	s := c.Server(p.resource(), "")
	var got []string
	var pages []Page
	for pg, err := range s.Walk(context.Background(), q, pageSize) {
		if err != nil {
			return got, pages, err
		}
		pages = append(pages, pg)
		for _, it := range pg.Items {
			got = append(got, it.RatingKey.V)
		}
	}
	return got, pages, nil
}

func TestWalkFollowsServerPageSize(t *testing.T) {
	l := &listing{keys: keysN(23), maxPage: 4}
	got, pages, err := walkAll(t, l, SectionItems("1", TypeTrack), 10)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(keysN(23), ",") {
		t.Errorf("got %v", got)
	}
	if len(pages) != 6 || pages[1].Offset != 4 || pages[5].Size != 3 || pages[5].TotalSize != 23 {
		t.Errorf("pages %+v", pages)
	}
}

func TestWalkEmptyListing(t *testing.T) {
	got, pages, err := walkAll(t, &listing{}, SectionItems("1", TypeTrack), 10)
	if err != nil || len(got) != 0 || len(pages) != 1 || pages[0].TotalSize != 0 {
		t.Errorf("got %v pages %+v err %v", got, pages, err)
	}
}

func TestWalkTotalSizeDriftIsInconsistent(t *testing.T) {
	l := &listing{keys: keysN(30), before: func(page int, keys []string) []string {
		if page == 1 {
			return append(keys, "999") // a track added mid-listing
		}
		return keys
	}}
	got, _, err := walkAll(t, l, SectionItems("1", TypeTrack), 10)
	if !errors.Is(err, ErrInconsistent) || !IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	if len(got) != 10 {
		t.Errorf("%d items before the error", len(got))
	}
}

func TestWalkDropsAdjacentOverlap(t *testing.T) {
	// Between pages 1 and 2 an item is added at the front and the last one
	// removed: the total stays, everything shifts by one, so page 2 starts
	// with the item that ended page 1.
	l := &listing{keys: keysN(25), before: func(page int, keys []string) []string {
		if page == 1 {
			return append([]string{"0"}, keys[:len(keys)-1]...)
		}
		return keys
	}}
	got, _, err := walkAll(t, l, SectionItems("1", TypeTrack), 10)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, k := range got {
		seen[k]++
		if seen[k] > 1 {
			t.Errorf("%s listed twice", k)
		}
	}
	if len(got) != 24 || got[9] != "10" || got[10] != "11" {
		t.Errorf("got %v, want 1..24 once each", got)
	}
}

func TestWalkKeepsPlaylistDuplicates(t *testing.T) {
	l := &listing{keys: []string{"5", "6", "5", "5", "7", "6"}, maxPage: 2}
	got, _, err := walkAll(t, l, PlaylistItems("9"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "5,6,5,5,7,6" {
		t.Errorf("got %v", got)
	}
}

type fixedHandler func(start int) string

func TestWalkRejectsWrongOffsetAndEarlyEmptyPage(t *testing.T) {
	cases := map[string]fixedHandler{
		"server ignores start": func(int) string {
			return `{"MediaContainer":{"offset":0,"size":2,"totalSize":6,"Metadata":[{"ratingKey":"1"},{"ratingKey":"2"}]}}`
		},
		"empty page before the end": func(start int) string {
			if start == 0 {
				return `{"MediaContainer":{"offset":0,"size":2,"totalSize":6,"Metadata":[{"ratingKey":"1"},{"ratingKey":"2"}]}}`
			}
			return fmt.Sprintf(`{"MediaContainer":{"offset":%d,"size":0,"totalSize":6}}`, start)
		},
	}
	for name, h := range cases {
		p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
			start, _ := strconv.Atoi(r.URL.Query().Get("X-Plex-Container-Start"))
			fmt.Fprint(w, h(start))
		})
		c, _ := testClient(t, nil)
		var err error
		n := 0
		for _, e := range c.Server(p.resource(), "").Walk(context.Background(), SectionItems("1", TypeAlbum), 2) {
			err = e
			n++
			if n > 10 {
				t.Fatalf("%s: walk does not stop", name)
			}
		}
		if !errors.Is(err, ErrInconsistent) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestWalkStopsWhenConsumerStops(t *testing.T) {
	l := &listing{keys: keysN(50)}
	p := newPMS(t, l.serve)
	c, _ := testClient(t, nil)
	for range c.Server(p.resource(), "").Walk(context.Background(), SectionItems("1", TypeTrack), 10) {
		break
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("%d pages fetched after break", n)
	}
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
		dedupe bool
	}{
		{SectionItems("3", TypeArtist), "/library/sections/3/all", "includeGuids=1&type=8", true},
		{SectionItems("a/b", TypeAlbum), "/library/sections/a%2Fb/all", "includeGuids=1&type=9", true},
		{Playlists(), "/playlists", "playlistType=audio&type=15", true},
		{AllPlaylists(), "/playlists", "type=15", true},
		{PlaylistItems("96"), "/playlists/96/items", "includeGuids=1", false},
	}
	for _, c := range cases {
		if c.q.Path != c.path || c.q.Params.Encode() != c.params || c.q.Dedupe != c.dedupe {
			t.Errorf("%+v, want %s?%s dedupe=%v", c.q, c.path, c.params, c.dedupe)
		}
	}
}
