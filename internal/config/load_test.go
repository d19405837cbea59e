package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func userDefaults(t *testing.T) *Config {
	t.Helper()
	c, err := load(userPlatform(nil), "", false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Files with nothing to say mean "all defaults", including the null
// sections left when every key of a section is commented out.
func TestNothingSetMeansDefaults(t *testing.T) {
	for name, content := range map[string]string{
		"empty":            "",
		"only comments":    "# nothing here\n\n   # still nothing\n",
		"null document":    "~\n",
		"empty sections":   "plex:\nschedule:\n  # sync: x\nlog:\n",
		"null leaf values": "plex:\n  page_size:\n  servers:\nschedule:\n  sync: null\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "config.yaml", content)
			got := mustLoad(t, path, nil)
			want := userDefaults(t)
			want.Path = path
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDefaultsForUser(t *testing.T) {
	c := userDefaults(t)
	if c.Path != "" {
		t.Errorf("Path = %q, want empty for defaults only", c.Path)
	}
	checks := map[string][2]any{
		"state_dir":     {c.StateDir, "/home/u/.local/state/plexm8"},
		"database.path": {c.Database.Path, "/home/u/.local/state/plexm8/plexm8.db"},
		"backup.dir":    {c.Backup.Dir, "/home/u/.local/state/plexm8/backups"},
		"backup.keep":   {c.Backup.Keep, 14},
		"device_name":   {c.Plex.DeviceName, "my-host"},
		"tv_url":        {c.Plex.TVURL, "https://plex.tv/api/v2"},
		"clients_url":   {c.Plex.ClientsURL, "https://clients.plex.tv/api/v2"},
		"product":       {c.Plex.Product, "PlexM8"},
		"page_size":     {c.Plex.PageSize, 1000},
		"rps":           {c.Plex.RequestsPerSecond, 0.0},
		"concurrency":   {c.Plex.Concurrency, 8},
		"servers":       {c.Plex.Servers == nil, true},
		"schedule":      {c.Schedule, Schedule{"@every 15m", "@every 1h", "@every 30m", "0 4 * * *", "30 4 * * *"}},
		"log":           {c.Log, Log{"info", "auto"}},
		"token":         {c.Token.IsZero(), true},
	}
	for name, gw := range checks {
		if !reflect.DeepEqual(gw[0], gw[1]) {
			t.Errorf("%s = %v, want %v", name, gw[0], gw[1])
		}
	}
}

// Default() is complete for this host and passes validation.
func TestDefaultIsValidAndComplete(t *testing.T) {
	d := Default()
	if d.StateDir == "" || d.Database.Path == "" || d.Backup.Dir == "" || d.Plex.DeviceName == "" {
		t.Fatalf("Default() left a host default empty: %+v", d)
	}
	ps := newProblems()
	d.validate(ps)
	if err := ps.err(""); err != nil {
		t.Fatalf("Default() does not validate: %v", err)
	}
}

func TestEveryValueDecoded(t *testing.T) {
	path := writeFile(t, "config.yaml", `
state_dir: /srv/plexm8
database:
  path: /data/mirror.db
plex:
  tv_url: http://127.0.0.1:8080/api/v2/
  clients_url: http://[::1]:8081/api/v2
  product: PlexM8 Test
  device_name: 1999
  page_size: 0x10
  requests_per_second: 2.5
  concurrency: 16
  servers: [Living Room, abc123]
  connections:
    Living Room: http://10.0.0.2:32400/
    "a.b": https://nas.example.org:32400
schedule:
  validate_token: "CRON_TZ=UTC 0 * * * *"
  refresh_resources: ""
  sync: "@hourly"
  full_sync: "0 30 4 * * *"
  backup: "  "
backup:
  dir: /backups
  keep: 1
log:
  level: DEBUG
  format: Json
`)
	got := mustLoad(t, path, nil)
	want := &Config{
		StateDir: "/srv/plexm8",
		Database: Database{Path: "/data/mirror.db"},
		Plex: Plex{
			TVURL:             "http://127.0.0.1:8080/api/v2",
			ClientsURL:        "http://[::1]:8081/api/v2",
			Product:           "PlexM8 Test",
			DeviceName:        "1999",
			PageSize:          16,
			RequestsPerSecond: 2.5,
			Concurrency:       16,
			Servers:           []string{"Living Room", "abc123"},
			Connections: map[string]string{
				"Living Room": "http://10.0.0.2:32400",
				"a.b":         "https://nas.example.org:32400",
			},
		},
		Schedule: Schedule{
			ValidateToken: "CRON_TZ=UTC 0 * * * *",
			Sync:          "@hourly",
			FullSync:      "0 30 4 * * *",
			Backup:        "  ", // blank disables, like ""
		},
		Backup: Backup{Dir: "/backups", Keep: 1},
		Log:    Log{Level: "debug", Format: "json"},
		Path:   path,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// Moving state_dir moves the paths derived from it, but not paths set
// explicitly; an empty string means the default.
func TestDerivedPathsFollowStateDir(t *testing.T) {
	path := writeFile(t, "config.yaml", "state_dir: /srv/p\nbackup:\n  dir: \"\"\ndatabase:\n  path: /db/x.db\nplex:\n  product: \"\"\n")
	c := mustLoad(t, path, nil)
	if c.Backup.Dir != filepath.Join("/srv/p", "backups") {
		t.Errorf("backup.dir = %q", c.Backup.Dir)
	}
	if c.Database.Path != "/db/x.db" {
		t.Errorf("database.path = %q", c.Database.Path)
	}
	if c.Plex.Product != DefaultProduct {
		t.Errorf("empty product should mean the default, got %q", c.Plex.Product)
	}
}

func TestTildeExpansion(t *testing.T) {
	path := writeFile(t, "config.yaml", "state_dir: ~/state\nbackup:\n  dir: \"~\"\ndatabase:\n  path: ./rel.db\n")
	c := mustLoad(t, path, map[string]string{"HOME": "/home/zed"})
	if c.StateDir != "/home/zed/state" || c.Backup.Dir != "/home/zed" {
		t.Errorf("state_dir %q, backup.dir %q", c.StateDir, c.Backup.Dir)
	}
	if c.Database.Path != "./rel.db" {
		t.Errorf("relative paths are kept as given, got %q", c.Database.Path)
	}

	c = mustLoad(t, path, map[string]string{EnvDB: "~/env.db"})
	if c.Database.Path != "/home/u/env.db" {
		t.Errorf("PLEXM8_DB ~ not expanded: %q", c.Database.Path)
	}
}

func TestTildeWithoutHome(t *testing.T) {
	path := writeFile(t, "config.yaml", "state_dir: /srv\nbackup:\n  dir: ~/b\n")
	p := userPlatform(nil)
	p.getenv = envMap(map[string]string{EnvDB: "~/x.db"})
	_, err := load(p, path, true)
	ve := validationError(t, err)
	msg := ve.Error()
	for _, want := range []string{
		path + `:3: backup.dir: "~/b" starts with ~ but the home directory is unknown`,
		path + `: PLEXM8_DB: "~/x.db" starts with ~`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}

func TestNoHomeAndNoStateDir(t *testing.T) {
	p := userPlatform(nil)
	p.getenv = envMap(nil)
	_, err := load(p, "", false)
	ve := validationError(t, err)
	if len(ve.Problems) != 1 || ve.Problems[0].Key != "state_dir" || !strings.Contains(ve.Problems[0].Msg, "set state_dir") {
		t.Errorf("got %v", err)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	path := writeFile(t, "config.yaml", "database:\n  path: /from/file.db\n")

	c, err := Load(path, true, hostEnv(map[string]string{EnvDB: " /from/env.db ", EnvToken: " tok-123 \n"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Path != "/from/env.db" {
		t.Errorf("PLEXM8_DB should override the file: %q", c.Database.Path)
	}
	if c.Token.Reveal() != "tok-123" {
		t.Errorf("PLEXM8_TOKEN not applied (or not trimmed)")
	}

	c, err = Load(path, true, hostEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Path != "/from/file.db" || !c.Token.IsZero() {
		t.Errorf("without env: path %q, token set %v", c.Database.Path, !c.Token.IsZero())
	}
}

func TestMissingFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")

	t.Run("default location is optional", func(t *testing.T) {
		c, err := Load(missing, false, hostEnv(nil))
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		if !reflect.DeepEqual(c, want) {
			t.Errorf("got %+v\nwant %+v", c, want)
		}
	})
	t.Run("named by flag", func(t *testing.T) {
		_, err := Load(missing, true, hostEnv(nil))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("want fs.ErrNotExist, got %v", err)
		}
		want := `config file "` + missing + `" (named by --config) does not exist; create it, starting from config.example.yaml, or correct the path`
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got  %s\nwant %s", err, want)
		}
	})
	t.Run("named by environment", func(t *testing.T) {
		env := hostEnv(map[string]string{EnvConfig: missing})
		path, explicit := Resolve("", env)
		_, err := Load(path, explicit, env)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "(named by PLEXM8_CONFIG)") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		_, err := Load(dir, true, hostEnv(nil))
		var ve *ValidationError
		if err == nil || errors.As(err, &ve) || !strings.Contains(err.Error(), `read config file "`+dir+`"`) {
			t.Fatalf("a directory should fail to read, got %v", err)
		}
	})
}
