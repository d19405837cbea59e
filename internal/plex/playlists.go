package plex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// playlistChunk is how many rating keys go into one create or add request;
// no limit is documented, and URLs get long.
const playlistChunk = 200

// libraryURI is the server:// URI Plex uses to name items of this server.
func (s *Server) libraryURI(path string) string {
	return "server://" + s.res.ClientIdentifier + "/com.plexapp.plugins.library" + path
}

// write sends a write request. With wantPlaylist it decodes the playlist
// the answer holds, if any; otherwise the body is ignored (a delete or move
// has happened whatever it says).
func (s *Server) write(ctx context.Context, method, path string, q url.Values, mode retryMode, wantPlaylist bool) (Metadata, bool, error) {
	resp, err := s.call(ctx, &request{method: method, path: path, query: q, mode: mode})
	if err != nil {
		return Metadata{}, false, err
	}
	if !wantPlaylist || len(bytes.TrimSpace(resp.body)) == 0 {
		return Metadata{}, false, nil
	}
	mc, err := decodeContainer(resp.body)
	if err != nil {
		return Metadata{}, false, &DecodeError{Method: method, URL: resp.url, Err: err}
	}
	if len(mc.Metadata) == 0 {
		return Metadata{}, false, nil
	}
	return mc.Metadata[0], true, nil
}

// CreatePlaylist creates an audio playlist holding ratingKeys in order: the
// first 200 keys with the create request, the rest added 200 at a time. It
// returns the playlist as the server last described it. If adding a later
// chunk fails, the playlist exists: the result is returned with the error so
// the caller can delete or complete it.
func (s *Server) CreatePlaylist(ctx context.Context, title string, ratingKeys []string) (Metadata, error) {
	q := url.Values{"type": {"audio"}, "title": {title}, "smart": {"0"}}
	first := ratingKeys[:min(len(ratingKeys), playlistChunk)]
	if len(first) > 0 {
		q.Set("uri", s.libraryURI("/library/metadata/"+joinKeys(first)))
	}
	pl, ok, err := s.write(ctx, http.MethodPost, "/playlists", q, retryUnsent, true)
	if err != nil {
		return Metadata{}, fmt.Errorf("create playlist %q: %w", title, err)
	}
	if !ok || !pl.RatingKey.Valid {
		return Metadata{}, fmt.Errorf("create playlist %q: %w", title,
			&DecodeError{Method: http.MethodPost, URL: "/playlists", Err: errors.New("the answer holds no playlist")})
	}
	for chunk := range chunks(ratingKeys[len(first):], playlistChunk) {
		upd, ok, err := s.addItems(ctx, pl.RatingKey.V, chunk)
		if err != nil {
			return pl, fmt.Errorf("create playlist %q: add items: %w", title, err)
		}
		if ok {
			pl = upd
		}
	}
	return pl, nil
}

// AddPlaylistItems appends ratingKeys, in order, to a (non-smart) playlist,
// 200 keys per request. Not retried once a request may have reached the
// server: adding twice would duplicate items.
func (s *Server) AddPlaylistItems(ctx context.Context, playlistKey string, ratingKeys []string) error {
	for chunk := range chunks(ratingKeys, playlistChunk) {
		if _, _, err := s.addItems(ctx, playlistKey, chunk); err != nil {
			return fmt.Errorf("add %d items to playlist %s: %w", len(chunk), playlistKey, err)
		}
	}
	return nil
}

func (s *Server) addItems(ctx context.Context, playlistKey string, keys []string) (Metadata, bool, error) {
	q := url.Values{"uri": {s.libraryURI("/library/metadata/" + joinKeys(keys))}}
	return s.write(ctx, http.MethodPut, "/playlists/"+url.PathEscape(playlistKey)+"/items", q, retryUnsent, true)
}

