package config

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// loadRelative writes content to config.yaml in a fresh working directory
// and loads it by the relative name, so messages read "config.yaml:N: ...".
func loadRelative(t *testing.T, content string) (*Config, error) {
	t.Helper()
	t.Chdir(t.TempDir())
	writeAt(t, "config.yaml", content)
	return load(userPlatform(nil), "config.yaml", true)
}

func writeAt(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Each kind of problem names the key, the line and what is allowed.
func TestProblemMessages(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want string
	}{
		"unknown key": {
			yaml: "plex:\n  page_size: 100\n\n  tokn: abc\n",
			want: `config.yaml:4: unknown key "tokn" in plex; the Plex token is never read from the config file, set PLEXM8_TOKEN or use the stored credentials`,
		},
		"unknown key with a close match": {
			yaml: "plex:\n  page_sise: 100\n",
			want: `config.yaml:2: unknown key "page_sise" in plex; did you mean "page_size"?`,
		},
		"unknown top-level key": {
			yaml: "log:\n  level: info\nfoo: 1\n",
			want: `config.yaml:3: unknown key "foo" at top level; valid keys: backup, database, history, log, plex, schedule, state_dir`,
		},
		"bad type": {
			yaml: "# comment\nplex:\n  product: x\n  device_name: y\n  concurrency: 2\n\n  page_size: many\n",
			want: `config.yaml:7: plex.page_size: want an integer, got "many"`,
		},
		"float for an integer": {
			yaml: "backup:\n  keep: 1.5\n",
			want: `config.yaml:2: backup.keep: want an integer, got "1.5"`,
		},
		"list for a string": {
			yaml: "log:\n  level: [debug]\n",
			want: `config.yaml:2: log.level: want a string, got a list`,
		},
		"scalar for a section": {
			yaml: "plex: yes\n",
			want: `config.yaml:1: plex: want a section of keys, got "yes"`,
		},
		"bad list item": {
			yaml: "plex:\n  servers:\n    - den\n    - {name: x}\n",
			want: `config.yaml:4: plex.servers[1]: want a string, got a mapping`,
		},
		"bad cron spec": {
			yaml: "schedule:\n  sync: every 5m\n",
			want: `config.yaml:2: schedule.sync: bad cron spec "every 5m": expected 5 to 6 fields, found 2: [every 5m] (use 5 fields: minute hour day-of-month month day-of-week; 6 with seconds first; or a descriptor such as @hourly or @every 30m)`,
		},
		"cron time zone without fields": {
			yaml: "schedule:\n  backup: TZ=UTC\n",
			want: `config.yaml:2: schedule.backup: bad cron spec "TZ=UTC": TZ=UTC must be followed by a space and a schedule, as in "TZ=UTC 0 4 * * *"`,
		},
		"page_size too large": {
			yaml: "plex:\n  page_size: 5000\n",
			want: `config.yaml:2: plex.page_size: 5000 is out of range; allowed 1 to 1000`,
		},
		"page_size zero": {
			yaml: "plex:\n  page_size: 0\n",
			want: `config.yaml:2: plex.page_size: 0 is out of range; allowed 1 to 1000`,
		},
		"concurrency": {
			yaml: "plex:\n  concurrency: 17\n",
			want: `config.yaml:2: plex.concurrency: 17 is out of range; allowed 1 to 16`,
		},
		"requests_per_second": {
			yaml: "plex:\n  requests_per_second: -1\n",
			want: `config.yaml:2: plex.requests_per_second: -1 is out of range; allowed 0 (no cap) or any finite number greater than 0, such as 10 or 0.5`,
		},
		"backup keep": {
			yaml: "backup:\n  keep: 0\n",
			want: `config.yaml:2: backup.keep: 0 is out of range; allowed 1 or more`,
		},
		"log level": {
			yaml: "log:\n  level: verbose\n",
			want: `config.yaml:2: log.level: "verbose" is not allowed; use one of debug, info, warn, error`,
		},
		"log format": {
			yaml: "log:\n  format: xml\n",
			want: `config.yaml:2: log.format: "xml" is not allowed; use one of auto, text, json`,
		},
		"plain http to plex.tv": {
			yaml: "plex:\n  tv_url: http://plex.tv/api/v2\n",
			want: `config.yaml:2: plex.tv_url: "http://plex.tv/api/v2" must use https; http is allowed only for a loopback host (127.0.0.1, [::1], localhost)`,
		},
		"URL with a query hides the query": {
			yaml: "plex:\n  connections:\n    den: http://10.0.0.2:32400/?X-Plex-Token=sekrit\n",
			want: `config.yaml:3: plex.connections["den"]: "http://10.0.0.2:32400/" has a query string; remove everything from "?" on (the token is sent as a header, never in the URL)`,
		},
		"URL with credentials hides them": {
			yaml: "plex:\n  clients_url: https://me:sekrit@clients.plex.tv/api/v2\n",
			want: `config.yaml:2: plex.clients_url: "https://xxxxx:xxxxx@clients.plex.tv/api/v2" contains a user name or password; remove them, credentials never go in URLs`,
		},
		"URL without scheme": {
			yaml: "plex:\n  connections:\n    den: nas.local:32400\n",
			want: `config.yaml:3: plex.connections["den"]: "nas.local:32400" must start with https:// or http://`,
		},
		"duplicate key": {
			yaml: "plex:\n  page_size: 10\n  page_size: 20\n",
			want: `config.yaml:3: plex.page_size: duplicate key, first set on line 2; keep one`,
		},
		"empty server name": {
			yaml: "plex:\n  servers: [den, \" \"]\n",
			want: `config.yaml:2: plex.servers[1]: empty server name; give a server name or machine identifier, or remove the entry`,
		},
		"YAML syntax": {
			yaml: "plex:\n  page_size: [1,\n",
			want: `config.yaml:2: YAML syntax error: did not find expected node content`,
		},
		"second document": {
			yaml: "log:\n  level: info\n---\nlog:\n  level: debug\n",
			want: `config.yaml:3: a second YAML document starts here; a config file holds one document, remove the extra "---"`,
		},
		"not a mapping": {
			yaml: "- a\n- b\n",
			want: `config.yaml:1: the file must be a mapping of settings such as "plex:" and "schedule:", got a list`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := loadRelative(t, tc.yaml)
			if c != nil {
				t.Errorf("got a config along with the error")
			}
			ve := validationError(t, err)
			if got := ve.Error(); got != tc.want {
				t.Errorf("message:\n got %s\nwant %s", got, tc.want)
			}
			if len(ve.Problems) != 1 {
				t.Errorf("want exactly one problem, got %d", len(ve.Problems))
			}
			if strings.Contains(ve.Error(), "sekrit") {
				t.Errorf("message repeats a secret: %s", ve.Error())
			}
		})
	}
}

