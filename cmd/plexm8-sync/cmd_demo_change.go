package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
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

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// demoControlFile, in the demo directory, tells 'demo change' where the
// running 'demo --serve' listens and the key it wants.
const demoControlFile = "demo-control.json"

// demoControlPath is the namespace of the control endpoint: no Plex route
// looks like it, and it is served on its own loopback listener anyway.
const demoControlPath = "/plexm8-demo/change"

const demoKeyHeader = "X-Plexm8-Demo-Key"

// demoChangeOps are the changes 'demo change' can make, in help order.
var demoChangeOps = []string{"add-track", "remove-track", "rename-track", "rename-playlist", "edit-playlist", "delete-playlist"}

func demoChangeCommand() *command {
	return &command{
		name: "demo change",
		args: "[--dir DIR] add-track TITLE [--album ALBUM] | remove-track TRACK | rename-track TRACK TITLE |\n" +
			"       rename-playlist PLAYLIST TITLE | edit-playlist PLAYLIST [--add TRACK]... [--remove TRACK]... | delete-playlist PLAYLIST",
		summary: "change the library of a running 'demo --serve', to watch the mirror follow",
		help: `Changes the stand-in server of a running 'plexm8-sync demo --serve', as
someone editing a real Plex library would; then 'sync' (or a running daemon)
brings the change into the mirror, and 'history'/'diff' show playlist edits.

  add-track TITLE [--album ALBUM]   a new track at the end of ALBUM (default:
                                    the first album of the Music library)
  remove-track TRACK                the track disappears from the library and
                                    from every playlist holding it
  rename-track TRACK TITLE          a metadata edit
  rename-playlist PLAYLIST TITLE
  edit-playlist PLAYLIST --add TRACK --remove TRACK
                                    add tracks at the end, remove the first
                                    entry of each; both repeatable
  delete-playlist PLAYLIST

TRACK, ALBUM and PLAYLIST are titles (any case) or rating keys, on the
stand-in "Home Server". A title that names several items is refused with the
candidates and their rating keys.

The running demo is found through its directory: --dir DIR, else the
directory of the config file that 'demo --serve' wrote (--config or
PLEXM8_CONFIG, as its start-up message suggests exporting).

Examples:
  export PLEXM8_CONFIG=/tmp/plexm8-demo/config.yaml
  plexm8-sync demo change add-track "A New Song"
  plexm8-sync demo change rename-playlist "Everything Long" "Everything Long 2"
  plexm8-sync demo change edit-playlist "Everything Long 2" --add "A New Song"
  plexm8-sync demo change --dir /tmp/plexm8-demo remove-track "A New Song"
  plexm8-sync sync && plexm8-sync history "Everything Long 2"`,
		setup: func(fs *flag.FlagSet) runFunc {
			dir := fs.String("dir", "", "the `directory` of the running 'demo --serve' (default: the directory of --config or $PLEXM8_CONFIG)")
			album := fs.String("album", "", "add-track: the `ALBUM` (title or rating key) to add it to")
			var add, remove stringList
			fs.Var(&add, "add", "edit-playlist: a `TRACK` to add at the end (repeatable)")
			fs.Var(&remove, "remove", "edit-playlist: a `TRACK` whose first entry to remove (repeatable)")
			return func(ctx context.Context, a *app, args []string) error {
				args, err := a.positionals(fs, args)
				if err != nil {
					return err
				}
				ch, err := parseDemoChange(args, *album, add, remove)
				if err != nil {
					return err
				}
				ctl, err := a.findDemoControl(*dir)
				if err != nil {
					return err
				}
				msg, err := ctl.send(ctx, ch)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.Stdout, msg)
				fmt.Fprintln(a.Stdout, "Run 'plexm8-sync sync' to bring it into the mirror (a running daemon does at its next sync).")
				return nil
			}
		},
	}
}

// demoChange is one request to the control endpoint.
type demoChange struct {
	Op       string   `json:"op"`
	Track    string   `json:"track,omitempty"`
	Album    string   `json:"album,omitempty"`
	Playlist string   `json:"playlist,omitempty"`
	Title    string   `json:"title,omitempty"`
	Add      []string `json:"add,omitempty"`
	Remove   []string `json:"remove,omitempty"`
}

