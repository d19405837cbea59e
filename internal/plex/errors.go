package plex

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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
	Body   string // at most 200 bytes of the response body

	kind error // the sentinel this status stands for, if any
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("plex: %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Unwrap exposes the sentinel (ErrUnauthorized, ErrNotFound, ...) this
// status stands for, so errors.Is works through a StatusError.
func (e *StatusError) Unwrap() error { return e.kind }

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
