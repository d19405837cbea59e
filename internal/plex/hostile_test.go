package plex

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// endless writes up to max bytes of filler, generated on the fly from one
// small buffer, and counts what the connection accepted. It returns when
// the client goes away (a write fails) or max is reached.
func endless(w io.Writer, max int64, sent *atomic.Int64) {
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	for sent.Load() < max {
		n, err := w.Write(chunk)
		sent.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// allocated is the process's cumulative heap allocation so far.
func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// TestGigabyteResponseIsBoundedNotBuffered serves a 1 GiB body (a valid
// JSON prefix, then a string that never ends) plainly and as a gzip stream
// that inflates to 1 GiB: the client must stop at MaxResponseBytes with
// ErrTooLarge, allocate about that much and not the gigabyte, and hang up
// rather than read on.
func TestGigabyteResponseIsBoundedNotBuffered(t *testing.T) {
	const (
		gig   = 1 << 30
		limit = 1 << 20
	)
	for _, gz := range []bool{false, true} {
		name := "plain"
		if gz {
			name = "gzip"
		}
		t.Run(name, func(t *testing.T) {
			var sent atomic.Int64
			done := make(chan struct{}, 1)
			p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
				defer func() { done <- struct{}{} }()
				var out io.Writer = w
				if gz {
					w.Header().Set("Content-Encoding", "gzip")
					zw := gzip.NewWriter(w)
					defer zw.Close()
					out = zw
				}
				io.WriteString(out, `{"MediaContainer":{"size":0,"pad":"`)
				endless(out, gig, &sent)
			})
			c, _ := testClient(t, func(o *Options) { o.MaxResponseBytes = limit })
			before := allocated()
			_, err := c.Server(p.resource(), "").Sections(context.Background())
			grew := allocated() - before
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("want ErrTooLarge, got %v", err)
			}
			if !strings.Contains(err.Error(), "limit 1048576 bytes") {
				t.Errorf("the error does not name the limit: %v", err)
			}
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("the server is still sending a minute later: the client did not hang up")
			}
			// The fake server's own buffers count too; 64 MiB leaves
			// room for them and is still 1/16 of what was offered.
			if grew > 64<<20 {
				t.Errorf("reading a response capped at %d bytes allocated %d MiB", limit, grew>>20)
			}
			if n := sent.Load(); n >= gig {
				t.Errorf("the whole gigabyte was consumed (%d bytes)", n)
			}
			t.Logf("server sent %d KiB (before compression) before the client hung up; client side allocated %d KiB", sent.Load()>>10, grew>>10)
		})
	}
}

// nestingBomb is body with a million-deep nest of open and close built
// around where the decoder must walk: in a track (an unknown field, which
// encoding/json still has to scan), and as the Metadata array itself.
func nestingBombs() map[string][]byte {
	const depth = 1_000_000
	wrap := func(prefix, open, close, suffix string) []byte {
		var b bytes.Buffer
		b.Grow(len(prefix) + depth*(len(open)+len(close)) + len(suffix))
		b.WriteString(prefix)
		for range depth {
			b.WriteString(open)
		}
		for range depth {
			b.WriteString(close)
		}
		b.WriteString(suffix)
		return b.Bytes()
	}
	return map[string][]byte{
		"arrays in Metadata": wrap(`{"MediaContainer":{"size":1,"Metadata":`, "[", "]", `}}`),
		"objects in a track": wrap(`{"MediaContainer":{"size":1,"Metadata":[{"ratingKey":"1","x":`, `{"a":`, "}", `}]}}`),
		"in an Opt field":    wrap(`{"MediaContainer":{"size":1,"Metadata":[{"ratingKey":"1","title":`, "[", "]", `}]}}`),
		"unterminated":       wrap(`{"MediaContainer":{"Metadata":`, "[", "", ``),
	}
}

// TestJSONNestingBomb: a page nested a million deep fails to decode with an
// error that says so, quickly and without a stack overflow (which would kill
// the test binary, not fail it), both in decodePage and through a request.
func TestJSONNestingBomb(t *testing.T) {
	for name, body := range nestingBombs() {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := decodePage(body, http.Header{}, 0)
			if err == nil {
				t.Fatal("a nesting bomb decoded")
			}
			if !strings.Contains(err.Error(), "depth") && name != "unterminated" {
				t.Errorf("the error does not say what is wrong: %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("decoding took %v", d)
			}

			p := newPMS(t, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
			c, _ := testClient(t, nil)
			_, err = c.Server(p.resource(), "").Sections(context.Background())
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("want a *DecodeError, got %v", err)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("the error quotes the body: %d bytes", len(err.Error()))
			}
			if n := len(p.requests()); n != 1 {
				t.Errorf("%d requests: a body that does not decode is not retried here", n)
			}
		})
	}
}
