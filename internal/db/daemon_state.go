package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// The daemon_state keys, one per record below. Each record is JSON whose
// keys never change, so a database written by any version reads the same.
const (
	stateToken    = "token"
	stateSchedule = "schedule"
	stateDaemon   = "daemon"
)

// TokenState is the "token" record: the daemon's token state machine as it
// last saw the token.
type TokenState struct {
	State     string `json:"state"` // TokenOK, TokenRejected or TokenUnknown
	Since     int64  `json:"since"` // when State began
	CheckedAt int64  `json:"checked_at"`
	Account   string `json:"account"`
	Error     string `json:"error"`
	// TokenID is account.TokenID of the token the state is about, "" when
	// there was none to check (or a version before this field wrote it).
	// Status compares it with the token in use now: a record of another
	// token says nothing about this one.
	TokenID string `json:"token_id"`
}

// Schedule is the "schedule" record: every job the daemon runs, with its
// cron spec and next run. It is rewritten whenever either changes.
type Schedule map[JobName]ScheduledJob

// ScheduledJob is one job of the schedule.
type ScheduledJob struct {
	Spec string `json:"spec"` // "" when the job is off
	Next int64  `json:"next"` // unix seconds; 0 when unscheduled
}

// DaemonInfo is the "daemon" record: the process that last ran the
// daemon. It stays after that process exits.
type DaemonInfo struct {
	PID       int    `json:"pid"`
	StartedAt int64  `json:"started_at"`
	Version   string `json:"version"`
	HTTP      string `json:"http"` // the address of /healthz and /metrics, "" when off
	UpdatedAt int64  `json:"-"`    // when the row was last written
}

// SetTokenState stores the token state.
func (db *DB) SetTokenState(ctx context.Context, s TokenState, now int64) error {
	return db.setState(ctx, stateToken, s, now)
}

// TokenState returns the stored token state, nil when the daemon never
// recorded one.
func (db *DB) TokenState(ctx context.Context) (*TokenState, error) {
	v, _, ok, err := db.getState(ctx, stateToken)
	if err != nil || !ok {
		return nil, err
	}
	return decodeState[TokenState](stateToken, v)
}

// SetSchedule stores the daemon's schedule.
func (db *DB) SetSchedule(ctx context.Context, s Schedule, now int64) error {
	return db.setState(ctx, stateSchedule, s, now)
}

// Schedule returns the stored schedule, empty (not nil) when there is none.
func (db *DB) Schedule(ctx context.Context) (Schedule, error) {
	v, _, ok, err := db.getState(ctx, stateSchedule)
	if err != nil || !ok {
		return Schedule{}, err
	}
	return decodeSchedule(v)
}

// SetDaemonInfo records the daemon process that is starting.
func (db *DB) SetDaemonInfo(ctx context.Context, info DaemonInfo, now int64) error {
	return db.setState(ctx, stateDaemon, info, now)
}

// DaemonInfo returns the record of the daemon that last ran, nil when none
// ever did.
func (db *DB) DaemonInfo(ctx context.Context) (*DaemonInfo, error) {
	v, updated, ok, err := db.getState(ctx, stateDaemon)
	if err != nil || !ok {
		return nil, err
	}
	return decodeDaemonInfo(v, updated)
}

func (db *DB) setState(ctx context.Context, key string, v any, now int64) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store daemon state %q: %w", key, err)
	}
	_, err = db.W().ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(b), now)
	if err != nil {
		return fmt.Errorf("store daemon state %q: %w", key, err)
	}
	return nil
}

// getState returns the JSON stored under key; ok is false when there is
// none.
func (db *DB) getState(ctx context.Context, key string) (value string, updated int64, ok bool, err error) {
	err = db.R().QueryRowContext(ctx, `SELECT value, updated_at FROM daemon_state WHERE key = ?`, key).Scan(&value, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("read daemon state %q: %w", key, err)
	}
	return value, updated, true, nil
}

// decodeState decodes the value stored under key. Its error is what status
// shows for a value that is not the agreed JSON.
func decodeState[T any](key, value string) (*T, error) {
	var v T
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		return nil, fmt.Errorf("daemon_state %q is not the expected JSON: %w", key, err)
	}
	return &v, nil
}

func decodeSchedule(value string) (Schedule, error) {
	s, err := decodeState[Schedule](stateSchedule, value)
	if err != nil || *s == nil { // JSON null decodes to a nil map
		return Schedule{}, err
	}
	return *s, nil
}

func decodeDaemonInfo(value string, updated int64) (*DaemonInfo, error) {
	d, err := decodeState[DaemonInfo](stateDaemon, value)
	if err != nil {
		return nil, err
	}
	d.UpdatedAt = updated
	return d, nil
}
