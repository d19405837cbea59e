// Package plex is the HTTP client for plex.tv (sign-in, account, resources)
// and for Plex Media Servers (libraries, playlists). It speaks JSON only,
// knows nothing about storage, and absorbs the unpleasant parts of the real
// API: loosely typed values, connection choice, paging drift, rate limits,
// retries and token rotation.
//
// Tokens travel only in the X-Plex-Token header, never in a URL, so every
// URL the package logs or puts in an error is safe to show. A server's
// connections are probed without a token; the token is sent only once a
// connection has answered with the expected machineIdentifier.
//
// Retry policy (policy.go: classify an attempt, then act on the table).
// Each request has a budget of Options.MaxRetries retries.
// GET requests are idempotent and retried on transport errors (including a
// body cut short), 429, 500, 502, 503 and 504. Of the writes, moving a
// playlist item (PUT …/move) and the DELETEs are idempotent by nature and
// retried the same way; a DELETE that answers 404 after an earlier attempt's
// outcome was unknown counts as done. Creating a playlist (POST) and adding
// items (PUT …/items?uri=) are not idempotent: they are retried only when the
// server certainly did not act (the connection was refused, or it answered
// 429), never after the request may have reached it. 400, 401 (after the
// token refresh below), 403 and 404 are never retried.
//
// Waiting. 429 and 503 honour Retry-After (seconds or an HTTP-date, relative
// to the injected Clock); without it, or when it is garbage or in the past,
// the wait is capped exponential backoff with full jitter. A 429 pauses every
// request to that service (plex.tv, or a server on all of its connections)
// until the wait is over, not just the retried one: nothing that is not yet
// on the wire is sent before, whatever it was waiting on (gate.go). A 429
// with a Retry-After does not use the retry budget; Options.MaxRateLimitWait
// bounds the pauses one request waits out. A single wait longer than
// Options.MaxRetryWait is not attempted: the request fails with
// ErrRateLimited, and the next run tries again.
//
// Load. Requests to a media server are limited by an adaptive concurrency
// limit (limiter.go) bounded by Options.MaxConcurrency, and optionally by a
// hard rate cap; plex.tv is paced.
//
// Failover. A transport error, a stall (no answer within a multiple of the
// latency seen on that connection, stall.go) or a 503 from a server's
// connection moves the server to its next working connection at once (no
// wait); when none is left, the next request probes every connection again.
// A 429 does not: the limit covers the whole server.
//
// Tokens. plex.tv answering 401 (or 422 "Invalid token") is ErrUnauthorized
// at once. A server answering 401 gets one fresh token from the token source
// (see Server.SetTokenSource) and one more try; then ErrUnauthorized.
package plex
