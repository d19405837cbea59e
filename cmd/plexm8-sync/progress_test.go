package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	cases := []struct {
		done, total int
		elapsed     time.Duration
		bar         bool
		want        string
	}{
		{0, 1000, 0, true, "tracks [                        ] 0/1,000"},
		{500, 1000, time.Second, true, "tracks [============            ] 500/1,000 500/s ETA 1s"},
		{1234567, 1234567, 10 * time.Second, false, "tracks 1,234,567/1,234,567 123,456/s"},
		{5, 0, time.Second, true, "tracks 5/0 5/s"},
	}
	for _, c := range cases {
		if got := progressLine("tracks", c.done, c.total, c.elapsed, c.bar); got != c.want {
			t.Errorf("progressLine(%d/%d, %v) = %q, want %q", c.done, c.total, c.elapsed, got, c.want)
		}
	}
}

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestTermProgressRedrawsAtMostEvery100ms(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0), step: 10 * time.Millisecond}
	p := &termProgress{w: &buf, now: clk.now}
	p.Start("tracks", 100)
	for range 100 {
		p.Add(1)
	}
	p.Finish()
	out := buf.String()
	draws := strings.Count(out, "\r")
	// 100 updates 10 ms apart: about one draw per 100 ms, plus start and finish.
	if draws < 5 || draws > 15 {
		t.Fatalf("%d redraws for 100 updates over 1 s", draws)
	}
	if last := out[strings.LastIndex(out, "\r"):]; !strings.Contains(last, "] 100/100 ") || !strings.HasSuffix(last, "/s\n") {
		t.Fatalf("final line = %q", out[strings.LastIndex(out, "\r"):])
	}
}

func TestLogProgressReportsStartIntervalAndEnd(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0), step: time.Second}
	p := &logProgress{log: slog.New(slog.NewTextHandler(&buf, nil)), now: clk.now, interval: 10 * time.Second}
	p.Start("tracks", 100)
	for range 100 {
		p.Add(1)
	}
	p.Finish()
	out := buf.String()
	if strings.Count(out, "msg=started") != 1 || strings.Count(out, "msg=finished") != 1 {
		t.Fatalf("want one start and one finish line:\n%s", out)
	}
	if n := strings.Count(out, "msg=progress"); n < 8 || n > 11 {
		t.Fatalf("%d progress lines for 100 s at a 10 s interval:\n%s", n, out)
	}
	if !strings.Contains(out, "items=100") {
		t.Fatalf("finish line lacks the item count:\n%s", out)
	}
}
