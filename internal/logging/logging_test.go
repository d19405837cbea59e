package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerChoice(t *testing.T) {
	tests := map[string]struct {
		format   string
		service  bool
		terminal bool
		want     string // json, plain (tint without colour), colour
	}{
		"auto on a terminal":              {"auto", false, true, "colour"},
		"auto piped":                      {"auto", false, false, "json"},
		"auto under a service":            {"auto", true, true, "json"},
		"empty means auto":                {"", false, false, "json"},
		"unknown means auto":              {"xml", false, true, "colour"},
		"text piped":                      {"text", false, false, "plain"},
		"text on a terminal":              {"TEXT", false, true, "colour"},
		"text under a service, no colour": {"text", true, true, "plain"},
		"json on a terminal":              {"json", false, true, "json"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			h := newHandler(Options{Format: tc.format, Service: tc.service}, &buf, tc.terminal)
			slog.New(h).Info("hello", "n", 1)
			out := buf.String()
			var got string
			switch {
			case json.Valid([]byte(out)):
				got = "json"
			case strings.Contains(out, "\x1b["):
				got = "colour"
			default:
				got = "plain"
			}
			if got != tc.want {
				t.Errorf("got %s output, want %s: %q", got, tc.want, out)
			}
			if !strings.Contains(out, "hello") {
				t.Errorf("message missing: %q", out)
			}
		})
	}
}

func TestLevelFilters(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		l := New(Options{Level: slog.LevelWarn, Format: format, W: &buf})
		l.Info("quiet")
		l.Warn("loud")
		if out := buf.String(); strings.Contains(out, "quiet") || !strings.Contains(out, "loud") {
			t.Errorf("%s: level not applied: %q", format, out)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "INFO": slog.LevelInfo, " Warn ": slog.LevelWarn, "error": slog.LevelError,
	} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	_, err := ParseLevel("verbose")
	if err == nil || err.Error() != `unknown log level "verbose": use one of debug, info, warn, error` {
		t.Errorf("got %v", err)
	}
}
