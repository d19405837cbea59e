package plex

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Identity describes this client to Plex. It is sent as X-Plex-* headers on
// every request; Product is what users see under "Authorized Devices".
type Identity struct {
	Product, Version, ClientID, Platform, PlatformVersion, Device, DeviceName string
}

// Options configures a Client. Zero values mean the documented defaults.
type Options struct {
	// TVURL and ClientsURL are whole prefixes of the plex.tv v2 API, e.g.
	// https://plex.tv/api/v2. Defaults: https://plex.tv/api/v2 and
	// https://clients.plex.tv/api/v2.
	TVURL, ClientsURL string
	Identity          Identity
	// RequestsPerSecond paces requests per host (scheme+host+port); 0 means
	// unlimited.
	RequestsPerSecond float64
	// MaxRetries is the retry budget of one request (default 5; negative
	// means none).
	MaxRetries int
	// MaxRetryWait caps one backoff wait (default 2m). A Retry-After longer
	// than this abandons the request with ErrRateLimited instead.
	MaxRetryWait time.Duration
	// Timeout bounds one attempt of a request, body included (default 60s).
	Timeout time.Duration
	// ProbeTimeout bounds one connection probe (default 3s).
	ProbeTimeout time.Duration
	// MaxResponseBytes bounds a response body (default 512 MiB).
	MaxResponseBytes int64
	// RootCAs, when set, replaces the system roots for TLS verification (an
	// x509.CertPool cannot be merged; to add roots, start from
	// x509.SystemCertPool). Verification is always on.
	RootCAs *x509.CertPool
	// Transport replaces the default tuned transport (tests).
	Transport http.RoundTripper
	// Clock defaults to the real clock.
	Clock Clock
	// Logger gets one debug line per request; nil discards.
	Logger *slog.Logger
}

const (
	defaultTVURL      = "https://plex.tv/api/v2"
	defaultClientsURL = "https://clients.plex.tv/api/v2"
)

// Client talks to plex.tv and, through Server values, to media servers. It
// is safe for concurrent use.
type Client struct {
	tvURL, clientsURL string
	id                Identity
	hc                *http.Client
	clock             Clock
	log               *slog.Logger
	rps               float64
	maxRetries        int
	maxWait           time.Duration
	timeout           time.Duration
	probeTimeout      time.Duration
	maxBytes          int64

	gatesMu sync.Mutex
	gates   map[string]*hostGate

	requests, retries, rateLimited atomic.Int64
}

// Stats are cumulative counters of a Client.
type Stats struct {
	Requests int64 // HTTP attempts, probes and retries included
	Retries  int64 // attempts after the first of a request
	// RateLimited counts 429 answers, for the daemon's metrics.
	RateLimited int64
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Retries: c.retries.Load(), RateLimited: c.rateLimited.Load()}
}

// New validates o and builds a Client. Plex URLs must be https; plain http
// is accepted only for loopback hosts (tests, a local fake).
func New(o Options) (*Client, error) {
	c := &Client{
		tvURL:        o.TVURL,
		clientsURL:   o.ClientsURL,
		id:           o.Identity,
		clock:        o.Clock,
		log:          o.Logger,
		rps:          o.RequestsPerSecond,
		maxRetries:   o.MaxRetries,
		maxWait:      o.MaxRetryWait,
		timeout:      o.Timeout,
		probeTimeout: o.ProbeTimeout,
		maxBytes:     o.MaxResponseBytes,
		gates:        map[string]*hostGate{},
	}
	if c.tvURL == "" {
		c.tvURL = defaultTVURL
	}
	if c.clientsURL == "" {
		c.clientsURL = defaultClientsURL
	}
	var err error
	if c.tvURL, err = checkBaseURL("TVURL", c.tvURL); err != nil {
		return nil, err
	}
	if c.clientsURL, err = checkBaseURL("ClientsURL", c.clientsURL); err != nil {
		return nil, err
	}
	if err := checkIdentity(o.Identity); err != nil {
		return nil, err
	}
	if c.rps < 0 {
		return nil, fmt.Errorf("plex: RequestsPerSecond %v is negative: use 0 for unlimited", c.rps)
	}
	if c.maxRetries == 0 {
		c.maxRetries = 5
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = 2 * time.Minute
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	if c.probeTimeout <= 0 {
		c.probeTimeout = 3 * time.Second
	}
	if c.maxBytes <= 0 {
		c.maxBytes = 512 << 20
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	rt := o.Transport
	if rt == nil {
		rt = newTransport(o.RootCAs, c.timeout)
	}
	c.hc = &http.Client{
		Transport: rt,
		// A redirect would carry X-Plex-Token (a custom header Go does not
		// strip) to wherever it points; Plex APIs do not redirect, so any 3xx
		// is reported as a status instead of followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

func newTransport(roots *x509.CertPool, timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		// PMS builds a whole page before sending headers, so the header wait
		// may use the whole attempt budget.
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
	}
}

func checkIdentity(id Identity) error {
	if strings.TrimSpace(id.ClientID) == "" {
		return errors.New("plex: Identity.ClientID is empty: load it with LoadOrCreateClientID")
	}
	for name, v := range map[string]string{
		"Product": id.Product, "Version": id.Version, "ClientID": id.ClientID, "Platform": id.Platform,
		"PlatformVersion": id.PlatformVersion, "Device": id.Device, "DeviceName": id.DeviceName,
	} {
		if !validHeaderValue(v) {
			return fmt.Errorf("plex: Identity.%s %q holds characters not allowed in an HTTP header", name, v)
		}
	}
	return nil
}

// checkBaseURL validates a configured URL prefix and returns it without a
// trailing slash.
func checkBaseURL(what, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("plex: %s %q is not a URL: %w", what, raw, err)
	}
	if err := checkScheme(u, false); err != nil {
		return "", fmt.Errorf("plex: %s: %w", what, err)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("plex: %s %q must not have a query or fragment", what, redactURL(u))
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkScheme allows https anywhere and http only to loopback hosts, or to
// any host when plainOK (a connection plex.tv marked local).
func checkScheme(u *url.URL, plainOK bool) error {
	if u.User != nil {
		return fmt.Errorf("%q must not carry credentials", redactURL(u))
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", redactURL(u))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if plainOK || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q uses plain http to a host that is not loopback: use https", redactURL(u))
	}
	return fmt.Errorf("%q: scheme must be https", redactURL(u))
}

// isLoopback reports whether host is 127.0.0.0/8, ::1 or localhost. It
// never resolves names: "localhost" is trusted by name.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL renders u without userinfo or an X-Plex-Token query value, for
// errors and logs.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if strings.EqualFold(k, "X-Plex-Token") {
				q.Set(k, "REDACTED")
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// validHeaderValue rejects control characters (CR, LF, NUL...), which
// net/http refuses to send; UTF-8 is fine (X-Plex-Device-Name often has it).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}
