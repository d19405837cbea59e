// Package secret holds a string type for credentials that refuses to be
// printed. Every way Go renders a value (fmt verbs, slog, encoding/json,
// encoding.TextMarshaler) yields "[redacted]"; only Reveal returns the text,
// and the one caller that should use it is the HTTP layer setting a header.
package secret

import (
	"fmt"
	"log/slog"
)

// Redacted is what every rendering of a Value shows.
const Redacted = "[redacted]"

// Value is a secret string, such as a Plex token.
type Value struct {
	// A struct, not a named string, so that fmt's %s on a nested field and
	// reflection-based encoders cannot reach the bytes without a method.
	s string
}

// New wraps s.
func New(s string) Value { return Value{s: s} }

// Reveal returns the secret text. Call it only where the text must leave the
// process on purpose (a request header, the credentials file).
func (v Value) Reveal() string { return v.s }

// IsZero reports whether no secret is held.
func (v Value) IsZero() bool { return v.s == "" }

// Equal compares two secrets without revealing them to the caller.
func (v Value) Equal(o Value) bool { return v.s == o.s }

func (v Value) String() string   { return Redacted }
func (v Value) GoString() string { return Redacted }

// Format covers every verb, including %x and %q, which would otherwise
// bypass String.
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

func (v Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
