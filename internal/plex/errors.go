package plex

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrUnauthorized means the token was rejected: for plex.tv the user must
	// sign in again; for a server the account lost access to it.
	ErrUnauthorized = errors.New("plex: token rejected (sign in again, or check that this account still has access)")
	// ErrNotFound means the item, playlist or section does not exist (any more).
	ErrNotFound = errors.New("plex: not found")
	// ErrPINExpired means the sign-in PIN is unknown or expired: create a new one.
	ErrPINExpired = errors.New("plex: sign-in PIN expired or unknown (start the sign-in again)")
	// ErrInconsistent means a listing changed while it was being paged, so
	// it is not a complete picture; list again later.
	ErrInconsistent = errors.New("plex: listing changed while paging (will retry on the next run)")
	// ErrNoConnection means none of a server's connections answered as that
	// server.
	ErrNoConnection = errors.New("plex: no working connection to the server")
	// ErrTooLarge means a response exceeded Options.MaxResponseBytes.
	ErrTooLarge = errors.New("plex: response too large (raise the maximum response size if this library is huge)")
	// ErrRateLimited means the server asked us to wait longer than
	// Options.MaxRetryWait, so the request was abandoned instead.
	ErrRateLimited = errors.New("plex: rate limited for longer than the retry wait allows (will retry on the next run)")
)

// StatusError is an unexpected HTTP status. URL never carries a token.
type StatusError struct {
	Method string
	URL    string
	Status int
	Body   string // at most 200 bytes of the response body, for logs and tests
	// Message is what the body says went wrong, read out of Plex's JSON or
	// XML error list or an HTML page's title: never the raw markup. Empty
	// when the body says nothing the status does not.
	Message string

	kind error // the sentinel this status stands for, if any
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("plex: %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap exposes the sentinel (ErrUnauthorized, ErrNotFound, ...) this
// status stands for, so errors.Is works through a StatusError.
func (e *StatusError) Unwrap() error { return e.kind }

// bodyMessage reads the reason out of an error response. plex.tv answers
// {"errors":[{"code":1001,"message":"..."}]} (or the same as XML
// attributes), a server answers HTML or a bare XML element, and proxies
// anything. Markup is never returned as it is: a user reading an error
// wants Plex's words, not its serialisation. What only repeats the status
// adds nothing and is dropped.
func bodyMessage(body []byte, status int) string {
	t := bytes.TrimSpace(body)
	var reasons []reason
	switch {
	case len(t) == 0:
		return ""
	case t[0] == '{' || t[0] == '[':
		reasons = jsonReasons(t)
	case t[0] == '<':
		reasons = markupReasons(t)
	default:
		line, _, _ := bytes.Cut(t, []byte("\n"))
		reasons = []reason{{msg: string(line)}}
	}
	text := http.StatusText(status)
	var out []string
	for _, r := range reasons {
		m := snippet([]byte(r.msg))
		if m == "" || strings.EqualFold(m, text) || strings.EqualFold(m, fmt.Sprintf("%d %s", status, text)) {
			continue
		}
		if r.code != "" {
			m += " (Plex error " + r.code + ")"
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return strings.Join(out, "; ")
}

// reason is one message an error body gives, with Plex's code for it.
type reason struct{ msg, code string }

// jsonReasons reads plex.tv's errors[] and the single-error shapes other
// services use. Unknown JSON gives nothing rather than itself.
func jsonReasons(b []byte) []reason {
	type item struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
		Error   string      `json:"error"`
	}
	var doc struct {
		Errors []item `json:"errors"`
		item
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		var list []item
		if json.Unmarshal(b, &list) != nil {
			return nil
		}
		doc.Errors = list
	}
	var out []reason
	for _, it := range append(doc.Errors, doc.item) {
		m := it.Message
		if m == "" {
			m = it.Error
		}
		if m != "" {
			out = append(out, reason{m, it.Code.String()})
		}
	}
	return out
}

// markupReasons reads the message attributes of an XML error list (or a
// server's <Response status="...">) and the title and first heading of an
// HTML page. The tokenizer is lenient: HTML is not XML, and a body cut short
// is neither.
func markupReasons(b []byte) []reason {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var out []reason
	inText := false // in a title or heading, whose text is a message
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(tok.Name.Local)
			if name == "title" || name == "h1" {
				inText = true
				continue
			}
			var r reason
			for _, a := range tok.Attr {
				switch strings.ToLower(a.Name.Local) {
				case "message", "status":
					if r.msg == "" {
						r.msg = a.Value
					}
				case "code":
					if name == "error" {
						r.code = a.Value
					}
				}
			}
			if r.msg != "" {
				out = append(out, r)
			}
		case xml.CharData:
			if m := strings.TrimSpace(string(tok)); inText && m != "" {
				out = append(out, reason{msg: m})
			}
		case xml.EndElement:
			inText = false
		}
	}
}

// DecodeError is a response body that is not the JSON we expected.
type DecodeError struct {
	Method, URL string
	Err         error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("plex: decode response of %s %s: %v", e.Method, e.URL, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// transientError marks an error as worth retrying later although its cause
// alone would not say so (plex.tv /user: any failure but 401 is transient).
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// IsTransient reports whether err is worth retrying on the next scheduled
// run: network trouble, timeouts, rate limits, server errors, a server that
// could not be reached, a listing that changed while paging, or a garbled
// body. Rejected tokens, missing items, bad requests and a cancelled context
// are not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var te *transientError
	if errors.As(err, &te) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusRequestTimeout || se.Status == http.StatusTooManyRequests ||
			(se.Status >= 500 && se.Status != http.StatusNotImplemented)
	}
	for _, s := range []error{ErrUnauthorized, ErrNotFound, ErrPINExpired, ErrTooLarge} {
		if errors.Is(err, s) {
			return false
		}
	}
	if errors.Is(err, ErrNoConnection) || errors.Is(err, ErrInconsistent) || errors.Is(err, ErrRateLimited) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var re *requestError
	return errors.As(err, &re)
}

// requestError is a failure to get a complete response (dial, TLS, reset,
// body cut short, per-attempt timeout).
type requestError struct {
	Method, URL string
	Err         error
}

func (e *requestError) Error() string {
	return fmt.Sprintf("plex: %s %s: %v", e.Method, e.URL, e.Err)
}

func (e *requestError) Unwrap() error { return e.Err }
