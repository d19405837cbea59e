package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

func TestValueNeverRenders(t *testing.T) {
	const tok = "tok-SuperSecret-123"
	v := secret.New(tok)
	type nested struct {
		User  string
		Token secret.Value
		Ptr   *secret.Value
	}
	n := nested{User: "bob", Token: v, Ptr: &v}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, n))
	}
	j, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(h).Info("x", "token", v, "creds", n, slog.Any("any", v))
	}
	outs = append(outs, buf.String())
	for _, o := range outs {
		if strings.Contains(o, tok) {
			t.Fatalf("token leaked: %s", o)
		}
		if !strings.Contains(o, secret.Redacted) {
			t.Fatalf("rendering lost the redaction marker: %s", o)
		}
	}
	if v.Reveal() != tok {
		t.Fatalf("Reveal = %q", v.Reveal())
	}
}
