package account

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// TokenID names tok without revealing it, so that a record of a token check
// can later be matched against the token in use now. It is an HMAC keyed
// with this installation's client identifier, which lives in the state
// directory and never in the database: the database and its backups alone
// cannot be used to test a guessed token. It is "" when there is no token or
// the client identifier cannot be read (no command that talks to Plex ever
// ran with stateDir); such an ID matches nothing.
func TokenID(stateDir string, tok secret.Value) string {
	if tok.IsZero() {
		return ""
	}
	key, err := readClientID(filepath.Join(stateDir, clientIDFile))
	if err != nil {
		return ""
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("plexm8-sync token id\x00" + tok.Reveal()))
	// 96 bits tell tokens apart; the rest would only say more about it.
	return hex.EncodeToString(m.Sum(nil)[:12])
}
