package pager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex"
)

// fakeSource serves keys 0..total-1 as a paged listing, at most maxPage items
// a page, without HTTP. hook, when set, runs at the start of every Page call
// and may change the answer: it returns the page to serve (or an error), or
// ok=false to serve the listing as it stands.
type fakeSource struct {
	mu      sync.Mutex
	total   int
	maxPage int
	honour  bool // answer a done ctx with its error, as a real client does
	hook    func(ctx context.Context, start, size int) (p plex.Page, err error, ok bool)
	asked   []string // "start+size" of every call, in call order
}

func (f *fakeSource) Page(ctx context.Context, q plex.Query, start, size int) (plex.Page, error) {
	f.mu.Lock()
	f.asked = append(f.asked, fmt.Sprintf("%d+%d", start, size))
	hook := f.hook
	f.mu.Unlock()
	if hook != nil {
		if p, err, ok := hook(ctx, start, size); ok {
			return p, err
		}
	}
	if f.honour && ctx.Err() != nil {
		return plex.Page{}, ctx.Err()
	}
	return f.page(start, size), nil
}

func (f *fakeSource) page(start, size int) plex.Page {
	if f.maxPage > 0 {
		size = min(size, f.maxPage)
	}
	end := min(start+size, f.total)
	p := plex.Page{Offset: start, TotalSize: f.total}
	for k := start; k < end; k++ {
		p.Items = append(p.Items, plex.Metadata{RatingKey: plex.OptString{V: strconv.Itoa(k), Valid: true}})
	}
	p.Size = len(p.Items)
	return p
}

func (f *fakeSource) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// collect runs a pager over src and returns the keys handed to use, in
// order of use. onUse, if set, runs inside use with the page's offset.
func collect(ctx context.Context, src Source, size, conc, known int, onUse func(offset int)) ([]int, int, error) {
	var got []int
	total := -1
	pg := Listing[plex.Page]{Source: src, Query: plex.SectionItems("1", plex.TypeTrack), Size: size, Concurrency: conc,
		Started: func(t int) { total = t },
		Convert: func(p plex.Page) (plex.Page, error) { return p, nil },
		Use: func(p plex.Page) error {
			if onUse != nil {
				onUse(p.Offset)
			}
			for _, it := range p.Items {
				k, _ := strconv.Atoi(it.RatingKey.V)
				got = append(got, k)
			}
			return nil
		},
	}
	err := pg.Run(ctx, known)
	return got, total, err
}

// wholeOnce reports whether got holds 0..total-1 exactly once each.
func wholeOnce(got []int, total int) bool {
	s := slices.Clone(got)
	slices.Sort(s)
	if len(s) != total {
		return false
	}
	for i, k := range s {
		if k != i {
			return false
		}
	}
	return true
}

