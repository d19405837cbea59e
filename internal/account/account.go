// Package account keeps what identifies this installation to plex.tv, in
// 0600 files in the state directory: the user token obtained by the PIN flow,
// and the client identifier that token is bound to.
package account

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/plexm8/plexm8-sync/internal/atomicfile"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// ErrNotSignedIn means there are no stored credentials.
var ErrNotSignedIn = errors.New("not signed in to plex.tv: run 'plexm8-sync login' (or set PLEXM8_TOKEN)")

// Credentials are what a sign-in leaves behind.
type Credentials struct {
	Token    secret.Value
	Username string
	SavedAt  time.Time
	// Warning is what to do about the file, "" when nothing: its mode lets
	// other users read the token (see ModeWarning).
	Warning string
}

// fileName is the credentials file inside the state directory.
const fileName = "credentials.json"

// onDisk is the file's shape. It is the only place the token is revealed,
// on purpose, and the file is written 0600.
type onDisk struct {
	Token    string    `json:"token"`
	Username string    `json:"username,omitempty"`
	SavedAt  time.Time `json:"saved_at"`
}

// Path is where the credentials of stateDir live.
func Path(stateDir string) string { return filepath.Join(stateDir, fileName) }

// Load reads the stored credentials; ErrNotSignedIn when there are none.
//
// A file other users can read is used all the same, with Warning set: the
// token is exposed already, refusing would not take that back, and it
// would stop the syncs (and so the playlist history) until someone
// noticed. The caller shows the warning where the user looks.
func Load(stateDir string) (Credentials, error) {
	path := Path(stateDir)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Credentials{}, ErrNotSignedIn
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Credentials{}, fmt.Errorf("read credentials: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return Credentials{}, fmt.Errorf("read credentials: %w", err)
	}
	var d onDisk
	if err := json.Unmarshal(b, &d); err != nil || d.Token == "" {
		return Credentials{}, fmt.Errorf("credentials file %s is damaged: run 'plexm8-sync login' to replace it", path)
	}
	return Credentials{Token: secret.New(d.Token), Username: d.Username, SavedAt: d.SavedAt, Warning: ModeWarning(path, info.Mode())}, nil
}

// ModeWarning says what to do when a file holding the token, at path with
// mode, can be read or changed by users other than its owner; "" when it
// cannot. Windows has no such mode bits (the ACL of the state directory
// decides), so there it is always "".
func ModeWarning(path string, mode fs.FileMode) string {
	if runtime.GOOS == "windows" || mode.Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("credentials file %s holds the Plex token but other users can read it (mode %04o, want 0600): run 'chmod 600 %s'; if someone else may have read it, also run 'plexm8-sync login' for a new token",
		path, mode.Perm(), path)
}

// Save writes c atomically: a crash leaves the old file or the new one.
func Save(stateDir string, c Credentials) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	b, err := json.MarshalIndent(onDisk{Token: c.Token.Reveal(), Username: c.Username, SavedAt: c.SavedAt.UTC()}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(Path(stateDir), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save credentials to %s: %w", Path(stateDir), atomicfile.Cause(err))
	}
	return nil
}

// Delete removes the stored credentials; it is not an error if there are none.
func Delete(stateDir string) error {
	_, err := Remove(stateDir)
	return err
}

// Remove is Delete that also reports whether there were credentials to
// remove, for a logout that must not claim to remove what was not there.
func Remove(stateDir string) (removed bool, err error) {
	err = os.Remove(Path(stateDir))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("remove credentials: %w", err)
	}
	return true, nil
}
