package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// token is a made-up Plex token; it must never reach log output.
const token = "Tk9-zQ_secretTOKENvalue"

const tokenURL = "http://127.0.0.1:32400/library/sections?type=8&X-Plex-Token=" + token

type creds struct {
	User  string
	Token secret.Value
}

type plainCreds struct {
	User  string
	Token string `json:"token"`
}

// hidden prints innocently but marshals its token to JSON.
type hidden struct {
	AccessToken string `json:"accessToken"`
}

func (hidden) String() string { return "hidden{}" }

// verboseErr leaks only under %+v, as errors with stack traces do.
type verboseErr struct{}

func (verboseErr) Error() string { return "request failed" }
func (verboseErr) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "request failed: GET %s", tokenURL)
}

// Every path by which a token could reach the log, through both handlers:
// the token never appears, the redaction marker does (so a path that logs
// nothing at all would fail), and the harmless parts of the entry survive.
func TestTokenNeverLogged(t *testing.T) {
	paths := map[string]struct {
		log  func(l *slog.Logger)
		keep string // text that must survive redaction
		// unmarked: the safe rendering happens to hide the token
		// without a marker (its String or Error never showed it).
		unmarked bool
	}{
		"secret.Value attribute": {
			log:  func(l *slog.Logger) { l.Info("sign in", "credential", secret.New(token)) },
			keep: "credential",
		},
		"plain string under key token": {
			log:  func(l *slog.Logger) { l.Info("sign in", "token", token) },
			keep: "sign in",
		},
		"plain string under key X-Plex-Token": {
			log:  func(l *slog.Logger) { l.Info("sign in", slog.String("X-Plex-Token", token)) },
			keep: "sign in",
		},
		"non-string under a sensitive key": {
			log:  func(l *slog.Logger) { l.Info("sign in", "authorization", []string{"Bearer", token}) },
			keep: "sign in",
		},
		"nested struct with secret.Value": {
			log:  func(l *slog.Logger) { l.Info("creds", "creds", creds{User: "bob", Token: secret.New(token)}) },
			keep: "bob",
		},
		"nested struct with a plain token field": {
			log:  func(l *slog.Logger) { l.Info("creds", "creds", plainCreds{User: "bob", Token: token}) },
			keep: "bob",
		},
		"struct that only JSON reveals": {
			log:      func(l *slog.Logger) { l.Info("server", "server", hidden{AccessToken: token}) },
			keep:     "hidden{}",
			unmarked: true,
		},
		"map": {
			log:  func(l *slog.Logger) { l.Info("pin", "body", map[string]string{"authToken": token, "code": "ABCD"}) },
			keep: "ABCD",
		},
		"http.Header": {
			log: func(l *slog.Logger) {
				l.Info("request", "header", http.Header{"X-Plex-Token": {token}, "Accept": {"application/json"}})
			},
			keep: "application/json",
		},
		"JSON body as bytes": {
			log:  func(l *slog.Logger) { l.Info("body", "body", []byte(`{"authToken":"`+token+`","id":7}`)) },
			keep: `id`,
		},
		"slog.Group with URL and token": {
			log: func(l *slog.Logger) {
				l.Info("fetch", slog.Group("plex", slog.String("url", tokenURL), slog.String("token", token)))
			},
			keep: "/library/sections",
		},
		"group named token": {
			log:  func(l *slog.Logger) { l.Info("fetch", slog.Group("token", slog.String("value", token))) },
			keep: "fetch",
		},
		"logger WithGroup and With": {
			log: func(l *slog.Logger) {
				l.WithGroup("plex").With("accessToken", token, "url", tokenURL).Info("fetch", "n", 1)
			},
			keep: "/library/sections",
		},
		"error chain with url.Error": {
			log: func(l *slog.Logger) {
				err := fmt.Errorf("list sections of %q: %w", "den", &url.Error{Op: "Get", URL: tokenURL, Err: errors.New("connection refused")})
				l.Error("sync failed", "err", err)
			},
			keep: "connection refused",
		},
		"error that leaks only under %+v": {
			log:      func(l *slog.Logger) { l.Error("sync failed", "err", verboseErr{}) },
			keep:     "request failed",
			unmarked: true,
		},
		"URL string attribute": {
			log:  func(l *slog.Logger) { l.Info("fetch", "url", tokenURL) },
			keep: "type=8",
		},
		"*url.URL attribute": {
			log: func(l *slog.Logger) {
				u, _ := url.Parse(tokenURL)
				l.Info("fetch", "url", u)
			},
			keep: "/library/sections",
		},
		"lower-case, URL-encoded parameter": {
			log: func(l *slog.Logger) {
				l.Info("redirect", "to", "http://127.0.0.1/login?next=%2Fweb%3Fx-plex-token%3D"+token)
			},
			keep: "login",
		},
		"message text": {
			log:  func(l *slog.Logger) { l.Info("GET " + tokenURL + " failed") },
			keep: "failed",
		},
		"password in URL user info": {
			log:  func(l *slog.Logger) { l.Info("connect", "server", "https://me:"+token+"@127.0.0.1:32400/") },
			keep: "https://me:",
		},
		"panic recovery": {
			log: func(l *slog.Logger) {
				func() {
					defer func() {
						if r := recover(); r != nil {
							LogPanic(l, r)
						}
					}()
					panic("unexpected response from " + tokenURL)
				}()
			},
			keep: "unexpected response",
		},
		"panic with an error value": {
			log: func(l *slog.Logger) {
				func() {
					defer func() {
						if r := recover(); r != nil {
							LogPanic(l, r)
						}
					}()
					panic(&url.Error{Op: "Get", URL: tokenURL, Err: errors.New("EOF")})
				}()
			},
			keep: "EOF",
		},
	}
	for _, format := range []string{"json", "text"} {
		for name, p := range paths {
			t.Run(format+"/"+name, func(t *testing.T) {
				var buf bytes.Buffer
				p.log(New(Options{Level: slog.LevelDebug, Format: format, W: &buf}))
				out := buf.String()
				if out == "" {
					t.Fatal("nothing was logged")
				}
				if strings.Contains(out, token) {
					t.Errorf("token leaked:\n%s", out)
				}
				if !p.unmarked && !strings.Contains(out, secret.Redacted) {
					t.Errorf("no %s marker:\n%s", secret.Redacted, out)
				}
				if !strings.Contains(out, p.keep) {
					t.Errorf("over-redacted, %q lost:\n%s", p.keep, out)
				}
				if format == "json" {
					for line := range strings.Lines(out) {
						if !json.Valid([]byte(line)) {
							t.Errorf("not a JSON line: %s", line)
						}
					}
				}
			})
		}
	}
}

