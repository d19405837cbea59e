package config

import (
	"reflect"
	"strings"
	"testing"
)

// Render shows the effective settings as a loadable file with the token
// redacted, and loading that output gives the same configuration back.
func TestRenderRoundTrip(t *testing.T) {
	path := writeFile(t, "config.yaml", `
plex:
  servers: [den]
  connections:
    den: http://10.0.0.2:32400
  requests_per_second: 0.5
schedule:
  sync: ""
`)
	c := mustLoad(t, path, map[string]string{EnvToken: "sekrit-token"})
	out, err := c.Render()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if strings.Contains(text, "sekrit-token") {
		t.Fatalf("rendered config leaks the token:\n%s", text)
	}
	for _, want := range []string{"# token: [redacted] (from PLEXM8_TOKEN)", "# source: " + path, "sync: \"\"", "requests_per_second: 0.5"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered config lacks %q:\n%s", want, text)
		}
	}

	again := mustLoad(t, writeFile(t, "rendered.yaml", text), nil)
	c.Token, c.Path, again.Path = again.Token, "", ""
	if !reflect.DeepEqual(again, c) {
		t.Errorf("rendered output does not load back to the same config:\n got %+v\nwant %+v\n%s", again, c, text)
	}
}

func TestRenderWithoutTokenOrFile(t *testing.T) {
	out, err := userDefaults(t).Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# token: (not set)", "# source: no config file"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}
