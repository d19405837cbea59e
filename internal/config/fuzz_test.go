package config

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoadConfig feeds arbitrary bytes to the config loader as the
// contents of a file. It must never panic; a rejection is a
// *ValidationError whose every problem has a message and points at a line
// of the file or at none; an accepted file renders (config check) to YAML
// that loads back to the same configuration.
func FuzzLoadConfig(f *testing.F) {
	if b, err := os.ReadFile(examplePath); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"# only a comment\n",
		"plex:\n  page_size: 500\n  servers: [Home, \"Den\"]\nschedule:\n  full_sync: \"@every 6h\"\n",
		"plex:\n  tokn: x\n",
		"---\na: 1\n---\nb: 2\n",
		"a: &x [*x]\n",
		"plex: &p\n  page_size: 100\nbackup: *p\n",
		"state_dir: ~/x\ndatabase:\n  path: \"\\0\"\n",
		"schedule:\n  validate_token: \"CRON_TZ=Mars/Olympus 0 * * * *\"\n",
		"plex:\n  connections:\n    den: http://[::1]:32400\n    \"\": ftp://x\n",
		"log: {level: LOUD, format: [x]}\n",
		"\t- bad indent\n",
		"plex:\n  requests_per_second: 1e400\n  page_size: 0x7fffffffffffffff\n",
		"? [complex, key]\n: v\n",
		"a: !!binary AAAA\n",
	} {
		f.Add([]byte(s))
	}
	p := userPlatform(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse(p, "config.yaml", data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("a rejection is not a *ValidationError with problems: %T %v", err, err)
			}
			lines := yamlLines(data) + 2 // yaml may point just past the end
			for _, pr := range ve.Problems {
				if strings.TrimSpace(pr.Msg) == "" || pr.Line < 0 || pr.Line > lines {
					t.Fatalf("problem %+v in a file of %d lines", pr, lines-2)
				}
			}
			if !strings.HasPrefix(err.Error(), "config.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		out, err := c.Render()
		if err != nil {
			t.Fatalf("an accepted config does not render: %v", err)
		}
		again, err := parse(p, "config.yaml", out)
		if err != nil {
			t.Fatalf("the rendered config does not load: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("the rendered config loads differently:\n%+v\n%+v\n%s", c, again, out)
		}
	})
}

// yamlLines counts line breaks as the YAML scanner does: CR LF is one, and
// a lone CR, NEL, LS and PS each break a line too, so a problem may point
// at a line no "\n" counts.
func yamlLines(data []byte) int {
	n := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n"))
	for _, br := range []string{"\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(data, []byte(br))
	}
	return n
}
