package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/config"
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
