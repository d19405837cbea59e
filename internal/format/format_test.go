package format

import (
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{5 << 20, "5.0 MiB"}, {5 << 30, "5.0 GiB"}, {3435973837, "3.2 GiB"}, {1 << 62, "4.0 EiB"},
	} {
		if got := Bytes(c.n); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"}, {-1234, "-1,234"}, {-123, "-123"},
	} {
		if got := Count(c.n); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestLength(t *testing.T) {
	for _, c := range []struct {
		ms   int64
		want string
	}{
		{0, "0:00"}, {999, "0:00"}, {187_000, "3:07"}, {3_723_000, "1:02:03"},
	} {
		if got := Length(c.ms); got != c.want {
			t.Errorf("Length(%d) = %q, want %q", c.ms, got, c.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{1234567 * time.Microsecond, "1.235s"}, {0, "0s"}, {125_400 * time.Millisecond, "2m5s"}, {59_999 * time.Millisecond, "59.999s"},
	} {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestTimes(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	old := time.Local
	time.Local = loc
	t.Cleanup(func() { time.Local = old })
	at := time.Date(2026, 12, 8, 13, 3, 9, 0, time.UTC)
	if got := Time(at); got != "2026-12-08 14:03:09" {
		t.Errorf("Time = %q", got)
	}
	if got := Date(at); got != "2026-12-08" {
		t.Errorf("Date = %q", got)
	}
	if got := Clock(at); got != "14:03:09 CET" {
		t.Errorf("Clock = %q", got)
	}
	if got := Since(at, at.Add(5*time.Minute)); got != "2026-12-08 14:03:09 (5m0s ago)" {
		t.Errorf("Since past = %q", got)
	}
	if got := Since(at, at.Add(-25*time.Minute)); got != "2026-12-08 14:03:09 (in 25m0s)" {
		t.Errorf("Since future = %q", got)
	}
}
