package plex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	live := context.Background()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	resp := func(st int) *response { return &response{status: st} }
	reset := &requestError{Err: syscall.ECONNRESET}
	cases := []struct {
		name    string
		ctx     context.Context
		resp    *response
		err     error
		stalled bool
		want    outcome
	}{
		{"200", live, resp(200), nil, false, outOK},
		{"201", live, resp(201), nil, false, outOK},
		{"429", live, resp(429), nil, false, outTooMany},
		{"503", live, resp(503), nil, false, outUnavailable},
		{"500", live, resp(500), nil, false, outServerError},
		{"502", live, resp(502), nil, false, outServerError},
		{"504", live, resp(504), nil, false, outServerError},
		{"404", live, resp(404), nil, false, outNotFound},
		{"401", live, resp(401), nil, false, outStatus},
		{"400", live, resp(400), nil, false, outStatus},
		{"reset", live, nil, reset, false, outLost},
		{"body cut short", live, nil, &requestError{Err: fmt.Errorf("read body: %w", io.ErrUnexpectedEOF)}, false, outLost},
		{"refused", live, nil, &requestError{Err: syscall.ECONNREFUSED}, false, outUnsent},
		{"dial", live, nil, &requestError{Err: &net.OpError{Op: "dial", Err: errors.New("no route")}}, false, outUnsent},
		{"stalled", live, nil, &requestError{Err: context.DeadlineExceeded}, true, outStalled},
		{"too large", live, nil, fmt.Errorf("x: %w", ErrTooLarge), false, outFatal},
		{"caller gone", gone, nil, reset, false, outFatal},
		{"caller gone while stalled", gone, nil, reset, true, outFatal},
	}
	for _, cs := range cases {
		if got := classify(cs.ctx, cs.resp, cs.err, cs.stalled); got != cs.want {
			t.Errorf("%s: %v, want %v", cs.name, got, cs.want)
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	type in struct {
		o                   outcome
		mode                retryMode
		del, arrived, hasRA bool
	}
	I, U := retryIdempotent, retryUnsent
	cases := []struct {
		in   in
		want action
	}{
		{in{o: outOK, mode: I}, action{success: true}},
		{in{o: outOK, mode: U}, action{success: true}},
		// Lost on the way: only what may be sent twice is, and the
		// connection is left.
		{in{o: outLost, mode: I}, action{retry: true, failover: true, budget: true, arrived: true}},
		{in{o: outLost, mode: U}, action{failover: true, budget: true, arrived: true}},
		{in{o: outStalled, mode: I}, action{retry: true, failover: true, budget: true, arrived: true}},
		{in{o: outStalled, mode: U}, action{failover: true, budget: true, arrived: true}},
		// Never arrived: even a create is resent.
		{in{o: outUnsent, mode: U}, action{retry: true, failover: true, budget: true}},
		// 429: refused, so always resent; a pause for the whole service; no
		// failover; with a Retry-After it does not use the retry budget.
		{in{o: outTooMany, mode: U, hasRA: true}, action{retry: true, pause: true}},
		{in{o: outTooMany, mode: I, hasRA: true}, action{retry: true, pause: true}},
		{in{o: outTooMany, mode: I}, action{retry: true, pause: true, budget: true}},
		// 503: this connection; its Retry-After pauses it.
		{in{o: outUnavailable, mode: I, hasRA: true}, action{retry: true, failover: true, pauseConn: true, budget: true}},
		{in{o: outUnavailable, mode: I}, action{retry: true, failover: true, budget: true}},
		{in{o: outUnavailable, mode: U, hasRA: true}, action{failover: true, pauseConn: true, budget: true}},
		{in{o: outServerError, mode: I}, action{retry: true, budget: true, arrived: true}},
		{in{o: outServerError, mode: U}, action{budget: true, arrived: true}},
		// 404 after a DELETE that may have arrived: done.
		{in{o: outNotFound, mode: I, del: true, arrived: true}, action{success: true}},
		{in{o: outNotFound, mode: I, del: true}, action{}},
		{in{o: outNotFound, mode: I, arrived: true}, action{}},
		{in{o: outStatus, mode: I}, action{}},
		{in{o: outFatal, mode: I}, action{}},
	}
	for _, cs := range cases {
		got := policy(cs.in.o, cs.in.mode, cs.in.del, cs.in.arrived, cs.in.hasRA)
		if got != cs.want {
			t.Errorf("%+v (%v):\n got %+v\nwant %+v", cs.in, cs.in.o, got, cs.want)
		}
	}
	// Every outcome is covered by the table.
	seen := map[outcome]bool{}
	for _, cs := range cases {
		seen[cs.in.o] = true
	}
	for o := outOK; o <= outStatus; o++ {
		if !seen[o] {
			t.Errorf("outcome %v has no row", o)
		}
	}
}
