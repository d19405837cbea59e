package main

// docs/commands.md is this table's help texts, rendered by a test so that
// the reference and --help cannot drift apart:
//go:generate go test -run ^TestCommandReference$ -update .

// commandGroups is every command the CLI has, in the order and groups
// 'plexm8-sync --help' shows them. Each command is built by a function in
// its own cmd_*.go file; adding one means adding it here.
func commandGroups() []commandGroup {
	return []commandGroup{
		{"Getting started", []*command{
			demoCommand(), demoChangeCommand(), loginCommand(), logoutCommand(), configCheckCommand(), migrateCommand(), versionCommand(),
		}},
		{"Keeping the mirror", append([]*command{
			syncCommand(), runCommand(), statusCommand(), healthcheckCommand(),
		}, serviceCommands()...)},
		{"Offline queries", []*command{
			tracksCommand(), artistsCommand(), albumsCommand(), playlistsCommand(), statsCommand(), sqlCommand(),
		}},
		{"Playlist history", []*command{
			historyCommand(), diffCommand(), exportCommand(), restoreCommand(),
		}},
		{"Backups", []*command{
			backupCommand(), backupRestoreCommand(),
		}},
	}
}

// commandGroup is a heading of the command list and its commands.
type commandGroup struct {
	title    string
	commands []*command
}

// commandsByName indexes the table for dispatch.
func commandsByName() map[string]*command {
	m := map[string]*command{}
	for _, g := range commandGroups() {
		for _, c := range g.commands {
			m[c.name] = c
		}
	}
	return m
}