func TestPagerListsEveryItemOnce(t *testing.T) {
	for _, c := range []struct{ total, size, maxPage, conc int }{
		{0, 10, 0, 3}, {1, 10, 0, 3}, {10, 10, 0, 3}, {11, 10, 0, 3}, {95, 10, 0, 1}, {95, 10, 0, 4}, {95, 10, 7, 4}, {23, 10, 4, 2},
	} {
		for _, known := range []int{-1, c.total} {
			name := fmt.Sprintf("total=%d size=%d max=%d conc=%d known=%d", c.total, c.size, c.maxPage, c.conc, known)
			src := &fakeSource{total: c.total, maxPage: c.maxPage}
			got, total, err := collect(t.Context(), src, c.size, c.conc, known, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if total != c.total || !wholeOnce(got, c.total) {
				t.Fatalf("%s: total %d, got %v", name, total, got)
			}
		}
	}
}

// A cancelled listing is never reported complete, wherever the cancellation
// lands: before the run, while a page is fetched (by a source that answers
// with ctx's error, and by one whose answer was already on its way), while a
// page is used, and after the last page was used.
func TestPagerCancelledAtEveryPointFails(t *testing.T) {
	const total, size = 60, 10 // six pages at offsets 0, 10, ..., 50
	type point struct {
		name      string
		inPage    int // cancel during the Page call at this offset; -1 none
		inUse     int // cancel inside use of the page at this offset; -1 none
		beforeRun bool
	}
	var points []point
	points = append(points, point{name: "before run", inPage: -1, inUse: -1, beforeRun: true})
	for off := 0; off < total; off += size {
		points = append(points,
			point{name: fmt.Sprintf("fetching page %d", off), inPage: off, inUse: -1},
			point{name: fmt.Sprintf("using page %d", off), inPage: -1, inUse: off})
	}
	for _, pt := range points {
		for _, honour := range []bool{true, false} {
			for _, conc := range []int{1, 3, 8} {
				for _, known := range []int{-1, total} {
					name := fmt.Sprintf("%s honour=%v conc=%d known=%d", pt.name, honour, conc, known)
					ctx, cancel := context.WithCancel(t.Context())
					src := &fakeSource{total: total, honour: honour}
					src.hook = func(_ context.Context, start, _ int) (plex.Page, error, bool) {
						if start == pt.inPage {
							cancel()
						}
						return plex.Page{}, nil, false
					}
					if pt.beforeRun {
						cancel()
					}
					var onUse func(int)
					if pt.inUse >= 0 {
						onUse = func(off int) {
							if off == pt.inUse {
								cancel()
							}
						}
					}
					got, _, err := collect(ctx, src, size, conc, known, onUse)
					cancel()
					if err == nil {
						t.Fatalf("%s: cancelled listing reported complete (%d of %d items used)", name, len(got), total)
					}
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("%s: error %v does not say the listing was cancelled", name, err)
					}
					if plex.IsTransient(err) {
						t.Fatalf("%s: a cancellation is not a transient server fault: %v", name, err)
					}
				}
			}
		}
	}
}

