package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	var unhealthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if unhealthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unhealthy","reason":"token rejected"}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()

	r := run(t, nil, "healthcheck", "--url", srv.URL+"/healthz")
	if r.code != 0 || !strings.Contains(r.stdout, `"ok"`) {
		t.Fatalf("healthy endpoint: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	unhealthy.Store(true)
	r = run(t, nil, "healthcheck", "--url", srv.URL+"/healthz")
	if r.code != 1 || !strings.Contains(r.stderr, "503") || !strings.Contains(r.stderr, "token rejected") {
		t.Fatalf("unhealthy endpoint: exit %d, stderr %q", r.code, r.stderr)
	}

	r = run(t, nil, "healthcheck", "--url", srv.URL+"/nope")
	if r.code != 1 || !strings.Contains(r.stderr, "404") {
		t.Fatalf("wrong path: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestHealthcheckNothingListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the port is now free, so the connection is refused
	r := run(t, nil, "healthcheck", "--url", "http://"+addr+"/healthz")
	if r.code != 1 || !strings.Contains(r.stderr, "run --http") {
		t.Fatalf("nothing listening: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestHealthcheckRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1/healthz", "ftp://127.0.0.1/healthz", "/healthz", "::"} {
		r := run(t, nil, "healthcheck", "--url", u)
		if r.code != 2 {
			t.Errorf("--url %q: exit %d, want 2 (usage); stderr %q", u, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "healthcheck", "--timeout", "0s"); r.code != 2 {
		t.Errorf("--timeout 0s: exit %d, want 2", r.code)
	}
}
