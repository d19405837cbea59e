//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kardianos/service"
)

// runUnderSCM runs the daemon through kardianos when the Windows service
// control manager started it, so that the SCM's stop reaches it (there is no
// SIGTERM on Windows). It reports false when the process is interactive.
func (a *app) runUnderSCM(ctx context.Context, o runOptions) (bool, error) {
	if service.Interactive() {
		return false, nil
	}
	a.service = true
	p := &scmProgram{a: a, o: o, parent: ctx}
	// The name must be the one `service install` registered.
	s, err := service.New(p, &service.Config{Name: "plexm8-sync"})
	if err != nil {
		return true, fmt.Errorf("run as a Windows service: %w", err)
	}
	return true, s.Run()
}

type scmProgram struct {
	a      *app
	o      runOptions
	parent context.Context
	cancel context.CancelFunc
	done   chan error
}

// Start must not block: the daemon runs in its own goroutine.
func (p *scmProgram) Start(service.Service) error {
	ctx, cancel := context.WithCancel(p.parent)
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() {
		err := p.a.runDaemon(ctx, p.o)
		p.done <- err
		if err != nil && ctx.Err() == nil {
			// The daemon could not start (a locked database, a bad
			// config): the SCM only learns of it when the process ends.
			fmt.Fprintf(p.a.Stderr, "plexm8-sync: %v\n", err)
			os.Exit(1)
		}
	}()
	return nil
}

// Stop cancels the daemon and waits for it, within the SCM's patience.
func (p *scmProgram) Stop(service.Service) error {
	p.cancel()
	select {
	case err := <-p.done:
		return err
	case <-time.After(9 * time.Second):
		return errors.New("the daemon did not stop within 9 s")
	}
}
