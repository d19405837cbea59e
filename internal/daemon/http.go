package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// ErrRemoteHTTP is matched by CheckHTTPAddr's error for an address that
// listens beyond this machine without the explicit permission.
var ErrRemoteHTTP = errors.New("non-loopback --http address")

// CheckHTTPAddr accepts host:port addresses on a loopback host; any other
// (including ":9090", every interface) only when allowRemote is set, since
// the endpoints have no authentication.
func CheckHTTPAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--http %q: want host:port, as in 127.0.0.1:9090: %w", addr, err)
	}
	if allowRemote {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: --http %s would serve /metrics and /healthz beyond this machine, without authentication; use 127.0.0.1:PORT, or add --http-allow-remote if that is what you want", ErrRemoteHTTP, addr)
}

// Handler serves /healthz and /metrics. Neither ever shows a token: health
// carries states and messages, and the metrics only counts.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := d.Health()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if h.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
	mux.Handle("GET /metrics", d.metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "plexm8-sync serves /healthz and /metrics", http.StatusNotFound)
	})
	return mux
}
