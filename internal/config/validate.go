package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"auto", "text", "json"}
)

// validate checks ranges and formats after decoding; decoding already
// reported wrong types and left those fields at their (valid) defaults.
func (c *Config) validate(ps *problems) {
	if c.StateDir == "" {
		ps.at("state_dir", "state_dir: no default is available because the home directory is unknown ($HOME is not set); set state_dir")
	}

	p := &c.Plex
	p.TVURL = checkAPIURL(ps, "plex.tv_url", p.TVURL)
	p.ClientsURL = checkAPIURL(ps, "plex.clients_url", p.ClientsURL)
	if p.PageSize < minPageSize || p.PageSize > maxPageSize {
		ps.at("plex.page_size", "plex.page_size: %d is out of range; allowed %d to %d", p.PageSize, minPageSize, maxPageSize)
	}
	if !(p.RequestsPerSecond >= 0) || math.IsInf(p.RequestsPerSecond, 0) {
		ps.at("plex.requests_per_second", "plex.requests_per_second: %v is out of range; allowed 0 (no cap) or any finite number greater than 0, such as 10 or 0.5", p.RequestsPerSecond)
	}
	if p.Concurrency < minConcurrency || p.Concurrency > maxConcurrency {
		ps.at("plex.concurrency", "plex.concurrency: %d is out of range; allowed %d to %d", p.Concurrency, minConcurrency, maxConcurrency)
	}
	for i, s := range p.Servers {
		if strings.TrimSpace(s) == "" {
			key := fmt.Sprintf("plex.servers[%d]", i)
			ps.at(key, "%s: empty server name; give a server name or machine identifier, or remove the entry", key)
		}
	}
	for name, raw := range p.Connections {
		key := childKey("plex.connections", name)
		if strings.TrimSpace(name) == "" {
			ps.at(key, "%s: empty server name; give a server name or machine identifier", key)
		}
		if u, msg := checkBaseURL(raw); msg != "" {
			ps.at(key, "%s: %s", key, msg)
		} else {
			p.Connections[name] = u
		}
	}

	if c.History.KeepVersions < 0 {
		ps.at("history.keep_versions", "history.keep_versions: %d is out of range; allowed 0 (keep every version) or more", c.History.KeepVersions)
	}
	if c.Backup.Keep < minBackupKeep {
		ps.at("backup.keep", "backup.keep: %d is out of range; allowed %d or more", c.Backup.Keep, minBackupKeep)
	}

	c.Log.Level = checkChoice(ps, "log.level", c.Log.Level, logLevels)
	c.Log.Format = checkChoice(ps, "log.format", c.Log.Format, logFormats)

	c.Schedule.check(ps)
}

// checkChoice validates a case-insensitive keyword and returns it lowered.
func checkChoice(ps *problems, key, v string, allowed []string) string {
	lv := strings.ToLower(strings.TrimSpace(v))
	if !slices.Contains(allowed, lv) {
		ps.at(key, "%s: %q is not allowed; use one of %s", key, v, strings.Join(allowed, ", "))
		return v
	}
	return lv
}

// checkAPIURL validates a plex.tv base URL: the token travels in a header
// to it, so plain http is allowed only where nothing leaves the machine.
func checkAPIURL(ps *problems, key, raw string) string {
	u, msg := checkBaseURL(raw)
	if msg != "" {
		ps.at(key, "%s: %s", key, msg)
		return raw
	}
	parsed, _ := url.Parse(u)
	if parsed.Scheme == "http" && !isLoopback(parsed.Hostname()) {
		ps.at(key, "%s: %q must use https; http is allowed only for a loopback host (127.0.0.1, [::1], localhost)", key, raw)
	}
	return u
}

// checkBaseURL accepts an absolute http(s) URL without credentials, query
// or fragment and returns it without a trailing slash, so that clients can
// append paths. msg is non-empty when the URL is unusable; it never repeats
// a query string or password, where a token might hide.
func checkBaseURL(raw string) (normalized, msg string) {
	s := strings.TrimSpace(raw)
	shown := strconv.Quote(withoutQuery(s))
	u, err := url.Parse(s)
	if err != nil {
		reason := err.Error()
		if ue, ok := err.(*url.Error); ok {
			reason = ue.Err.Error() // the bare reason, without the input
		}
		return "", fmt.Sprintf("%s is not a valid URL (%s); write it like https://host:32400", shown, reason)
	}
	if u.User != nil {
		u.User = url.UserPassword("xxxxx", "xxxxx")
		return "", fmt.Sprintf("%s contains a user name or password; remove them, credentials never go in URLs", strconv.Quote(withoutQuery(u.String())))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Sprintf("%s must start with https:// or http://", shown)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Sprintf("%s has no host; write it like https://host:32400", shown)
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Sprintf("%s has a query string; remove everything from \"?\" on (the token is sent as a header, never in the URL)", shown)
	case u.Fragment != "":
		return "", fmt.Sprintf("%s has a fragment; remove everything from \"#\" on", shown)
	}
	return strings.TrimRight(s, "/"), ""
}

// withoutQuery cuts a URL at its query or fragment for display.
func withoutQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
