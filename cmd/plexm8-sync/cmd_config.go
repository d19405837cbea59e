package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/secret"
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
			out, err := cfg.RenderWithToken(tokenSource(cfg))
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

// tokenSource says where the token every command uses comes from, without
// showing it: PLEXM8_TOKEN wins over the credentials file 'login' writes.
func tokenSource(cfg *config.Config) string {
	if !cfg.Token.IsZero() {
		return fmt.Sprintf("%v (from %s)", cfg.Token, config.EnvToken)
	}
	c, err := account.Load(cfg.StateDir)
	switch {
	case errors.Is(err, account.ErrNotSignedIn):
		return "(not set: run 'plexm8-sync login' or set " + config.EnvToken + ")"
	case err != nil:
		return "(unusable: " + err.Error() + ")"
	}
	s := fmt.Sprintf("%v (from the credentials file %s", secret.Redacted, account.Path(cfg.StateDir))
	if c.Username != "" {
		s += ", account " + c.Username
	}
	return s + ")"
}
