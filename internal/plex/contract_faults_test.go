package plex_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

func TestContract429HoldsBackTheWholeHost(t *testing.T) {
	cases := []struct {
		name, retryAfter string
		want             time.Duration // 0: a backoff, not a fixed wait
	}{
		{"delta-seconds", "30", 30 * time.Second},
		{"http-date", clockStart.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second},
		{"none", "", 0},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			e := newEnv(t, plextest.Options{}, true, func(o *plex.Options) { o.MaxRetryWait = time.Minute })
			owned := e.f.Owned()
			s := e.server(t, owned)
			e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections", Status: http.StatusTooManyRequests,
				RetryAfter: cs.retryAfter, Times: 1})

			// A hits the 429. While A sleeps it out, B is issued to the
			// same host; B must sleep too and only then be sent.
			var sleeps atomic.Int32
			bSleeping := make(chan struct{})
			bDone := make(chan error, 1)
			e.clock.OnSleep = func(time.Duration) {
				switch sleeps.Add(1) {
				case 1:
					go func() {
						_, err := s.Count(context.Background(), plex.SectionItems("1", plex.TypeTrack))
						bDone <- err
					}()
					<-bSleeping
				case 2:
					// B is now waiting out the pause: it must not have been
					// sent before.
					if n := len(fakeRequests(e.f, owned.MachineID(), "/library/sections/1/all")); n != 0 {
						t.Errorf("B reached the server before waiting")
					}
					close(bSleeping)
				}
			}
			if _, err := s.Sections(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := <-bDone; err != nil {
				t.Fatal(err)
			}

			sl := e.clock.Sleeps()
			if len(sl) != 2 {
				t.Fatalf("sleeps %v: want A's and B's", sl)
			}
			if cs.want != 0 && (sl[0] != cs.want || sl[1] != cs.want) {
				t.Errorf("sleeps %v, want Retry-After %v for both", sl, cs.want)
			}
			if cs.want == 0 && (sl[0] <= 0 || sl[0] > time.Second || sl[1] != sl[0]) {
				t.Errorf("sleeps %v, want one backoff shared by both", sl)
			}
			var t429 time.Time
			for _, l := range e.sent.all() {
				if l.status == http.StatusTooManyRequests {
					t429 = l.done
				}
			}
			if t429.IsZero() {
				t.Fatal("the 429 never came back")
			}
			resumeAt := t429.Add(sl[0])
			later := 0
			for _, l := range e.sent.all() {
				if l.status == http.StatusTooManyRequests || l.path == "/identity" || l.host != strings.TrimPrefix(owned.URL("local"), "http://") {
					continue
				}
				later++
				if l.at.Before(resumeAt) {
					t.Errorf("%s sent at %v, before %v (429 at %v + %v)", l.path, l.at, resumeAt, t429, sl[0])
				}
			}
			if later != 2 {
				t.Errorf("%d requests after the 429, want A's retry and B", later)
			}
		})
	}
}

func TestContractRotatedServerToken(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	ctx := context.Background()

	t.Run("refresh succeeds", func(t *testing.T) {
		s := e.server(t, owned)
		owned.RotateToken()
		e.f.ResetRequests()
		if _, err := s.Sections(ctx); err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, r := range e.f.Requests() {
			seq = append(seq, r.Path+" "+http.StatusText(r.Status))
		}
		want := "[/library/sections Unauthorized /api/v2/resources OK /library/sections OK]"
		if got := strings.Join([]string{"[", strings.Join(seq, " "), "]"}, ""); got != want {
			t.Errorf("requests %s, want %s", got, want)
		}
		if !s.Resource().AccessToken.Equal(secret.New(owned.AccessToken())) {
			t.Error("new token not kept")
		}
	})
	t.Run("refresh yields the same token", func(t *testing.T) {
		res := e.resource(t, owned)
		s := e.c.Server(res, "")
		stale := res.AccessToken
		var calls atomic.Int32
		s.SetTokenSource(func(context.Context) (secret.Value, error) { calls.Add(1); return stale, nil })
		owned.RotateToken()
		_, err := s.Sections(ctx)
		if !errors.Is(err, plex.ErrUnauthorized) || calls.Load() != 1 {
			t.Errorf("got %v after %d refreshes", err, calls.Load())
		}
	})
	t.Run("refresh yields an invalid token", func(t *testing.T) {
		s := e.c.Server(e.resource(t, owned), "")
		var calls atomic.Int32
		s.SetTokenSource(func(context.Context) (secret.Value, error) { calls.Add(1); return secret.New("bogus"), nil })
		owned.RotateToken()
		_, err := s.Sections(ctx)
		if !errors.Is(err, plex.ErrUnauthorized) || calls.Load() != 1 {
			t.Errorf("got %v after %d refreshes", err, calls.Load())
		}
		if strings.Contains(err.Error(), "bogus") {
			t.Error("token in the error")
		}
	})
	t.Run("account revoked too", func(t *testing.T) {
		s := e.server(t, owned)
		owned.RotateToken()
		e.f.RevokeAccountToken()
		_, err := s.Sections(ctx)
		if !errors.Is(err, plex.ErrUnauthorized) || plex.IsTransient(err) {
			t.Errorf("got %v", err)
		}
		e.tok = secret.New(e.f.AccountToken())
	})
}

func TestContractTruncatedBodyIsRetried(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections/1/all", Truncate: true, Times: 1})
	e.f.ResetRequests()
	p, err := s.Page(context.Background(), plex.SectionItems("1", plex.TypeTrack), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 50 {
		t.Errorf("%d items", len(p.Items))
	}
	if n := len(fakeRequests(e.f, owned.MachineID(), "/library/sections/1/all")); n != 2 {
		t.Errorf("%d requests, want the cut one and a retry", n)
	}
	if st := e.c.Stats(); st.Retries != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestContractMalformedBodyIsAnError(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections/1/all", Malformed: true})
	e.f.ResetRequests()
	_, err := s.Page(context.Background(), plex.SectionItems("1", plex.TypeTrack), 0, 50)
	var de *plex.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got %v", err)
	}
	if n := len(e.f.Requests()); n != 1 {
		t.Errorf("malformed body fetched %d times", n)
	}
}

func TestContractLatencyAndDeadline(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections", Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Sections(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !plex.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("returned %v after the deadline", d)
	}
}
