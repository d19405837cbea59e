package sync_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

func plus(a, b mirror.Counts) mirror.Counts {
	return mirror.Counts{Added: a.Added + b.Added, Updated: a.Updated + b.Updated, Removed: a.Removed + b.Removed}
}

// all runs All over the fake's servers and returns what each was told.
func (e *env) all(ctx context.Context, want []string, full bool) (*mirror.AllResult, []*mirror.Result, error) {
	var seen []*mirror.Result
	res, err := e.syncer.All(ctx, secret.New(e.fake.AccountToken()), want, nil, full, func(r *mirror.Result) { seen = append(seen, r) })
	return res, seen, err
}

func TestAllSyncsEveryServerInTurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 41, Tracks: 90, SharedTracks: 20}, opts())
	res, seen, err := e.all(t.Context(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].ServerID != e.fake.Owned().MachineID() || seen[1].ServerID != e.fake.Shared().MachineID() {
		t.Fatalf("passes %v, want the owned server then the shared one", seen)
	}
	sum := plus(seen[0].Totals(), seen[1].Totals())
	if res.Servers != 2 || res.Done != 2 || res.Errors != nil || res.Unauthorized || res.Totals != sum || sum.Added == 0 {
		t.Errorf("result %+v, want both done and totals %+v", res, sum)
	}
	assertMirror(t, e.db, e.fake)

	// Only the servers asked for, by name or machine identifier.
	res, seen, err = e.all(t.Context(), []string{e.fake.Shared().Name()}, false)
	if err != nil || res.Servers != 1 || len(seen) != 1 || seen[0].ServerID != e.fake.Shared().MachineID() {
		t.Errorf("one server by name: %+v, %v, %v", res, seen, err)
	}
}

func TestAllGoesOnPastAFailedServer(t *testing.T) {
	t.Parallel()
	f, err := plextest.Start(plextest.Options{Seed: 42, Tracks: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	e := attachEnv(t, f, t.TempDir()+"/m.db", opts())
	f.Inject(plextest.Fault{Host: f.Owned().MachineID(), Path: "/identity", Status: http.StatusServiceUnavailable})
	res, seen, err := e.all(t.Context(), nil, false)
	if err == nil || len(res.Errors) != 1 || !errors.Is(err, res.Errors[0]) || res.Done != 1 || res.Servers != 2 || len(seen) != 2 || res.Unauthorized {
		t.Fatalf("one unreachable server: %+v, %v", res, err)
	}
	if seen[1].Err() != nil || res.Totals != plus(seen[0].Totals(), seen[1].Totals()) {
		t.Errorf("the reachable server after the failed one: %+v", res)
	}
}

func TestAllSaysWhenAServerRefusesTheToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 43, Tracks: 60}, opts())
	e.fake.Inject(plextest.Fault{Host: e.fake.Owned().MachineID(), Path: "/library/sections", Status: http.StatusUnauthorized})
	res, _, err := e.all(t.Context(), nil, false)
	if !errors.Is(err, plex.ErrUnauthorized) || !res.Unauthorized || res.Done != 1 {
		t.Errorf("a server answering 401: %+v, %v", res, err)
	}
}

func TestAllWhenTheServersCannotBeListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 44, Tracks: 30}, opts())
	tok := e.fake.AccountToken()
	e.fake.RevokeAccountToken()
	called := false
	res, err := e.syncer.All(t.Context(), secret.New(tok), nil, nil, false, func(*mirror.Result) { called = true })
	if res != nil || !errors.Is(err, plex.ErrUnauthorized) || called {
		t.Errorf("listing refused: %+v, %v, each called %v", res, err, called)
	}
}

// A cancelled context ends the loop at the pass it cut short: the servers
// after it are not started.
func TestAllStopsAtCancellation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 45, Tracks: 60}, opts())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e.fake.Inject(plextest.Fault{Host: e.fake.Owned().MachineID(), Path: "/library/sections", Times: 1, Before: cancel})
	res, seen, err := e.all(ctx, nil, false)
	if !errors.Is(err, context.Canceled) || len(seen) != 1 || len(res.Errors) != 1 || res.Done != 0 || res.Servers != 2 {
		t.Errorf("cancelled in the first pass: %+v, %d passes, %v", res, len(seen), err)
	}
}

// The daemon and the command build their Options from the config alike.
func TestConfigOptions(t *testing.T) {
	cfg := config.Default()
	cfg.Plex.PageSize, cfg.Plex.Concurrency, cfg.History.KeepVersions = 250, 5, 7
	var p progress
	o := mirror.ConfigOptions(cfg, nil, nil, &p)
	if o.PageSize != 250 || o.Concurrency != 5 || o.KeepVersions != 7 || o.Progress != &p {
		t.Errorf("options %+v", o)
	}
}
