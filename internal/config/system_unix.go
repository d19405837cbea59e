//go:build !windows

package config

import "os"

// runningAsSystem reports whether defaults should be machine-wide. On unix
// that is root: a service running as a dedicated user gets its directories
// from systemd (STATE_DIRECTORY, CONFIGURATION_DIRECTORY) or from the file.
func runningAsSystem() bool { return os.Geteuid() == 0 }
