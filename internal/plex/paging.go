package plex

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxPageSize is the largest page asked for: PMS warns that sizes above
// 1000 will be refused.
const maxPageSize = 1000

func (q Query) withPage(start, size int) url.Values {
	v := make(url.Values, len(q.Params)+2)
	maps.Copy(v, q.Params)
	v.Set("X-Plex-Container-Start", strconv.Itoa(start))
	v.Set("X-Plex-Container-Size", strconv.Itoa(size))
	return v
}

// Count returns the number of items q would list, without listing them
// (X-Plex-Container-Size=0).
func (s *Server) Count(ctx context.Context, q Query) (int, error) {
	p, err := s.page(ctx, q, 0, 0)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", q.Path, err)
	}
	return p.TotalSize, nil
}

// Page fetches one page of q: size items from start. The server may return
// fewer than asked; Offset, Size and TotalSize say what it returned. Page does
// not judge a page against the rest of its listing: the sync's pager does,
// as the one place that pages a listing whole.
func (s *Server) Page(ctx context.Context, q Query, start, size int) (Page, error) {
	if start < 0 || size < 0 {
		return Page{}, fmt.Errorf("page %s: negative start %d or size %d", q.Path, start, size)
	}
	p, err := s.page(ctx, q, start, min(size, maxPageSize))
	if err != nil {
		return Page{}, fmt.Errorf("page %s at %d: %w", q.Path, start, err)
	}
	return p, nil
}

func (s *Server) page(ctx context.Context, q Query, start, size int) (Page, error) {
	r := &request{method: "GET", path: q.Path, query: q.withPage(start, size)}
	resp, err := s.call(ctx, r)
	if err != nil {
		return Page{}, err
	}
	p, err := decodePage(resp.body, resp.header, start)
	if err != nil {
		return Page{}, &DecodeError{Method: r.method, URL: resp.url, Err: err}
	}
	p.Date = serverDate(resp.header)
	if n := len(p.Items); n > 0 && n < size && p.Offset+n < p.TotalSize {
		s.learnPageCap(n)
	}
	return p, nil
}

// learnPageCap records that the server served only n items of a page that
// could have held more.
func (s *Server) learnPageCap(n int) {
	for {
		cur := s.pageCap.Load()
		if cur != 0 && cur <= int64(n) {
			return
		}
		if s.pageCap.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// PageSize is the page size to ask the server for when want is wanted: want,
// but no more than 1000 nor than the most the server has served in a page
// (a server or proxy that caps pages answers a bigger ask with a short page,
// which a pager must then start over from).
func (s *Server) PageSize(want int) int {
	want = min(max(want, 1), maxPageSize)
	if c := int(s.pageCap.Load()); c > 0 && c < want {
		return c
	}
	return want
}

// serverDate reads a response's Date header; zero when absent or malformed.
func serverDate(h http.Header) time.Time {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// Newest probes q for its item count and the updatedAt of its most recently
// updated item, in one request for one item: sort=updatedAt:desc with
// X-Plex-Container-Size=1 (both documented: docs/plex-api.md, "Paging" and "Media queries"). It costs what
// a Count costs, and sees an edit that moved an item's updatedAt but none of
// the section's own stamps. Guids are not asked for and Media is asked to be
// left out: only the stamp is wanted.
func (s *Server) Newest(ctx context.Context, q Query) (Newest, error) {
	probe := Query{Path: q.Path, Params: make(url.Values, len(q.Params)+2)}
	maps.Copy(probe.Params, q.Params)
	probe.Params.Del("includeGuids")
	probe.Params.Set("sort", "updatedAt:desc")
	probe.Params.Set("excludeElements", "Media")
	p, err := s.page(ctx, probe, 0, 1)
	if err != nil {
		return Newest{}, fmt.Errorf("probe %s: %w", q.Path, err)
	}
	n := Newest{TotalSize: p.TotalSize, Date: p.Date}
	if len(p.Items) > 0 {
		n.UpdatedAt = p.Items[0].UpdatedAt
	} else if p.TotalSize > 0 {
		return Newest{}, fmt.Errorf("probe %s: %w: no item in a listing of %d", q.Path, ErrInconsistent, p.TotalSize)
	}
	return n, nil
}