// parseDemoChange checks the words and flags of 'demo change' before any
// demo is looked for, so a typo is answered as such.
func parseDemoChange(args []string, album string, add, remove []string) (demoChange, error) {
	if len(args) == 0 {
		return demoChange{}, usageErrorf("demo change needs what to change: %s", strings.Join(demoChangeOps, ", "))
	}
	op, rest := args[0], args[1:]
	want := map[string]int{"add-track": 1, "remove-track": 1, "rename-track": 2, "rename-playlist": 2, "edit-playlist": 1, "delete-playlist": 1}
	n, ok := want[op]
	if !ok {
		return demoChange{}, usageErrorf("demo change: unknown change %q; one of: %s", op, strings.Join(demoChangeOps, ", "))
	}
	if len(rest) != n {
		return demoChange{}, usageErrorf("demo change %s takes %d argument(s), got %d; see 'plexm8-sync demo change --help'", op, n, len(rest))
	}
	for _, w := range rest {
		if strings.TrimSpace(w) == "" {
			return demoChange{}, usageErrorf("demo change %s: an argument is empty", op)
		}
	}
	if album != "" && op != "add-track" {
		return demoChange{}, usageErrorf("--album goes with add-track only")
	}
	if (len(add) > 0 || len(remove) > 0) != (op == "edit-playlist") {
		if op == "edit-playlist" {
			return demoChange{}, usageErrorf("edit-playlist needs --add TRACK or --remove TRACK")
		}
		return demoChange{}, usageErrorf("--add and --remove go with edit-playlist only")
	}
	ch := demoChange{Op: op, Album: album, Add: add, Remove: remove}
	switch op {
	case "add-track":
		ch.Title = rest[0]
	case "remove-track":
		ch.Track = rest[0]
	case "rename-track":
		ch.Track, ch.Title = rest[0], rest[1]
	case "rename-playlist":
		ch.Playlist, ch.Title = rest[0], rest[1]
	case "edit-playlist", "delete-playlist":
		ch.Playlist = rest[0]
	}
	return ch, nil
}

// demoControl is what demoControlFile holds.
type demoControl struct {
	URL string `json:"url"`
	Key string `json:"key"`
	dir string
}

// findDemoControl locates the running 'demo --serve' through its
// directory: dir, else that of the config file named by --config or
// PLEXM8_CONFIG (the one the demo told the user to export).
func (a *app) findDemoControl(dir string) (*demoControl, error) {
	how := "--dir " + dir
	if dir == "" {
		path, explicit := config.Resolve(a.configPath, a.Getenv)
		if !explicit {
			return nil, errors.New("which demo? Start one with 'plexm8-sync demo --serve --dir DIR', then name it here with --dir DIR, " +
				"or export PLEXM8_CONFIG=DIR/config.yaml as it suggests")
		}
		dir, how = filepath.Dir(path), "the config "+path
	}
	b, err := os.ReadFile(filepath.Join(dir, demoControlFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no running 'plexm8-sync demo --serve' uses %s (%s names it); start one with 'plexm8-sync demo --serve --dir %s'", dir, how, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("find the running demo: %w", err)
	}
	var c demoControl
	if err := json.Unmarshal(b, &c); err != nil || c.URL == "" {
		return nil, fmt.Errorf("%s is damaged; restart 'plexm8-sync demo --serve --dir %s'", filepath.Join(dir, demoControlFile), dir)
	}
	c.dir = dir
	return &c, nil
}

// demoServeRunning reports whether a 'demo --serve' answers for dir; err
// says why it is thought to run.
func demoServeRunning(dir string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, demoControlFile))
	if err != nil {
		return false, nil
	}
	var c demoControl
	if json.Unmarshal(b, &c) != nil || c.URL == "" {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return false, nil
	}
	resp, err := demoHTTP.Do(req)
	if err != nil {
		return false, nil
	}
	resp.Body.Close()
	return true, fmt.Errorf("it answers on %s", c.URL)
}

// demoHTTP talks to the control endpoint, which is on loopback: nothing
// should take long.
var demoHTTP = &http.Client{Timeout: 30 * time.Second}

