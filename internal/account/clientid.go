package account

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/atomicfile"
)

// clientIDFile is the file, in the state directory, holding the client
// identifier.
const clientIDFile = "client-id"

// LoadOrCreateClientID returns the X-Plex-Client-Identifier stored in
// stateDir, creating it (32 random hex digits, file 0600, directory 0700)
// on first use. It must never change: plex.tv binds PINs and the
// "Authorized Devices" entry to it.
func LoadOrCreateClientID(stateDir string) (string, error) {
	path := filepath.Join(stateDir, clientIDFile)
	if id, err := readClientID(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", fmt.Errorf("create state directory %q: %w", stateDir, err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate client identifier: %w", err)
	}
	id := hex.EncodeToString(b[:])

	// Write a temporary file and link it into place: the id file is never
	// seen half-written, and if another process created one meanwhile, the
	// link fails and theirs wins.
	tmp, err := os.CreateTemp(stateDir, clientIDFile+".tmp*")
	if err != nil {
		return "", fmt.Errorf("create client identifier file %s: %w", path, atomicfile.Cause(err))
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("create client identifier file %s: %w", path, atomicfile.Cause(err))
	}
	_, werr := tmp.WriteString(id + "\n")
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", fmt.Errorf("write client identifier file %s: %w", path, atomicfile.Cause(werr))
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readClientID(path)
		}
		// Some filesystems have no hard links: create the file exclusively.
		if err := writeExclusive(path, id); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return readClientID(path)
			}
			return "", fmt.Errorf("store client identifier in %q: %w", path, err)
		}
	}
	return id, nil
}

func writeExclusive(path, id string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(id + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func readClientID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("read client identifier: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if !validClientID(id) {
		return "", fmt.Errorf("client identifier file %q is damaged: delete it to make a new one (plex.tv will then list this as a new device)", path)
	}
	return id, nil
}

func validClientID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
