package db

// JobName names a daemon job, as stored in job_runs.job and as the key of
// the "schedule" record; logs and metrics use the same words.
type JobName string

// The daemon's jobs.
const (
	JobValidateToken    JobName = "validate_token"
	JobRefreshResources JobName = "refresh_resources"
	JobSync             JobName = "sync"
	JobFullSync         JobName = "full_sync"
	JobBackup           JobName = "backup"
	JobMaintenance      JobName = "maintenance"
)

// JobNames returns the daemon's jobs in the order status shows them: the
// token first, then what depends on it, then the housekeeping.
func JobNames() []JobName {
	return []JobName{JobValidateToken, JobRefreshResources, JobSync, JobFullSync, JobBackup, JobMaintenance}
}

// RunStatus is how a run ended (or that it is under way), as stored in
// job_runs.status and sync_runs.status alike.
type RunStatus string

// Run statuses. sync_runs uses running, ok, partial and failed; job_runs
// all six.
const (
	RunRunning RunStatus = "running"
	RunOK      RunStatus = "ok"
	// RunPartial: some parts failed, the rest completed.
	RunPartial RunStatus = "partial"
	RunFailed  RunStatus = "failed"
	// RunSkipped: the run did not start because another was under way.
	RunSkipped RunStatus = "skipped"
	// RunPaused: the run did not start because the token cannot be used.
	RunPaused RunStatus = "paused"
)

// Token states, the State of the "token" record.
const (
	// TokenOK: plex.tv accepted the token at the last check.
	TokenOK = "ok"
	// TokenRejected: plex.tv answered 401; only a successful check ends it.
	TokenRejected = "rejected"
	// TokenUnknown: not checked yet, plex.tv could not be asked, or there
	// is no token to ask about.
	TokenUnknown = "unknown"
)