// MovePlaylistItem moves an item (by playlistItemID) right after another;
// afterItemID 0 moves it to the start. Moving is idempotent, so it is
// retried like a read.
func (s *Server) MovePlaylistItem(ctx context.Context, playlistKey string, itemID, afterItemID int64) error {
	var q url.Values
	if afterItemID != 0 {
		q = url.Values{"after": {strconv.FormatInt(afterItemID, 10)}}
	}
	path := "/playlists/" + url.PathEscape(playlistKey) + "/items/" + strconv.FormatInt(itemID, 10) + "/move"
	if _, _, err := s.write(ctx, http.MethodPut, path, q, retryIdempotent, false); err != nil {
		return fmt.Errorf("move item %d of playlist %s: %w", itemID, playlistKey, err)
	}
	return nil
}

// DeletePlaylistItem removes one item (by playlistItemID) from a playlist.
func (s *Server) DeletePlaylistItem(ctx context.Context, playlistKey string, itemID int64) error {
	path := "/playlists/" + url.PathEscape(playlistKey) + "/items/" + strconv.FormatInt(itemID, 10)
	if _, _, err := s.write(ctx, http.MethodDelete, path, nil, retryIdempotent, false); err != nil {
		return fmt.Errorf("delete item %d of playlist %s: %w", itemID, playlistKey, err)
	}
	return nil
}

// DeletePlaylist deletes a playlist.
func (s *Server) DeletePlaylist(ctx context.Context, playlistKey string) error {
	if _, _, err := s.write(ctx, http.MethodDelete, "/playlists/"+url.PathEscape(playlistKey), nil, retryIdempotent, false); err != nil {
		return fmt.Errorf("delete playlist %s: %w", playlistKey, err)
	}
	return nil
}

// CreateSmartPlaylist recreates a smart playlist in section sectionKey from
// the content URI a listing reported for it (library://…/directory/<escaped
// /library/sections/…/all?…>, or that path itself). The rules are kept; the
// section is replaced by sectionKey.
func (s *Server) CreateSmartPlaylist(ctx context.Context, title, sectionKey, content string) (Metadata, error) {
	rules, err := smartRules(content, sectionKey)
	if err != nil {
		return Metadata{}, fmt.Errorf("create smart playlist %q: %w", title, err)
	}
	q := url.Values{"type": {"audio"}, "title": {title}, "smart": {"1"}, "uri": {s.libraryURI(rules)}}
	pl, ok, err := s.write(ctx, http.MethodPost, "/playlists", q, retryUnsent, true)
	if err != nil {
		return Metadata{}, fmt.Errorf("create smart playlist %q: %w", title, err)
	}
	if !ok {
		return Metadata{}, fmt.Errorf("create smart playlist %q: %w", title,
			&DecodeError{Method: http.MethodPost, URL: "/playlists", Err: errors.New("the answer holds no playlist")})
	}
	return pl, nil
}

// smartRules extracts "/library/sections/<sectionKey>/all?…" from a smart
// playlist's content URI.
func smartRules(content, sectionKey string) (string, error) {
	path := content
	if i := strings.Index(content, "/directory/"); strings.HasPrefix(content, "library://") && i >= 0 {
		p, err := url.PathUnescape(content[i+len("/directory/"):])
		if err != nil {
			return "", fmt.Errorf("content %q: %w", content, err)
		}
		path = p
	}
	const prefix = "/library/sections/"
	if !strings.HasPrefix(path, prefix) {
		return "", fmt.Errorf("content %q does not name a library section listing", content)
	}
	rest := path[len(prefix):]
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 {
		return "", fmt.Errorf("content %q does not name a library section listing", content)
	}
	return prefix + url.PathEscape(sectionKey) + rest[slash:], nil
}

// Playlist fetches one playlist (GET /playlists/{id}). A playlist that does
// not exist answers 404, which the error carries as ErrNotFound: the one
// way to tell a deleted playlist from one a shifting listing did not meet.
func (s *Server) Playlist(ctx context.Context, playlistKey string) (Metadata, error) {
	mc, err := s.get(ctx, "/playlists/"+url.PathEscape(playlistKey))
	if err != nil {
		return Metadata{}, fmt.Errorf("get playlist %s: %w", playlistKey, err)
	}
	if len(mc.Metadata) == 0 {
		return Metadata{}, fmt.Errorf("get playlist %s: %w", playlistKey,
			&DecodeError{Method: http.MethodGet, URL: "/playlists/" + playlistKey, Err: errors.New("the answer holds no playlist")})
	}
	return mc.Metadata[0], nil
}
