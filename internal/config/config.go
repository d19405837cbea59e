// Package config loads the PlexM8 sync configuration: one strict YAML file,
// a few environment overrides (PLEXM8_CONFIG, PLEXM8_TOKEN, PLEXM8_DB) and
// defaults that depend on whether the process runs as a system service or
// as a user.
//
// Validation reports every problem in the file at once, each with its line,
// so that a user fixes the file in one pass instead of one error per run.
package config

import (
	"path/filepath"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// Config is the effective configuration. Load returns it with every default
// filled in, so callers never test for zero values.
type Config struct {
	// StateDir holds the database, backups and stored credentials.
	StateDir string   `yaml:"state_dir"`
	Database Database `yaml:"database"`
	Plex     Plex     `yaml:"plex"`
	Schedule Schedule `yaml:"schedule"`
	Backup   Backup   `yaml:"backup"`
	History  History  `yaml:"history"`
	Log      Log      `yaml:"log"`

	// Token comes from PLEXM8_TOKEN only, never from the file, and takes
	// precedence over stored credentials.
	Token secret.Value `yaml:"-"`
	// Path is the file the configuration came from, "" when defaults only.
	Path string `yaml:"-"`
}

// Database locates the SQLite mirror.
type Database struct {
	// Path defaults to <state_dir>/plexm8.db; PLEXM8_DB overrides it.
	Path string `yaml:"path"`
}

// Plex configures the plex.tv and media server clients.
type Plex struct {
	// TVURL and ClientsURL are the plex.tv API bases. They must be https,
	// or http for a loopback host (a local fake in tests).
	TVURL      string `yaml:"tv_url"`
	ClientsURL string `yaml:"clients_url"`
	// Product and DeviceName identify this client to Plex.
	Product    string `yaml:"product"`
	DeviceName string `yaml:"device_name"`
	// PageSize is the number of items per page, 1..1000.
	PageSize int `yaml:"page_size"`
	// RequestsPerSecond is an optional hard cap on the request rate to each
	// media server, >= 0; 0 means no cap (the adaptive concurrency limit
	// sets the pace). plex.tv is always paced.
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// Concurrency is the most requests in flight per server, 1..16: the
	// upper bound of the adaptive limit, and the number of page fetchers
	// per listing.
	Concurrency int `yaml:"concurrency"`
	// Servers restricts the mirror to these server names or machine
	// identifiers; empty means all servers of the account.
	Servers []string `yaml:"servers"`
	// Connections maps a server name or machine identifier to a base URL
	// used instead of the connections plex.tv advertises.
	Connections map[string]string `yaml:"connections"`
}

// Schedule holds one cron spec per daemon job. An empty spec disables the
// job. Specs accept five fields, six with seconds, descriptors such as
// @hourly and @every <duration>, and a CRON_TZ= prefix; see ParseSchedule.
type Schedule struct {
	ValidateToken    string `yaml:"validate_token"`
	RefreshResources string `yaml:"refresh_resources"`
	Sync             string `yaml:"sync"`
	FullSync         string `yaml:"full_sync"`
	Backup           string `yaml:"backup"`
}

// ByJob is the schedule keyed by job name: each key of the schedule
// section is the name of the job it schedules (as job_runs records it).
func (s Schedule) ByJob() map[string]string {
	return map[string]string{
		"validate_token": s.ValidateToken, "refresh_resources": s.RefreshResources,
		"sync": s.Sync, "full_sync": s.FullSync, "backup": s.Backup,
	}
}

// Backup configures database backups.
type Backup struct {
	// Dir defaults to <state_dir>/backups.
	Dir string `yaml:"dir"`
	// Keep is how many backups to retain, at least 1.
	Keep int `yaml:"keep"`
}

// History configures playlist history.
type History struct {
	// KeepVersions, when above 0, is how many of its newest versions each
	// playlist keeps; older ones are deleted after each sync. 0 (the
	// default) keeps every version forever.
	KeepVersions int `yaml:"keep_versions"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is auto, text or json. Auto picks coloured text on a terminal
	// and JSON otherwise.
	Format string `yaml:"format"`
}

// Defaults that do not depend on the host.
const (
	DefaultTVURL             = "https://plex.tv/api/v2"
	DefaultClientsURL        = "https://clients.plex.tv/api/v2"
	DefaultProduct           = "PlexM8"
	DefaultPageSize          = 1000
	DefaultRequestsPerSecond = 0.0 // no cap
	DefaultConcurrency       = 8
	DefaultBackupKeep        = 14
	DefaultLogLevel          = "info"
	DefaultLogFormat         = "auto"

	DefaultValidateToken    = "@every 15m"
	DefaultRefreshResources = "@every 1h"
	DefaultSync             = "@every 30m"
	DefaultFullSync         = "0 4 * * *"
	DefaultBackup           = "30 4 * * *"
)

// Allowed ranges, shared by validation and its messages.
const (
	minPageSize    = 1
	maxPageSize    = 1000
	minConcurrency = 1
	maxConcurrency = 16
	minBackupKeep  = 1
)

// Default returns the configuration used when no file exists, with every
// default filled in for the current host and user.
func Default() *Config {
	c := baseDefaults(currentPlatform(nil))
	c.fillDerived()
	return c
}

// baseDefaults fills everything except the paths derived from StateDir,
// which must wait until the file had its chance to move StateDir.
func baseDefaults(p platform) *Config {
	return &Config{
		StateDir: p.stateDir(),
		Plex: Plex{
			TVURL:             DefaultTVURL,
			ClientsURL:        DefaultClientsURL,
			Product:           DefaultProduct,
			DeviceName:        p.deviceName(),
			PageSize:          DefaultPageSize,
			RequestsPerSecond: DefaultRequestsPerSecond,
			Concurrency:       DefaultConcurrency,
		},
		Schedule: Schedule{
			ValidateToken:    DefaultValidateToken,
			RefreshResources: DefaultRefreshResources,
			Sync:             DefaultSync,
			FullSync:         DefaultFullSync,
			Backup:           DefaultBackup,
		},
		Backup: Backup{Keep: DefaultBackupKeep},
		Log:    Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
	}
}

// fillDerived sets the paths that default to places under StateDir. It runs
// after the file and the environment so that moving state_dir moves them.
func (c *Config) fillDerived() {
	if c.StateDir == "" {
		return
	}
	if c.Database.Path == "" {
		c.Database.Path = filepath.Join(c.StateDir, "plexm8.db")
	}
	if c.Backup.Dir == "" {
		c.Backup.Dir = filepath.Join(c.StateDir, "backups")
	}
}
