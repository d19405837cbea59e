package plex

import (
	"context"
	"fmt"
	"iter"
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
// fewer than asked; Offset, Size and TotalSize say what it returned.
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
// X-Plex-Container-Size=1 (both documented, plex-api.md §5–6). It costs what
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

// Walk pages through q in order, pageSize items at a time (0 means 200; at
// most 1000). It follows what the server reports (the next page starts at
// offset+size) and stops when offset+size reaches totalSize or a page is
// empty. If totalSize changes, the server answers for another offset, or a
// page comes back empty before the end, it yields an error wrapping
// ErrInconsistent and stops: such a listing is not a complete picture. With
// q.Dedupe it drops items whose rating key was in the previous page, which
// is where drift shows; memory stays bounded by one page.
func (s *Server) Walk(ctx context.Context, q Query, pageSize int) iter.Seq2[Page, error] {
	if pageSize <= 0 {
		pageSize = 200
	}
	pageSize = min(pageSize, maxPageSize)
	return func(yield func(Page, error) bool) {
		start, total := 0, -1
		var prev map[string]struct{}
		for {
			p, err := s.Page(ctx, q, start, pageSize)
			if err != nil {
				yield(Page{}, err)
				return
			}
			if err := checkPage(q, p, start, total); err != nil {
				yield(Page{}, err)
				return
			}
			total = p.TotalSize
			if len(p.Items) == 0 {
				if start == 0 {
					yield(p, nil)
				}
				return
			}
			if q.Dedupe {
				prev = dedupe(&p, prev)
			}
			if !yield(p, nil) {
				return
			}
			next := p.Offset + max(p.Size, len(p.Items))
			if next >= total {
				return
			}
			start = next
		}
	}
}

func checkPage(q Query, p Page, start, total int) error {
	switch {
	case total >= 0 && p.TotalSize != total:
		return fmt.Errorf("%w: %s: totalSize went from %d to %d", ErrInconsistent, q.Path, total, p.TotalSize)
	case p.Offset != start:
		return fmt.Errorf("%w: %s: asked for offset %d, got %d", ErrInconsistent, q.Path, start, p.Offset)
	case len(p.Items) == 0 && start > 0 && start < p.TotalSize:
		return fmt.Errorf("%w: %s: empty page at %d of %d", ErrInconsistent, q.Path, start, p.TotalSize)
	}
	return nil
}

// dedupe drops from p the items whose rating key is in prev and returns the
// keys of p as it came (the next page's prev).
func dedupe(p *Page, prev map[string]struct{}) map[string]struct{} {
	keys := make(map[string]struct{}, len(p.Items))
	kept := p.Items[:0:0]
	dropped := false
	for i, it := range p.Items {
		if it.RatingKey.Valid {
			keys[it.RatingKey.V] = struct{}{}
			if _, dup := prev[it.RatingKey.V]; dup {
				if !dropped {
					kept = append(kept, p.Items[:i]...)
					dropped = true
				}
				continue
			}
		}
		if dropped {
			kept = append(kept, it)
		}
	}
	if dropped {
		p.Items = kept
	}
	return keys
}
