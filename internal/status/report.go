// Package status builds the report of `plexm8-sync status`: what the
// database says (db.Status, one read snapshot) joined with what is local but
// not in it, the credentials file and the config. It never asks plex.tv:
// the token state is what the daemon last saw.
package status

import (
	"encoding/json"
	"time"
)

// Format is the version of the report's JSON shape. It changes only if a
// field ever has to change meaning; adding fields does not change it.
const Format = 1

// Token states the report adds to the daemon's (db.TokenOK, db.TokenRejected,
// db.TokenUnknown), from what is local: a token the daemon never checked,
// credentials that cannot be read, or none at all.
const (
	StateUnchecked = "unchecked"
	// StateNeverSignedIn: no token, and none was ever checked here.
	StateNeverSignedIn = "never_signed_in"
	// StateSignedOut: no token, but the daemon checked one before
	// ('logout', or PLEXM8_TOKEN unset since).
	StateSignedOut = "signed_out"
	// StateCredentialsUnreadable: the credentials file is there but
	// damaged or unreadable; Token.Error says what to do.
	StateCredentialsUnreadable = "credentials_unreadable"
)

// Where the token comes from: Token.Source.
const (
	SourceCredentials = "credentials" // the file 'login' writes
	SourceEnv         = "env"         // PLEXM8_TOKEN
	SourceNone        = "none"
)

// Report is the `status --json` shape: a documented interface (docs/operations.md), so
// fields are only ever added. Every field is always present; unknown values
// are null rather than missing, so scripts need no existence tests.
type Report struct {
	Format      int       `json:"format"`
	GeneratedAt time.Time `json:"generated_at"`
	Token       Token     `json:"token"`
	Account     *string   `json:"account"`
	Daemon      *Daemon   `json:"daemon"`
	Database    Database  `json:"database"`
	Mirror      Counts    `json:"mirror"`
	Servers     []Server  `json:"servers"`
	Jobs        []Job     `json:"jobs"`
	LastBackup  *Backup   `json:"last_backup"`
	RecentSyncs []Sync    `json:"recent_syncs"`
	Problems    []string  `json:"problems"`
}

// Token is the token's state and where it comes from.
type Token struct {
	// State is ok | rejected | unknown (plex.tv could not be asked) as the
	// daemon last saw the token in use now; unchecked when the daemon never
	// checked this token; credentials_unreadable when the credentials file
	// cannot be used; signed_out when there is no token but one was
	// checked before; never_signed_in when there never was one.
	State string `json:"state"`
	// Source is credentials (the file 'login' writes), env (PLEXM8_TOKEN)
	// or none.
	Source     string     `json:"source"`
	Since      *time.Time `json:"since"`
	CheckedAt  *time.Time `json:"checked_at"`
	SignedInAt *time.Time `json:"signed_in_at"` // when 'login' saved the credentials
	Error      string     `json:"error"`
}

// Daemon is the daemon that last ran on the database; its record stays
// after it exits, and Running says whether it still runs.
type Daemon struct {
	// Running is true while the daemon holds its lock beside the database;
	// a stopped or crashed daemon holds none.
	Running   bool       `json:"running"`
	PID       int        `json:"pid"`
	StartedAt *time.Time `json:"started_at"`
	Version   string     `json:"version"`
	HTTP      string     `json:"http"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Database is the database file.
type Database struct {
	Path          string `json:"path"`
	Bytes         int64  `json:"bytes"`
	SchemaVersion int    `json:"schema_version"`
	// Exists is false before the first sync or daemon created the file;
	// status does not create it.
	Exists bool `json:"exists"`
}

// Counts counts current (not removed) rows.
type Counts struct {
	Sections      int64 `json:"sections"`
	Artists       int64 `json:"artists"`
	Albums        int64 `json:"albums"`
	Tracks        int64 `json:"tracks"`
	Playlists     int64 `json:"playlists"`
	PlaylistItems int64 `json:"playlist_items"`
}

// Server is one mirrored server.
type Server struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Owned       bool       `json:"owned"`
	Removed     bool       `json:"removed"`
	RemovedAt   *time.Time `json:"removed_at"`
	Connection  *string    `json:"connection"`
	LastContact *time.Time `json:"last_contact"`
	RefreshedAt *time.Time `json:"refreshed_at"`
	Counts      Counts     `json:"counts"`
	LastSync    *Sync      `json:"last_sync"`
}

// Sync is one sync pass (a sync_runs row).
type Sync struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	ServerID   *string    `json:"server_id"`
	Server     *string    `json:"server"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Duration   *float64   `json:"duration_seconds"`
	Status     string     `json:"status"`
	Added      int64      `json:"added"`
	Updated    int64      `json:"updated"`
	Removed    int64      `json:"removed"`
	Requests   int64      `json:"requests"`
	Error      string     `json:"error"`
}

// Job is one daemon job: its schedule and its last run.
type Job struct {
	Name     string     `json:"name"`
	Schedule *string    `json:"schedule"` // the cron spec; null when the job is off
	NextRun  *time.Time `json:"next_run"` // as the running daemon planned it; null while no daemon runs
	LastRun  *JobRun    `json:"last_run"`
}

// JobRun is the last run of a job.
type JobRun struct {
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Duration   *float64        `json:"duration_seconds"`
	Status     string          `json:"status"`
	Error      string          `json:"error"`
	Details    json.RawMessage `json:"details"` // the job's own counts; null if none
}

// Backup is the newest backup that succeeded.
type Backup struct {
	At        time.Time `json:"at"`
	File      string    `json:"file"`
	Bytes     int64     `json:"bytes"`
	Integrity string    `json:"integrity"`
	Exists    bool      `json:"exists"` // the file is still there
}
