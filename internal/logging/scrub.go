package logging

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// Token-carrying names in the forms Plex uses: the X-Plex-Token query
// parameter and header, and the accessToken / authToken /
// authenticationToken fields of plex.tv JSON and XML.
const tokenNames = `x-plex-token|x_plex_token|access_?token|auth_?token|authentication_?token`

// A name, then a separator in any of the forms text takes: query "=",
// URL-encoded "%3D", header "name: v", fmt'd http.Header "name:[v]", JSON
// `"name":"v"` (also inside an escaped string), XML `name="v"`. The value
// runs to the next delimiter.
const (
	separator = `\\?["']?\s*(?:=|:|%3[dD])\s*\\?["']?\[?`
	value     = `[^\s&"'\\\[\]<>,;{}()#]+`
)

var (
	tokenParam = regexp.MustCompile(`(?i)((?:` + tokenNames + `)` + separator + `)(` + value + `)`)

	// The password of "scheme://user:password@host".
	userinfo = regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@`)

	// In rendered values (a struct through fmt or JSON, a map) any field
	// named like a credential is a field name, not prose, so it is safe
	// to redact what follows it, including an auth scheme's parameter.
	fieldParam = regexp.MustCompile(`(?i)((?:^|[\s{,(\["'])[a-z0-9_-]*(?:token|password|passwd|secret|authorization)` +
		separator + `(?:(?:bearer|basic|token)\s+)?)(` + value + `)`)
)

// ScrubURL replaces Plex token values in s with "[redacted]": X-Plex-Token
// query parameters (any case, also URL-encoded inside another URL), header
// lines and JSON or XML token fields; it also redacts the password in a
// URL's user information. s may be a URL or any text containing URLs, such
// as a net/http error message. Text without such parts is returned as is.
//
// Prose that happens to write "X-Plex-Token: word" loses the word; log
// messages should not phrase things that way.
func ScrubURL(s string) string {
	if !containsFold(s, "token") && !strings.Contains(s, "@") {
		return s // the common case: nothing to look at
	}
	s = redactValues(tokenParam, s)
	return userinfo.ReplaceAllStringFunc(s, func(m string) string {
		scheme, rest, _ := strings.Cut(m, "://")
		user, _, _ := strings.Cut(rest, ":")
		return scheme + "://" + user + ":" + secret.Redacted + "@"
	})
}

// scrubRendered is ScrubURL plus redaction of credential-named fields, for
// text that is a rendering of a value rather than a sentence.
func scrubRendered(s string) string {
	s = ScrubURL(s)
	if !containsFold(s, "token") && !containsFold(s, "pass") && !containsFold(s, "secret") && !containsFold(s, "authorization") {
		return s
	}
	return redactValues(fieldParam, s)
}

// redactValues replaces submatch 2 (the value) of every match of re with
// the marker. A value that already is the marker is left alone, so that
// scrubbing twice (LogPanic, then the handler) does not nest markers: the
// separator pattern may have eaten the marker's "[".
func redactValues(re *regexp.Regexp, s string) string {
	matches := re.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		start, end := m[4], m[5]
		if strings.HasPrefix(s[start:], secret.Redacted) ||
			(start > 0 && strings.HasPrefix(s[start-1:], secret.Redacted)) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(secret.Redacted)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// containsFold is a case-insensitive strings.Contains for an ASCII needle,
// without lowering (and copying) the whole haystack.
func containsFold(s, needle string) bool {
	for i := 0; i+len(needle) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}

// Redact returns err with its message scrubbed by ScrubURL, for errors from
// net/http that embed request URLs. It returns err itself when there was
// nothing to scrub. The result still unwraps to err, so errors.Is and
// errors.As work; whatever errors.As extracts is not scrubbed.
func Redact(err error) error {
	r, _ := redactErr(err)
	return r
}

func redactErr(err error) (error, bool) {
	if err == nil {
		return nil, false
	}
	msg := err.Error()
	clean := ScrubURL(msg)
	// Some errors print more under %+v (stack traces, fields) than Error().
	if verbose := fmt.Sprintf("%+v", err); clean == msg && ScrubURL(verbose) == verbose {
		return err, false
	}
	return &redactedError{msg: clean, err: err}, true
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
