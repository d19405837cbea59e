package plex

import (
	"context"
	"errors"
	"net/http"
)

// outcome is what one attempt of a request came to, as far as retrying is
// concerned. classify turns an attempt into an outcome; policy says what to
// do about it. Keeping the two apart keeps the retry rules in one table.
type outcome int

const (
	outOK          outcome = iota
	outLost                // transport error after the request may have arrived (reset, body cut short)
	outUnsent              // transport error before it could arrive (dial failed, refused)
	outStalled             // no answer within the stall timeout derived from this connection's latency
	outFatal               // response too large, or the caller's context ended
	outTooMany             // 429: refused, the service wants a pause
	outUnavailable         // 503: this connection cannot serve now
	outServerError         // 500, 502, 504: the server may have acted on it
	outNotFound            // 404
	outStatus              // any other status: an answer, final
)

func (o outcome) String() string {
	return [...]string{"ok", "lost", "unsent", "stalled", "fatal", "too-many", "unavailable", "server-error", "not-found", "status"}[o]
}

// classify reads an attempt: its response or transport error.
func classify(ctx context.Context, resp *response, err error, stalled bool) outcome {
	switch {
	case err != nil && (ctx.Err() != nil || errors.Is(err, ErrTooLarge)):
		return outFatal
	case err != nil && stalled:
		return outStalled
	case err != nil && notSent(err):
		return outUnsent
	case err != nil:
		return outLost
	case resp.status >= 200 && resp.status < 300:
		return outOK
	}
	switch resp.status {
	case http.StatusTooManyRequests:
		return outTooMany
	case http.StatusServiceUnavailable:
		return outUnavailable
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return outServerError
	case http.StatusNotFound:
		return outNotFound
	}
	return outStatus
}

// action is what the client does after an attempt.
type action struct {
	success  bool // hand the response back as the answer
	retry    bool // send the request again
	failover bool // the connection is failing: later requests use the next one
	pause    bool // hold every request to the service until Retry-After (or a backoff)
	// pauseConn holds this connection until its Retry-After, if it sent one.
	pauseConn bool
	// budget: the attempt counts against MaxRetries. A 429 with a
	// Retry-After does not: it is bounded by the time waited instead
	// (MaxRateLimitWait), so a rate-limited sync slows down but completes.
	budget  bool
	arrived bool // the server may have acted on the request
}

// policy is the retry policy. mode says whether the request may be sent
// twice; isDelete and mayHaveArrived let a 404 after a DELETE that may
// already have been carried out count as done; retryAfter says the response
// named a pause.
func policy(o outcome, mode retryMode, isDelete, mayHaveArrived, retryAfter bool) action {
	idem := mode == retryIdempotent
	switch o {
	case outOK:
		return action{success: true}
	case outLost, outStalled:
		return action{retry: idem, failover: true, budget: true, arrived: true}
	case outUnsent:
		return action{retry: true, failover: true, budget: true}
	case outTooMany:
		// Refused, so even a create can be resent. Not a dead connection:
		// the limit covers the whole server, so the pause is waited out on
		// the connection that works.
		return action{retry: true, pause: true, budget: !retryAfter}
	case outUnavailable:
		return action{retry: idem, failover: true, pauseConn: retryAfter, budget: true}
	case outServerError:
		return action{retry: idem, budget: true, arrived: true}
	case outNotFound:
		// An earlier attempt probably deleted it.
		return action{success: isDelete && mayHaveArrived}
	}
	return action{}
}
