package logging

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// sensitiveKeys are attribute keys, normalised by normKey, whose values are
// always redacted whatever their type.
var sensitiveKeys = map[string]bool{
	"token":         true,
	"xplextoken":    true,
	"authorization": true,
	"password":      true,
	"secret":        true,
	"accesstoken":   true,
	"authtoken":     true,
}

// sensitiveSuffixes catch compound names such as "plex_token" or
// "client_secret".
var sensitiveSuffixes = []string{"token", "password", "passwd", "secret"}

// normKey lowers k and drops separators, so "X-Plex-Token", "x_plex_token"
// and "XPlexToken" are one name.
func normKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(k))
}

// namesNotSecrets are keys that end like a credential's name but name
// something else, listed one by one so the suffix rule stays as wide as it
// is: a job and its schedule (the reload line logs validate_token's cron
// spec). Their values are still scrubbed like any string, and a
// secret.Value there still renders redacted.
var namesNotSecrets = map[string]bool{
	"validatetoken": true,
}

func sensitiveKey(k string) bool {
	n := normKey(k)
	if namesNotSecrets[n] {
		return false
	}
	if sensitiveKeys[n] {
		return true
	}
	for _, s := range sensitiveSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// ReplaceAttr is the redaction guard installed on every handler of this
// package. An attribute whose key, or any enclosing group's name, looks
// like a credential becomes "[redacted]" whatever its value. Otherwise
// strings (the message included) and error messages are scrubbed with
// ScrubURL, and other values are rendered and replaced by a scrubbed
// string if the rendering shows a token.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if sensitiveKey(a.Key) {
		return slog.String(a.Key, secret.Redacted)
	}
	for _, g := range groups {
		if sensitiveKey(g) {
			return slog.String(a.Key, secret.Redacted)
		}
	}
	a.Value = scrubValue(a.Value)
	return a
}

func scrubValue(v slog.Value) slog.Value {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); ScrubURL(s) != s {
			return slog.StringValue(ScrubURL(s))
		}
	case slog.KindGroup:
		// Handlers do not pass groups to ReplaceAttr, but a caller
		// may: scrub the members the same way.
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			out[i] = ReplaceAttr(nil, a)
		}
		return slog.GroupValue(out...)
	case slog.KindAny:
		return scrubAny(v)
	}
	return v
}

// scrubAny checks a value the way each handler would render it: fmt for
// tint, MarshalText or JSON for the JSON handler. A struct whose String
// hides a field that JSON shows is caught by the JSON rendering.
func scrubAny(v slog.Value) slog.Value {
	switch x := v.Any().(type) {
	case nil, slog.Level, time.Time, *slog.Source, secret.Value:
		return v
	case error:
		if r, changed := redactErr(x); changed {
			return slog.AnyValue(r)
		}
		return v
	case []byte:
		s := string(x)
		if t := scrubRendered(s); t != s {
			return slog.StringValue(t)
		}
		return v
	}
	shown := fmt.Sprintf("%+v", v.Any())
	renderings := []string{shown}
	if tm, ok := v.Any().(encoding.TextMarshaler); ok {
		if b, ok := safely(tm.MarshalText); ok {
			shown = string(b) // what both handlers print
			renderings = append(renderings, shown)
		}
	}
	if b, ok := safely(func() ([]byte, error) { return json.Marshal(v.Any()) }); ok {
		renderings = append(renderings, string(b))
	}
	for _, r := range renderings {
		if scrubRendered(r) != r {
			return slog.StringValue(scrubRendered(shown))
		}
	}
	return v
}

// safely runs a marshaller that may panic (a nil pointer receiver, say);
// logging must not crash the daemon, and the handler copes on its own.
func safely(marshal func() ([]byte, error)) (b []byte, ok bool) {
	defer func() {
		if recover() != nil {
			b, ok = nil, false
		}
	}()
	b, err := marshal()
	return b, err == nil
}
