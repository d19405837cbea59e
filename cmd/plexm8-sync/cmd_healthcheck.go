package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHealthURL is where the container image's `run --http` listens; the
// Dockerfile's HEALTHCHECK relies on the two agreeing.
const defaultHealthURL = "http://127.0.0.1:8080/healthz"

// errUnhealthy is a health endpoint that answered, but not with 200.
var errUnhealthy = errors.New("unhealthy")

func healthcheckCommand() *command {
	return &command{
		name:    "healthcheck",
		args:    "[--url URL] [--timeout D]",
		summary: "ask a running daemon's /healthz whether it is healthy (for containers)",
		help: `Fetches the /healthz endpoint of a daemon started with 'run --http ADDR' and
exits 0 when it answers 200, 1 otherwise (not reachable, or 503 with the reason
it gives). It exists for container images, which have no curl: the image's
HEALTHCHECK runs this command. Plain http is allowed only to a loopback host.

Examples:
  plexm8-sync healthcheck
  plexm8-sync healthcheck --url http://127.0.0.1:9090/healthz`,
		setup: func(fs *flag.FlagSet) runFunc {
			rawURL := fs.String("url", defaultHealthURL, "health endpoint `URL`")
			timeout := fs.Duration("timeout", 5*time.Second, "give up after this `duration`")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("healthcheck takes no arguments (did you mean --url %s?)", args[0])
				}
				u, err := healthURL(*rawURL)
				if err != nil {
					return err
				}
				if *timeout <= 0 {
					return usageErrorf("--timeout must be above 0, such as 5s")
				}
				ctx, cancel := context.WithTimeout(ctx, *timeout)
				defer cancel()
				status, err := checkHealth(ctx, u)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "healthy: %s\n", status)
				return nil
			}
		},
	}
}

// healthURL checks the --url value; http must stay on this machine because
// nothing secret is sent, but a health answer from elsewhere could be forged.
func healthURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, usageErrorf("--url %q is not an absolute URL such as %s", raw, defaultHealthURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, usageErrorf("--url %q uses plain http to a host that is not loopback: use https or 127.0.0.1", raw)
		}
	default:
		return nil, usageErrorf("--url %q: scheme must be http or https", raw)
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkHealth returns the endpoint's answer when it is 200, and an error
// carrying the start of the body (the daemon's JSON reason) otherwise.
func checkHealth(ctx context.Context, u *url.URL) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("healthcheck %s: %w", u.Redacted(), err)
	}
	// No proxy: the endpoint is local, and a proxy from the environment
	// would answer for it.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("healthcheck %s: %w (is 'plexm8-sync run --http' running there?)", u.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512))
	if err != nil {
		return "", fmt.Errorf("healthcheck %s: read answer: %w", u.Redacted(), err)
	}
	reason := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		if reason == "" {
			reason = "(no body)"
		}
		return "", fmt.Errorf("healthcheck %s: %w: %s: %s", u.Redacted(), errUnhealthy, resp.Status, reason)
	}
	if reason == "" {
		reason = resp.Status
	}
	return reason, nil
}
