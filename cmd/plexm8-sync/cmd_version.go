package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version and commit are stamped by `make release` with
// -ldflags "-X main.version=v1.2.3 -X main.commit=<hash>": release builds
// use -buildvcs=false so that they do not depend on the checkout's state,
// which leaves the build information without a revision.
var (
	version = "dev"
	commit  = ""
)

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version, commit and Go version",
		help: `Prints the plexm8-sync version, the commit it was built from and the Go
version, from the binary's build information.

Example:
  plexm8-sync version`,
		run: func(_ context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("version takes no arguments")
			}
			rev, goVersion, modified := "unknown", "unknown", false
			if bi, ok := debug.ReadBuildInfo(); ok {
				goVersion = bi.GoVersion
				if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
					version = bi.Main.Version
				}
				for _, s := range bi.Settings {
					switch s.Key {
					case "vcs.revision":
						rev = s.Value
					case "vcs.modified":
						modified = s.Value == "true"
					}
				}
			}
			if modified {
				rev += " (modified)"
			}
			if commit != "" {
				rev = commit
			}
			fmt.Fprintf(a.Stdout, "plexm8-sync %s\ncommit %s\n%s\n", version, rev, goVersion)
			return nil
		},
	}
}
