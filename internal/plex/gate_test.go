package plex

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// A request already waiting in the pacer when a 429 arrives must not go
// out when its slot comes: the pause is looked at again.
func TestPacedRequestWaitsOutAPauseThatCameMeanwhile(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	var ct *clockTransport
	c, clk := testClient(t, func(o *Options) {
		o.RequestsPerSecond = 10
		o.MaxRetryWait = time.Minute
		ct = &clockTransport{clk: o.Clock.(*FakeClock)}
		o.Transport = ct
	})
	s := c.Server(p.resource(), "")
	ctx := context.Background()
	if _, err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var pauseEnd time.Time
	var once atomic.Bool
	clk.OnSleep = func(d time.Duration) {
		// The request sleeps for its pacer slot (100 ms); meanwhile another
		// request to the server is answered 429 with Retry-After: 1.
		if once.CompareAndSwap(false, true) {
			now := clk.Now()
			pauseEnd = now.Add(time.Second)
			s.gate().pause(now, pauseEnd)
		}
	}
	if _, err := s.Sections(ctx); err != nil {
		t.Fatal(err)
	}
	for _, l := range ct.log() {
		if l.path == "/library/sections" && l.at.Before(pauseEnd) {
			t.Errorf("sent at %v, inside the pause that ends at %v", l.at, pauseEnd)
		}
	}
	if sl := clk.Sleeps(); len(sl) != 2 || sl[0] != 100*time.Millisecond || sl[1] != 900*time.Millisecond {
		t.Errorf("sleeps %v, want the pacer's 100ms and then the rest of the pause, 900ms", sl)
	}
}

// A request queued for a concurrency slot when the request holding it gets
// a 429 must wait the pause out too.
func TestQueuedRequestWaitsOutThePauseOfTheOneAhead(t *testing.T) {
	release, arrived := make(chan struct{}), make(chan struct{})
	var n atomic.Int32
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			close(arrived)
			<-release
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	var ct *clockTransport
	c, _ := testClient(t, func(o *Options) {
		o.MaxConcurrency, o.FixedConcurrency = 1, true
		o.MaxRetryWait = time.Minute
		ct = &clockTransport{clk: o.Clock.(*FakeClock)}
		o.Transport = ct
	})
	s := c.Server(p.resource(), "")
	ctx := context.Background()
	if _, err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	aDone := make(chan error, 1)
	go func() { _, err := s.Sections(ctx); aDone <- err }()
	<-arrived
	queued := make(chan struct{})
	var qonce atomic.Bool
	g := s.gate()
	g.mu.Lock()
	g.onQueue = func() {
		if qonce.CompareAndSwap(false, true) {
			close(queued)
		}
	}
	g.mu.Unlock()
	bDone := make(chan error, 1)
	go func() { _, err := s.Count(ctx, SectionItems("1", TypeTrack)); bDone <- err }()
	<-queued
	close(release)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	var t429 time.Time
	for _, l := range ct.log() {
		if l.status == http.StatusTooManyRequests {
			t429 = l.doneAt
		}
	}
	for _, l := range ct.log() {
		if l.path != "/identity" && l.status != http.StatusTooManyRequests && l.at.Before(t429.Add(2*time.Second)) {
			t.Errorf("%s sent at %v, inside the pause from %v", l.path, l.at, t429)
		}
	}
	if st := c.Stats(); st.RateLimited != 1 || st.Paused != 2*time.Second {
		t.Errorf("stats %+v, want one 429 and 2s of pause", st)
	}
}