// A server that serves fewer items than asked: with the total known, the
// first pages come back short, and the listing starts again at the size
// served; without it, the first page alone teaches the size.
func TestPagerShortPageRestartsAtServedSize(t *testing.T) {
	const total, size, served = 47, 10, 4
	t.Run("known total", func(t *testing.T) {
		src := &fakeSource{total: total, maxPage: served}
		got, _, err := collect(t.Context(), src, size, 1, total, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !wholeOnce(dedupeInts(got), total) {
			t.Fatalf("got %v", got)
		}
		calls := src.calls()
		if calls[0] != "0+10" {
			t.Fatalf("first call %s, want 0+10", calls[0])
		}
		// After the short page, every call asks for the served size, from 0.
		restart := slices.Index(calls, "0+4")
		if restart < 1 {
			t.Fatalf("no restart at the served size: %v", calls)
		}
		for i, c := range calls[restart:] {
			if want := fmt.Sprintf("%d+%d", i*served, served); c != want {
				t.Fatalf("call %d after the restart = %s, want %s (all %v)", i, c, want, calls)
			}
		}
		if n := len(calls[restart:]); n != (total+served-1)/served {
			t.Fatalf("%d calls after the restart, want %d", n, (total+served-1)/served)
		}
	})
	t.Run("unknown total", func(t *testing.T) {
		src := &fakeSource{total: total, maxPage: served}
		got, _, err := collect(t.Context(), src, size, 3, -1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !wholeOnce(got, total) {
			t.Fatalf("got %v", got)
		}
		for _, c := range src.calls()[1:] {
			var start, sz int
			fmt.Sscanf(c, "%d+%d", &start, &sz)
			if sz != served {
				t.Fatalf("call %s after the first page, want size %d", c, served)
			}
		}
	})
	t.Run("short page later", func(t *testing.T) {
		// The first page was whole, a later one is short: not a size cap
		// the pager can learn, so the listing is inconsistent.
		src := &fakeSource{total: total}
		src.hook = func(_ context.Context, start, size int) (plex.Page, error, bool) {
			if start == 20 {
				return src.page(start, size-1), nil, true
			}
			return plex.Page{}, nil, false
		}
		_, _, err := collect(t.Context(), src, size, 2, -1, nil)
		if !errors.Is(err, plex.ErrInconsistent) {
			t.Fatalf("got %v, want ErrInconsistent", err)
		}
	})
}

func dedupeInts(s []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, k := range s {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

var errLastPage = errors.New("connection reset on the last page")

func TestPagerErrorOnLastPageFails(t *testing.T) {
	const total, size = 45, 10
	for _, conc := range []int{1, 3} {
		for _, known := range []int{-1, total} {
			src := &fakeSource{total: total}
			src.hook = func(_ context.Context, start, _ int) (plex.Page, error, bool) {
				if start == 40 {
					return plex.Page{}, errLastPage, true
				}
				return plex.Page{}, nil, false
			}
			got, _, err := collect(t.Context(), src, size, conc, known, nil)
			if !errors.Is(err, errLastPage) {
				t.Fatalf("conc=%d known=%d: got %v after %d items, want the last page's error", conc, known, err, len(got))
			}
		}
	}
}

// Each page must agree with the listing: the same total, the offset asked
// for, and as many items as remain (up to the page size). Disagreement is
// ErrInconsistent, which is transient: the next pass tries again.
func TestPagerInconsistentPages(t *testing.T) {
	const total, size = 30, 10
	cases := map[string]func(f *fakeSource, start, size int) plex.Page{
		"total grows": func(f *fakeSource, start, size int) plex.Page {
			p := f.page(start, size)
			p.TotalSize++
			return p
		},
		"offset ignored": func(f *fakeSource, _, size int) plex.Page { return f.page(0, size) },
		"empty page before the end": func(f *fakeSource, start, _ int) plex.Page {
			return plex.Page{Offset: start, TotalSize: total}
		},
		"too many items": func(f *fakeSource, start, size int) plex.Page {
			p := f.page(start, size)
			p.Items = append(p.Items, p.Items[0])
			return p
		},
	}
	for name, bad := range cases {
		for _, known := range []int{-1, total} {
			src := &fakeSource{total: total}
			src.hook = func(_ context.Context, start, size int) (plex.Page, error, bool) {
				if start == 10 {
					return bad(src, start, size), nil, true
				}
				return plex.Page{}, nil, false
			}
			_, _, err := collect(t.Context(), src, size, 2, known, nil)
			if !errors.Is(err, plex.ErrInconsistent) || !plex.IsTransient(err) {
				t.Errorf("%s known=%d: got %v, want a transient ErrInconsistent", name, known, err)
			}
		}
	}
}

// The pager hands over what the server lists, duplicates included: a
// playlist may hold a track twice, and for library listings the caller
// counts distinct keys.
func TestPagerKeepsDuplicates(t *testing.T) {
	src := &fakeSource{total: 6}
	keys := []string{"5", "6", "5", "5", "7", "6"}
	src.hook = func(_ context.Context, start, size int) (plex.Page, error, bool) {
		p := src.page(start, size)
		for i := range p.Items {
			p.Items[i].RatingKey.V = keys[start+i]
		}
		return p, nil, true
	}
	var got []string
	pg := Listing[plex.Page]{Source: src, Query: plex.PlaylistItems("9"), Size: 2, Concurrency: 1,
		Started: func(int) {},
		Convert: func(p plex.Page) (plex.Page, error) { return p, nil },
		Use: func(p plex.Page) error {
			for _, it := range p.Items {
				got = append(got, it.RatingKey.V)
			}
			return nil
		},
	}
	if err := pg.Run(t.Context(), -1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, keys) {
		t.Fatalf("got %v, want %v", got, keys)
	}
}