// send asks the running demo to make the change and returns its answer.
func (c *demoControl) send(ctx context.Context, ch demoChange) (string, error) {
	body, _ := json.Marshal(ch)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%s is damaged (%v); restart 'plexm8-sync demo --serve --dir %s'", filepath.Join(c.dir, demoControlFile), err, c.dir)
	}
	req.Header.Set(demoKeyHeader, c.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := demoHTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("the 'plexm8-sync demo --serve' using %s does not answer; is it still running? Start it again with 'plexm8-sync demo --serve --dir %s' (%v)", c.dir, c.dir, err)
	}
	defer resp.Body.Close()
	var ans struct{ Message, Error string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans); err != nil {
		return "", fmt.Errorf("the demo's answer: HTTP %d, unreadable: %w", resp.StatusCode, err)
	}
	if ans.Error != "" {
		return "", errors.New(ans.Error)
	}
	return ans.Message, nil
}

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

// findDemo picks the one item whose rating key is ref or whose title is ref
// (any case); several or none is an error listing candidates.
func findDemo[T any](kind, ref, server string, all []T, key, title, describe func(T) string) (T, error) {
	var zero T
	var exact, near []T
	for _, x := range all {
		switch {
		case key(x) == ref:
			return x, nil
		case strings.EqualFold(title(x), ref):
			exact = append(exact, x)
		case strings.Contains(strings.ToLower(title(x)), strings.ToLower(ref)):
			near = append(near, x)
		}
	}
	list := func(xs []T) string {
		var lines []string
		for _, x := range xs[:min(len(xs), 5)] {
			lines = append(lines, "  "+describe(x))
		}
		if len(xs) > 5 {
			lines = append(lines, fmt.Sprintf("  … and %d more", len(xs)-5))
		}
		return strings.Join(lines, "\n")
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return zero, fmt.Errorf("%d %ss on %s are titled %q; name one by rating key:\n%s", len(exact), kind, server, ref, list(exact))
	case len(near) > 0:
		return zero, fmt.Errorf("no %s on %s is titled %q; titles containing it:\n%s", kind, server, ref, list(near))
	}
	return zero, fmt.Errorf("no %s on %s is titled %q or has that rating key; 'plexm8-sync %ss' lists the mirrored ones", kind, server, ref, kind)
}

func findDemoTrack(s *plextest.Server, ref string) (plextest.Track, error) {
	return findDemo("track", ref, s.Name(), s.MusicTracks(),
		func(t plextest.Track) string { return t.RatingKey },
		func(t plextest.Track) string { return t.Title },
		func(t plextest.Track) string {
			return fmt.Sprintf("%s  %s – %s (%s)", t.RatingKey, t.ArtistTitle, t.Title, t.AlbumTitle)
		})
}

// findDemoAlbum resolves ref among the music albums; "" is the first album
// of the first music section.
func findDemoAlbum(s *plextest.Server, ref string) (plextest.Album, error) {
	var all []plextest.Album
	for _, sec := range s.Sections() {
		if sec.Type == "artist" {
			all = append(all, s.Albums(sec.Key)...)
		}
	}
	if ref == "" {
		if len(all) == 0 {
			return plextest.Album{}, fmt.Errorf("%s has no album to add a track to", s.Name())
		}
		return all[0], nil
	}
	return findDemo("album", ref, s.Name(), all,
		func(a plextest.Album) string { return a.RatingKey },
		func(a plextest.Album) string { return a.Title },
		func(a plextest.Album) string {
			return fmt.Sprintf("%s  %s – %s", a.RatingKey, a.ArtistTitle, a.Title)
		})
}

func findDemoPlaylist(s *plextest.Server, ref string) (plextest.Playlist, error) {
	var audio []plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" {
			audio = append(audio, p)
		}
	}
	return findDemo("playlist", ref, s.Name(), audio,
		func(p plextest.Playlist) string { return p.RatingKey },
		func(p plextest.Playlist) string { return p.Title },
		func(p plextest.Playlist) string {
			return fmt.Sprintf("%s  %s (%d items)", p.RatingKey, p.Title, p.LeafCount)
		})
}
