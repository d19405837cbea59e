package main

import (
	"context"
	"fmt"
)

func configCheckCommand() *command {
	return &command{
		name:    "config check",
		summary: "validate the config and print the effective settings",
		help: `Loads the config file (from --config, $PLEXM8_CONFIG or the default path),
applies the environment overrides, and prints the effective settings with
secrets redacted. Every problem in the file is reported at once, with its line.
Exit code 1 when the config is invalid.

Examples:
  plexm8-sync config check
  plexm8-sync --config /etc/plexm8/config.yaml config check`,
		run: func(_ context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("config check takes no arguments")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			out, err := cfg.Render()
			if err != nil {
				return err
			}
			src := cfg.Path
			if src == "" {
				src = "(no file: defaults)"
			}
			fmt.Fprintf(a.Stdout, "# config: %s\n%s", src, out)
			return nil
		},
	}
}
