package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The demo runs its fake Plex on the wall clock: the sign-in link expires
// half an hour from now and the run table shows today, not a frozen date.
func TestDemoShowsWallClockTimes(t *testing.T) {
	before := time.Now()
	r := run(t, nil, "demo", "--tracks", "50")
	after := time.Now()
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`The link expires at ([0-9]{2}:[0-9]{2}):[0-9]{2} `).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no expiry in the login message:\n%s", r.stdout)
	}
	ok := false
	for at := before.Add(29 * time.Minute).Truncate(time.Minute); !at.After(after.Add(31 * time.Minute)); at = at.Add(time.Minute) {
		ok = ok || at.Local().Format("15:04") == m[1]
	}
	if !ok {
		t.Errorf("the link expires at %s, want about %s", m[1], before.Add(30*time.Minute).Local().Format("15:04"))
	}
	i := strings.Index(r.stdout, "Recent syncs")
	if i < 0 {
		t.Fatalf("no run table:\n%s", r.stdout)
	}
	table := r.stdout[i:]
	if !strings.Contains(table, before.Local().Format("2006-01-02")) && !strings.Contains(table, after.Local().Format("2006-01-02")) {
		t.Errorf("the run table does not show today:\n%s", table)
	}
	if strings.Contains(r.stdout, "2025-") {
		t.Errorf("the demo shows a frozen 2025 date:\n%s", r.stdout)
	}
}
