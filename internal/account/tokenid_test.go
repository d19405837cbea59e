package account_test

import (
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

func TestTokenID(t *testing.T) {
	dir := t.TempDir()
	tok := secret.New("tok-SuperSecret-123")
	if id := account.TokenID(dir, tok); id != "" {
		t.Fatalf("without a client identifier: %q, want none", id)
	}
	if _, err := account.LoadOrCreateClientID(dir); err != nil {
		t.Fatal(err)
	}
	id := account.TokenID(dir, tok)
	if len(id) != 24 || strings.Contains(id, "SuperSecret") {
		t.Fatalf("id %q", id)
	}
	if again := account.TokenID(dir, secret.New("tok-SuperSecret-123")); again != id {
		t.Errorf("the same token gives %q then %q", id, again)
	}
	if other := account.TokenID(dir, secret.New("tok-SuperSecret-124")); other == id {
		t.Error("two tokens share an id")
	}
	if account.TokenID(dir, secret.Value{}) != "" {
		t.Error("no token has an id")
	}
	// Another installation (client identifier) names the same token
	// differently.
	dir2 := t.TempDir()
	if _, err := account.LoadOrCreateClientID(dir2); err != nil {
		t.Fatal(err)
	}
	if account.TokenID(dir2, tok) == id {
		t.Error("the id does not depend on the installation")
	}
}
