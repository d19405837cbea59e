package plextest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// PMS bodies for errors. PMS answers 401 with HTML even when JSON was
// asked for (docs/plex-api.md, "Errors").
const (
	html401 = "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
	html404 = "<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>"
)

// pmsHandler serves one connection of s. Every connection shares the model;
// only the request log tells them apart.
func (f *Fake) pmsHandler(s *Server, connName string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.f.serve(s.handleRoot))
	mux.Handle("GET /library/sections", s.f.serve(s.handleSections))
	mux.Handle("GET /library/sections/{key}", s.f.serve(s.handleSection))
	mux.Handle("GET /library/sections/{key}/all", s.f.serve(s.handleAll))
	mux.Handle("GET /library/metadata/{keys}", s.f.serve(s.handleMetadata))
	mux.Handle("GET /library/metadata/{key}/children", s.f.serve(s.handleChildren))
	mux.Handle("GET /playlists", s.f.serve(s.handlePlaylists))
	mux.Handle("POST /playlists", s.f.serve(s.handleCreatePlaylist))
	mux.Handle("GET /playlists/{id}", s.f.serve(s.handlePlaylist))
	mux.Handle("PUT /playlists/{id}", s.f.serve(s.handleEditPlaylist))
	mux.Handle("DELETE /playlists/{id}", s.f.serve(s.handleDeletePlaylist))
	mux.Handle("GET /playlists/{id}/items", s.f.serve(s.handlePlaylistItems))
	mux.Handle("PUT /playlists/{id}/items", s.f.serve(s.handleAddItems))
	mux.Handle("DELETE /playlists/{id}/items", s.f.serve(s.handleClearItems))
	mux.Handle("DELETE /playlists/{id}/items/{item}", s.f.serve(s.handleRemoveItem))
	mux.Handle("PUT /playlists/{id}/items/{item}/move", s.f.serve(s.handleMoveItem))

	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, ok := s.occupy(r)
		if !ok {
			return // the client gave up while queued
		}
		defer release()
		f.sleep(r, f.opts.Latency)
		// The fake's clock, not the machine's: it is the clock of every
		// stamp served, and a client may compare the two. It is taken as
		// the request arrives, before the model is read; a real server
		// writes it after, which a client has to allow for.
		w.Header().Set("Date", f.clock.httpDate())
		w.Header().Set("X-Plex-Protocol", "1.0")
		if r.URL.Path == "/identity" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			s.f.serve(s.handleIdentity).ServeHTTP(w, r)
			return
		}
		if !s.authorized(r) {
			writeHTML(w, http.StatusUnauthorized, html401)
			return
		}
		_, pattern := mux.Handler(r)
		if pattern == "" {
			// PMS has no 405: an unknown method/path pair is not found.
			writeHTML(w, http.StatusNotFound, html404)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return f.logged(s.machineID, connName, inner)
}

// authorized checks X-Plex-Token (header, or query as real PMS accepts)
// against the server's current access token.
func (s *Server) authorized(r *http.Request) bool {
	tok := r.Header.Get("X-Plex-Token")
	if tok == "" {
		tok = r.URL.Query().Get("X-Plex-Token")
	}
	if tok == "" {
		return false
	}
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	return tok == s.token
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeHTML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeError answers a handler error: 400 for bad parameters, 404 otherwise.
func writeError(w http.ResponseWriter, err error) {
	var bad *badRequest
	if errors.As(err, &bad) {
		writeHTML(w, http.StatusBadRequest, "<html><head><title>Bad Request</title></head><body><h1>400 Bad Request</h1><p>"+
			string(appendXMLAttr(nil, bad.msg))+"</p></body></html>")
		return
	}
	writeHTML(w, http.StatusNotFound, html404)
}

// errNotFound is answered with PMS's HTML 404.
var errNotFound = errors.New("not found")

// response is a rendered PMS body plus what to send with it.
type response struct {
	body   []byte
	xml    bool
	items  int // for ItemLatency
	paged  bool
	start  int
	total  int
	status int
}

// serve adapts a handler that renders under the model lock: the response
// is written (and ItemLatency slept) after the lock is released, so slow
// clients and injected latency never hold up mutations.
func (f *Fake) serve(h func(*http.Request) (response, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := h(r)
		if err != nil {
			writeError(w, err)
			return
		}
		f.write(w, r, resp)
	})
}

func (f *Fake) write(w http.ResponseWriter, r *http.Request, resp response) {
	f.sleep(r, f.opts.ItemLatency*time.Duration(resp.items))
	h := w.Header()
	if resp.xml {
		h.Set("Content-Type", "text/xml;charset=utf-8")
	} else {
		h.Set("Content-Type", "application/json")
	}
	if resp.paged {
		h.Set("X-Plex-Container-Start", strconv.Itoa(resp.start))
		h.Set("X-Plex-Container-Total-Size", strconv.Itoa(resp.total))
	}
	status := resp.status
	if status == 0 {
		status = http.StatusOK
	}
	body := resp.body
	if status == http.StatusNoContent {
		h.Del("Content-Type")
	} else {
		body = f.maybeGzip(h, r, body)
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead && status != http.StatusNoContent {
		_, _ = w.Write(body)
	}
}

func (s *Server) handleIdentity(r *http.Request) (response, error) {
	e := newEmitter(!wantsJSON(r), 256)
	e.Int("size", 0)
	e.Bool("claimed", true)
	e.Str("machineIdentifier", s.machineID)
	e.Str("version", s.version)
	return response{body: e.Bytes(), xml: e.xml}, nil
}

// handleRoot answers GET /, which python-plexapi uses to test a
// connection.
func (s *Server) handleRoot(r *http.Request) (response, error) {
	e := newEmitter(!wantsJSON(r), 512)
	e.Int("size", 0)
	e.Bool("allowSync", true)
	e.Bool("claimed", true)
	e.Str("friendlyName", s.name)
	e.Str("machineIdentifier", s.machineID)
	e.Bool("myPlex", true)
	e.Str("myPlexSigninState", "ok")
	e.Str("platform", "Linux")
	e.Str("platformVersion", "6.1")
	e.Str("version", s.version)
	return response{body: e.Bytes(), xml: e.xml}, nil
}
