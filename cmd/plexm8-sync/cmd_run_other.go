//go:build !windows

package main

import "context"

// runUnderSCM is for Windows only: elsewhere the service manager stops the
// daemon with SIGTERM, which main turns into a cancelled context.
func (a *app) runUnderSCM(context.Context, runOptions) (bool, error) { return false, nil }
