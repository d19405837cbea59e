package plex

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strconv"
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
	return p, nil
}