// Attributes that carry no secret pass through unchanged, keeping their
// type (the JSON handler still writes numbers and objects).
func TestReplaceAttrLeavesCleanValues(t *testing.T) {
	type server struct{ Name string }
	for _, a := range []slog.Attr{
		slog.String("url", "http://127.0.0.1:32400/library/sections?type=8"),
		slog.Int("count", 3),
		slog.Any("server", server{Name: "den"}),
		slog.Any("err", errors.New("connection refused")),
		slog.String("job", "validate_token"),
	} {
		got := ReplaceAttr(nil, a)
		if !got.Equal(a) {
			t.Errorf("%s changed: %v -> %v", a.Key, a.Value, got.Value)
		}
	}
}

func TestSensitiveKeys(t *testing.T) {
	for _, k := range []string{"token", "TOKEN", "X-Plex-Token", "x_plex_token", "Authorization", "password",
		"secret", "accessToken", "access_token", "authToken", "plex_token", "client_secret"} {
		if !sensitiveKey(k) {
			t.Errorf("%q should be sensitive", k)
		}
	}
	for _, k := range []string{"url", "server", "token_file", "tokens_seen", "err", "msg", "validate_token"} {
		if sensitiveKey(k) {
			t.Errorf("%q should not be sensitive", k)
		}
	}
	// Only that job's name is let through: any other key ending in token is
	// still redacted, whatever comes before it.
	for _, k := range []string{"validated_token", "invalidate_token", "revalidate_token", "validate_plex_token"} {
		if !sensitiveKey(k) {
			t.Errorf("%q should be sensitive", k)
		}
	}
}

// A key that names the token-checking job logs its schedule, but a token in
// its value is still scrubbed, and a secret.Value there still redacted.
func TestJobNamedLikeACredential(t *testing.T) {
	if got := ReplaceAttr(nil, slog.String("validate_token", "@every 15m")); got.Value.String() != "@every 15m" {
		t.Errorf("validate_token's schedule logged as %q", got.Value)
	}
	leak := "https://plex.tv/api/v2/user?X-Plex-Token=abcdEFGH1234ijklMNOP"
	if got := ReplaceAttr(nil, slog.String("validate_token", leak)); strings.Contains(got.Value.String(), "abcdEFGH1234ijklMNOP") {
		t.Errorf("a token in validate_token's value was logged: %q", got.Value)
	}
	if got := ReplaceAttr(nil, slog.Any("validate_token", secret.New("abcdEFGH1234ijklMNOP"))); strings.Contains(got.Value.Resolve().String(), "abcd") {
		t.Errorf("a secret.Value under validate_token was logged: %q", got.Value)
	}
}
