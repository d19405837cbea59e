package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// demoController serves the control endpoint of 'demo --serve': it makes
// the changes 'demo change' asks for on the fake's owned server.
type demoController struct {
	f   *plextest.Fake
	key string
	srv *http.Server
	// file is the demoControlFile written for it; it goes with the
	// endpoint, so that no later 'demo change' knocks on a closed port.
	file string
	mu   sync.Mutex // one change at a time: each is a look-up, then the edit
}

// startDemoControl listens on loopback and writes demoControlFile into the
// demo directory. Close stops it and removes the file.
func startDemoControl(f *plextest.Fake, d *demoDir) (*demoController, error) {
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("start the demo's control endpoint: %w", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the demo's control endpoint: %w", err)
	}
	c := &demoController{f: f, key: hex.EncodeToString(key), file: filepath.Join(d.path, demoControlFile)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+demoControlPath, func(w http.ResponseWriter, r *http.Request) {
		writeDemoAnswer(w, http.StatusOK, "the demo is running", nil)
	})
	mux.HandleFunc("POST "+demoControlPath, c.handle)
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	b, _ := json.Marshal(demoControl{URL: "http://" + ln.Addr().String() + demoControlPath, Key: c.key})
	if err := d.write(demoControlFile, b); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *demoController) Close() {
	_ = c.srv.Close()
	_ = os.Remove(c.file)
}

func writeDemoAnswer(w http.ResponseWriter, status int, msg string, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	ans := map[string]string{"message": msg}
	if err != nil {
		ans = map[string]string{"error": err.Error()}
	}
	_ = json.NewEncoder(w).Encode(ans)
}

func (c *demoController) handle(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(demoKeyHeader)), []byte(c.key)) != 1 {
		writeDemoAnswer(w, http.StatusForbidden, "", errors.New("the demo refused the change: wrong key; use the demo-control.json of the running demo"))
		return
	}
	var ch demoChange
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ch); err != nil {
		writeDemoAnswer(w, http.StatusBadRequest, "", fmt.Errorf("the demo could not read the change: %w", err))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	msg, err := c.apply(r.Context(), ch)
	if err != nil {
		writeDemoAnswer(w, http.StatusUnprocessableEntity, "", err)
		return
	}
	writeDemoAnswer(w, http.StatusOK, msg, nil)
}

// apply makes one change on the owned server. Names are resolved first:
// the fake's helpers panic on unknown keys, which are its callers' bugs.
func (c *demoController) apply(ctx context.Context, ch demoChange) (string, error) {
	s := c.f.Owned()
	switch ch.Op {
	case "add-track":
		al, err := findDemoAlbum(s, ch.Album)
		if err != nil {
			return "", err
		}
		rk := s.AddTrack(al.RatingKey, ch.Title)
		return fmt.Sprintf("Added track %q (rating key %s) to %q by %s on %s.", ch.Title, rk, al.Title, al.ArtistTitle, s.Name()), nil
	case "remove-track":
		t, err := findDemoTrack(s, ch.Track)
		if err != nil {
			return "", err
		}
		s.RemoveTrack(t.RatingKey)
		return fmt.Sprintf("Removed track %q by %s (rating key %s) from %s and its playlists.", t.Title, t.ArtistTitle, t.RatingKey, s.Name()), nil
	case "rename-track":
		t, err := findDemoTrack(s, ch.Track)
		if err != nil {
			return "", err
		}
		s.EditTrack(t.RatingKey, func(tr *plextest.Track) { tr.Title, tr.TitleSort = ch.Title, ch.Title })
		return fmt.Sprintf("Renamed track %q (rating key %s) to %q on %s.", t.Title, t.RatingKey, ch.Title, s.Name()), nil
	case "rename-playlist":
		p, err := findDemoPlaylist(s, ch.Playlist)
		if err != nil {
			return "", err
		}
		s.RenamePlaylist(p.RatingKey, ch.Title)
		return fmt.Sprintf("Renamed playlist %q (rating key %s) to %q on %s.", p.Title, p.RatingKey, ch.Title, s.Name()), nil
	case "delete-playlist":
		p, err := findDemoPlaylist(s, ch.Playlist)
		if err != nil {
			return "", err
		}
		s.DeletePlaylist(p.RatingKey)
		return fmt.Sprintf("Deleted playlist %q (rating key %s) on %s.", p.Title, p.RatingKey, s.Name()), nil
	case "edit-playlist":
		return c.editPlaylist(ctx, s, ch)
	}
	return "", fmt.Errorf("unknown change %q; one of: %s", ch.Op, strings.Join(demoChangeOps, ", "))
}

// editPlaylist adds and removes items through the fake's Plex playlist
// endpoints, as a Plex app would: the other entries keep their playlist
// item ids, so history shows exactly the edit.
func (c *demoController) editPlaylist(ctx context.Context, s *plextest.Server, ch demoChange) (string, error) {
	p, err := findDemoPlaylist(s, ch.Playlist)
	if err != nil {
		return "", err
	}
	if p.Smart {
		return "", fmt.Errorf("playlist %q is smart: its items come from its rules; edit a regular playlist", p.Title)
	}
	var adds, removes []plextest.Track
	for _, ref := range ch.Add {
		t, err := findDemoTrack(s, ref)
		if err != nil {
			return "", err
		}
		adds = append(adds, t)
	}
	items := s.PlaylistItems(p.RatingKey)
	var itemIDs []int64
	for _, ref := range ch.Remove {
		t, err := findDemoTrack(s, ref)
		if err != nil {
			return "", err
		}
		i := slices.IndexFunc(items, func(it plextest.PlaylistItem) bool { return it.TrackRatingKey == t.RatingKey })
		if i < 0 {
			return "", fmt.Errorf("playlist %q does not hold %q (rating key %s); nothing was changed", p.Title, t.Title, t.RatingKey)
		}
		itemIDs = append(itemIDs, items[i].PlaylistItemID)
		items = slices.Delete(items, i, i+1)
		removes = append(removes, t)
	}
	base := s.URL(plextest.ConnLocal) + "/playlists/" + p.RatingKey + "/items"
	for _, id := range itemIDs {
		if err := c.pms(ctx, s, http.MethodDelete, base+"/"+strconv.FormatInt(id, 10)); err != nil {
			return "", err
		}
	}
	if len(adds) > 0 {
		keys := make([]string, len(adds))
		for i, t := range adds {
			keys[i] = t.RatingKey
		}
		uri := "server://" + s.MachineID() + "/com.plexapp.plugins.library/library/metadata/" + strings.Join(keys, ",")
		if err := c.pms(ctx, s, http.MethodPut, base+"?uri="+url.QueryEscape(uri)); err != nil {
			return "", err
		}
	}
	var parts []string
	for _, t := range adds {
		parts = append(parts, fmt.Sprintf("added %q", t.Title))
	}
	for _, t := range removes {
		parts = append(parts, fmt.Sprintf("removed %q", t.Title))
	}
	return fmt.Sprintf("Edited playlist %q (rating key %s) on %s: %s.", p.Title, p.RatingKey, s.Name(), strings.Join(parts, ", ")), nil
}

// pms sends one playlist request to the fake server, as its owner.
func (c *demoController) pms(ctx context.Context, s *plextest.Server, method, u string) error {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return fmt.Errorf("edit the playlist: %w", err)
	}
	req.Header.Set("X-Plex-Token", s.AccessToken())
	req.Header.Set("Accept", "application/json")
	resp, err := demoHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("edit the playlist: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("edit the playlist: the stand-in server answered %s", resp.Status)
	}
	return nil
}
