//go:build windows

package config

import "golang.org/x/sys/windows/svc"

// runningAsSystem reports whether the process runs under the Service
// Control Manager, whose working directory and profile are not the user's.
func runningAsSystem() bool {
	is, err := svc.IsWindowsService()
	return err == nil && is
}
