package plex

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clockTransport records the fake clock's time at which each request left.
type clockTransport struct {
	clk  *FakeClock
	mu   sync.Mutex
	sent []sentAt
}

type sentAt struct {
	path   string
	at     time.Time
	status int
	doneAt time.Time
}

func (ct *clockTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	at := ct.clk.Now()
	resp, err := http.DefaultTransport.RoundTrip(r)
	st := 0
	if err == nil {
		st = resp.StatusCode
	}
	ct.mu.Lock()
	ct.sent = append(ct.sent, sentAt{path: r.URL.Path, at: at, status: st, doneAt: ct.clk.Now()})
	ct.mu.Unlock()
	return resp, err
}

func (ct *clockTransport) log() []sentAt {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return append([]sentAt(nil), ct.sent...)
}

func Test429PausesEveryRequestToTheHost(t *testing.T) {
	for _, retryAfter := range []string{"30", ""} {
		t.Run("Retry-After="+retryAfter, func(t *testing.T) {
			var first atomic.Bool
			p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/library/sections" && first.CompareAndSwap(false, true) {
					if retryAfter != "" {
						w.Header().Set("Retry-After", retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, `{"MediaContainer":{"size":0,"totalSize":3}}`)
			})
			var ct *clockTransport
			c, clk := testClient(t, func(o *Options) {
				o.MaxRetryWait = time.Minute
				ct = &clockTransport{clk: o.Clock.(*FakeClock)}
				o.Transport = ct
			})
			s := c.Server(p.resource(), "")
			ctx := context.Background()
			if _, err := s.Connect(ctx); err != nil {
				t.Fatal(err)
			}

			// While A sleeps out the 429, B is issued to the same host; it
			// must sleep too, and only then be sent.
			var sleeps atomic.Int32
			bSleeping := make(chan struct{})
			bDone := make(chan error, 1)
			clk.OnSleep = func(time.Duration) {
				switch sleeps.Add(1) {
				case 1:
					go func() {
						_, err := s.Count(ctx, SectionItems("1", TypeTrack))
						bDone <- err
					}()
					<-bSleeping
				case 2:
					close(bSleeping)
				}
			}
			if _, err := s.Sections(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-bDone; err != nil {
				t.Fatal(err)
			}

			log := ct.log()
			var t429 time.Time
			for _, l := range log {
				if l.status == http.StatusTooManyRequests {
					t429 = l.doneAt
				}
			}
			if t429.IsZero() {
				t.Fatal("no 429 seen")
			}
			sl := clk.Sleeps()
			if len(sl) != 2 {
				t.Fatalf("sleeps %v, want one for A and one for B", sl)
			}
			if retryAfter != "" && (sl[0] != 30*time.Second || sl[1] != 30*time.Second) {
				t.Errorf("sleeps %v, want Retry-After (30s) each", sl)
			}
			if retryAfter == "" && (sl[0] <= 0 || sl[0] > 500*time.Millisecond || sl[1] != sl[0]) {
				t.Errorf("sleeps %v, want one backoff in (0, 500ms] shared by both", sl)
			}
			after := 0
			for _, l := range log {
				if l.path == "/identity" || l.status == http.StatusTooManyRequests {
					continue
				}
				after++
				if l.at.Before(t429.Add(sl[0])) {
					t.Errorf("%s sent at %v, before the pause ended at %v", l.path, l.at, t429.Add(sl[0]))
				}
			}
			if after != 2 {
				t.Errorf("%d requests after the 429, want A's retry and B", after)
			}
		})
	}
}

func TestRetryAfterLongerThanMaxWaitGivesUp(t *testing.T) {
	var n atomic.Int32
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, clk := testClient(t, func(o *Options) { o.MaxRetryWait = time.Minute })
	s := c.Server(p.resource(), "")
	_, err := s.Sections(context.Background())
	if !IsTransient(err) || err == nil {
		t.Fatalf("got %v", err)
	}
	// Another request to the host also refuses to wait an hour, without
	// being sent.
	_, err2 := s.Sections(context.Background())
	if err2 == nil || n.Load() != 1 || len(clk.Sleeps()) != 0 {
		t.Errorf("second request: %v; %d sent; sleeps %v", err2, n.Load(), clk.Sleeps())
	}
}