// All problems in a file are reported at once, in line order, each with
// the key a program can branch on.
func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := loadRelative(t, `log:
  format: xml
plex:
  tokn: abc
  page_size: many
  concurrency: 0
schedule:
  full_sync: "0 0 30 2 *"
  sync: every 5m
bogus: true
`)
	ve := validationError(t, err)
	if ve.Path != "config.yaml" {
		t.Errorf("Path = %q", ve.Path)
	}
	want := []Problem{
		{2, "log.format", ""},
		{4, "plex.tokn", ""},
		{5, "plex.page_size", ""},
		{6, "plex.concurrency", ""},
		{8, "schedule.full_sync", ""},
		{9, "schedule.sync", ""},
		{10, "bogus", ""},
	}
	if len(ve.Problems) != len(want) {
		t.Fatalf("want %d problems, got %d:\n%v", len(want), len(ve.Problems), err)
	}
	lines := strings.Split(ve.Error(), "\n")
	for i, w := range want {
		got := ve.Problems[i]
		if got.Line != w.Line || got.Key != w.Key {
			t.Errorf("problem %d: got line %d key %q, want line %d key %q", i, got.Line, got.Key, w.Line, w.Key)
		}
		if prefix := "config.yaml:" + strconv.Itoa(w.Line) + ": "; !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d of the message %q does not start with %q", i, lines[i], prefix)
		}
	}
	if !strings.Contains(lines[4], "never fires") {
		t.Errorf("Feb 30 should be reported as never firing: %s", lines[4])
	}
}
