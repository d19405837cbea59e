package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// Load reads the configuration at path (as returned by Resolve), applies
// the environment (PLEXM8_TOKEN, PLEXM8_DB) and the defaults, and validates
// the result.
//
// A missing file is fine when explicit is false (defaults only, Path "");
// when explicit is true it is an error that matches fs.ErrNotExist. Any
// problem with the contents yields a *ValidationError listing all of them.
// getenv is os.Getenv outside tests; nil means os.Getenv.
func Load(path string, explicit bool, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p := currentPlatform(getenv)
	return load(p, path, explicit)
}

func load(p platform, path string, explicit bool) (*Config, error) {
	var data []byte
	if path != "" {
		if expanded, ok := p.expandHome(path); ok {
			path = expanded
		}
		var err error
		data, err = os.ReadFile(path)
		switch {
		case err == nil:
			return parse(p, path, data)
		case errors.Is(err, fs.ErrNotExist) && !explicit:
			// The default location is optional: defaults apply.
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("config file %q (%s) does not exist; create it, starting from config.example.yaml, or correct the path: %w",
				path, namedBy(p, path), fs.ErrNotExist)
		default:
			return nil, fmt.Errorf("read config file %q: %w", path, err)
		}
	}
	return parse(p, "", nil)
}

// parse makes the configuration from the contents of the file at path
// ("" and nil data: no file), the environment and the defaults.
func parse(p platform, path string, data []byte) (*Config, error) {
	c := baseDefaults(p)
	ps := newProblems()
	if path != "" {
		c.Path = path
		decode(data, c, ps)
	}
	c.applyEnv(p, ps)
	c.applyDefaults(p, ps)
	c.validate(ps)
	if err := ps.err(c.Path); err != nil {
		return nil, err
	}
	return c, nil
}

// namedBy says how an explicit path was given. Resolve prefers the flag, so
// a path equal to PLEXM8_CONFIG came from the environment unless the flag
// said the same, which makes no difference to the user.
func namedBy(p platform, path string) string {
	if v := p.getenv(EnvConfig); v != "" {
		if e, _ := p.expandHome(v); e == path || v == path {
			return "named by " + EnvConfig
		}
	}
	return "named by --config"
}

// applyEnv lets the environment override the file: PLEXM8_TOKEN is the only
// source of Token, PLEXM8_DB wins over database.path.
func (c *Config) applyEnv(p platform, ps *problems) {
	if v := strings.TrimSpace(p.getenv(EnvToken)); v != "" {
		c.Token = secret.New(v)
	}
	if v := strings.TrimSpace(p.getenv(EnvDB)); v != "" {
		c.Database.Path = v
		delete(ps.lines, "database.path") // a later problem is not the file's
	}
}

// applyDefaults fills empty strings, which mean "the default" everywhere
// except in schedule, where an empty spec disables the job; then it
// expands a leading "~" in paths and derives the paths under state_dir.
func (c *Config) applyDefaults(p platform, ps *problems) {
	d := baseDefaults(p)
	for _, f := range []struct {
		v   *string
		def string
	}{
		{&c.StateDir, d.StateDir},
		{&c.Plex.TVURL, d.Plex.TVURL},
		{&c.Plex.ClientsURL, d.Plex.ClientsURL},
		{&c.Plex.Product, d.Plex.Product},
		{&c.Plex.DeviceName, d.Plex.DeviceName},
		{&c.Log.Level, d.Log.Level},
		{&c.Log.Format, d.Log.Format},
	} {
		if strings.TrimSpace(*f.v) == "" {
			*f.v = f.def
		}
	}

	for _, f := range []struct {
		key string
		v   *string
	}{
		{"state_dir", &c.StateDir},
		{"database.path", &c.Database.Path},
		{"backup.dir", &c.Backup.Dir},
	} {
		*f.v = strings.TrimSpace(*f.v)
		expanded, ok := p.expandHome(*f.v)
		if !ok {
			src := f.key
			if f.key == "database.path" && ps.lines[f.key] == 0 && p.getenv(EnvDB) != "" {
				src = EnvDB
			}
			ps.at(f.key, "%s: %q starts with ~ but the home directory is unknown ($HOME is not set); use an absolute path", src, *f.v)
			continue
		}
		*f.v = expanded
	}
	c.fillDerived()

	// "servers: []" and no key mean the same; make them compare equal.
	if len(c.Plex.Servers) == 0 {
		c.Plex.Servers = nil
	}
	if len(c.Plex.Connections) == 0 {
		c.Plex.Connections = nil
	}
}
