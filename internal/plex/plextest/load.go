package plextest

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// occupy takes one of the server's cores for the request (load model,
// Options.Cores) and returns the function that gives it back. Without the
// load model it takes nothing. A request whose client gives up while it
// queues leaves the queue.
func (s *Server) occupy(r *http.Request) (release func(), ok bool) {
	if s.cores == nil {
		return func() {}, true
	}
	select {
	case s.cores <- struct{}{}:
		return func() { <-s.cores }, true
	case <-r.Context().Done():
	case <-s.f.done:
	}
	return nil, false
}

// excludedFields reads excludeFields, the attributes a client asks to be
// left off metadata items ("requests, not guarantees": PMS's support is
// partial; the fake honours it on section listings). Nil when absent.
func excludedFields(q url.Values) map[string]bool {
	v := q.Get("excludeFields")
	if v == "" {
		return nil
	}
	m := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			m[name] = true
		}
	}
	return m
}

// gzipMin is the smallest body compressed: below it the gzip header and
// trailer cost more than they save.
const gzipMin = 1024

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// maybeGzip compresses body when the fake answers gzip (Options.Gzip) and
// the request accepts it, setting Content-Encoding; it returns the bytes to
// send.
func (f *Fake) maybeGzip(h http.Header, r *http.Request, body []byte) []byte {
	if !f.opts.Gzip || len(body) < gzipMin || !acceptsGzip(r) {
		return body
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 6)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(body)
	_ = zw.Close()
	gzipWriters.Put(zw)
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	return buf.Bytes()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
